//! Tiers over HTTP: the tier ladder HQ sets up, an upgrade when an order crosses a threshold, the
//! tier multiplier on later orders, the tier history, the member's view of their tier and the
//! next one, and a refund taking its spend back out of the growth.

use crate::points::{TIERS, cashier};
use loyalty_seaorm::on_both_databases;
use loyalty_seaorm::testing::TestDatabase;
use loyalty_tests::spawn_app;
use loyalty_tests::string;
use reqwest::StatusCode;
use serde_json::{Value, json};

on_both_databases! {
    crossing_a_tier_threshold_upgrades_and_the_tier_multiplies_later_orders => super::tiers;
}

/// A ladder by lifetime spend: 普通 from 0, 银卡 from 500.00 (×1.5), 金卡 from 2000.00 (×2).
fn spend_ladder() -> Value {
    json!({
        "basis": "spend",
        "window": { "mode": "lifetime" },
        "levels": [
            { "code": "normal", "name": "普通", "threshold": 0 },
            { "code": "silver", "name": "银卡", "threshold": 50000, "benefits": { "earning_multiplier": "1.5" } },
            { "code": "gold", "name": "金卡", "threshold": 200000, "benefits": { "earning_multiplier": "2" } }
        ],
        "protection_months": 3,
        "downgrade": "one_step"
    })
}

async fn tiers(db: &TestDatabase) {
    let app = spawn_app(db).await;
    let shop = app.merchant("rules-tiers").await;
    let owner = &shop.owner;
    let cashier = cashier(&app, &shop, &shop.default_store()).await;

    let none = app.get(TIERS, owner).await;
    assert_eq!(
        (&none.body["version"], &none.body["policy"]),
        (&json!(0), &Value::Null),
        "no ladder until one is set up: {}",
        none.text
    );
    app.put(TIERS, &cashier, spend_ladder())
        .await
        .assert_problem(403, "forbidden");
    let mut broken = spend_ladder();
    broken["levels"][0]["threshold"] = json!(100);
    app.put(TIERS, owner, broken)
        .await
        .assert_invalid_field("levels");
    let mut unordered = spend_ladder();
    unordered["levels"][2]["threshold"] = json!(40000);
    app.put(TIERS, owner, unordered)
        .await
        .assert_problem(422, "validation_failed");
    let saved = app.save_settings(TIERS, owner, spend_ladder()).await;
    assert_eq!(saved["version"], 1, "{saved}");
    assert_eq!(
        saved["policy"]["levels"][1]["benefits"]["earning_multiplier"],
        "1.5"
    );

    let member = app.member(owner, "13800000002").await;
    let other = app.member(owner, "13800000003").await;
    // 300.00: 300 points; growth 30000 fen < 50000.
    let first = app.purchase(owner, &member, "300.00").await;
    assert_eq!(
        (&first["points_earned"], &first["tier_upgraded_to"]),
        (&json!(300), &Value::Null)
    );
    // 250.00: 250 points at the old tier; growth 30000 + 25000 = 55000 ≥ 50000 → silver.
    let second = app.purchase(owner, &member, "250.00").await;
    assert_eq!(
        (&second["points_earned"], &second["tier_upgraded_to"]),
        (&json!(250), &json!("silver")),
        "{second}"
    );
    // 100.10 × 1.5 = 150.15 → floor 150; growth 55000 + 10010 = 65010.
    let third = app.purchase(owner, &member, "100.10").await;
    assert_eq!(
        (&third["points_earned"], &third["tier_upgraded_to"]),
        (&json!(150), &Value::Null),
        "{third}"
    );
    assert_eq!(
        third["earning"]["lines"][0]["factors"],
        json!([{ "rule": "tier", "multiplier": "1.5" }])
    );
    assert_eq!(third["earning"]["exact"], "150.15");
    // Another member's spend is not this member's growth.
    let theirs = app.purchase(owner, &other, "100.00").await;
    assert_eq!(
        (&theirs["points_earned"], &theirs["tier_upgraded_to"]),
        (&json!(100), &Value::Null)
    );

    let fetched = app
        .get(&format!("/api/v1/merchant/members/{member}"), owner)
        .await;
    assert_eq!(
        (&fetched.body["tier"], &fetched.body["points_balance"]),
        (&json!("silver"), &json!(700)),
        "300 + 250 + 150: {}",
        fetched.text
    );
    let history = app
        .get(
            &format!("/api/v1/merchant/members/{member}/tier-history"),
            owner,
        )
        .await;
    assert_eq!(history.status, StatusCode::OK, "{}", history.text);
    let items = history.body["items"].as_array().expect("items");
    assert_eq!(items.len(), 1, "{}", history.text);
    assert_eq!(
        (
            &items[0]["from_tier"],
            &items[0]["to_tier"],
            &items[0]["reason"],
            &items[0]["growth"]
        ),
        (
            &Value::Null,
            &json!("silver"),
            &json!("upgrade"),
            &json!(55000)
        )
    );
    let quiet = app
        .get(
            &format!("/api/v1/merchant/members/{other}/tier-history"),
            owner,
        )
        .await;
    assert_eq!(quiet.body["items"], json!([]), "{}", quiet.text);

    let token = app.member_token(&shop.code, "13800000002").await;
    let points = app.get("/api/v1/member/points", &token).await;
    assert_eq!(points.status, StatusCode::OK, "{}", points.text);
    let tier = &points.body["tier"];
    assert_eq!(
        (&tier["code"], &tier["name"], &tier["growth"], &tier["unit"]),
        (
            &json!("silver"),
            &json!("银卡"),
            &json!(65010),
            &json!("fen")
        ),
        "{}",
        points.text
    );
    assert_eq!(tier["benefits"]["earning_multiplier"], "1.5");
    // Gold from 200000: 200000 − 65010 = 134990 to go.
    assert_eq!(
        tier["next"],
        json!({ "code": "gold", "name": "金卡", "threshold": 200000, "remaining": 134990 })
    );

    // A refund takes its spend back out of the growth: 65010 − 1010 = 64000, and its share
    // of the points: 150 × 10.10 / 100.10 = 15.13… → 15.
    let refund = app
        .post(
            &format!(
                "/api/v1/merchant/orders/{}/refunds",
                string(&third["order"]["id"])
            ),
            owner,
            json!({ "amount": "10.10" }),
        )
        .await;
    assert_eq!(refund.status, StatusCode::CREATED, "{}", refund.text);
    assert_eq!(refund.body["refund"]["points_reversed"], 15);
    let points = app.get("/api/v1/member/points", &token).await;
    assert_eq!(
        (
            &points.body["balance"],
            &points.body["tier"]["growth"],
            &points.body["tier"]["next"]["remaining"]
        ),
        (&json!(685), &json!(64000), &json!(136000)),
        "{}",
        points.text
    );
    assert_eq!(
        points.body["tier"]["code"], "silver",
        "an upgrade holds until a review"
    );
}
