//! The server takes exactly what the OpenAPI document says: an integer written `5.0` is the
//! integer 5 (as JSON Schema counts), money and rates are plain decimal strings, a tagged rule
//! takes no field it does not name, and a refusal by the state a valid request meets has a
//! code of its own rather than `validation_failed`.

use loyalty_seaorm::on_both_databases;
use loyalty_seaorm::testing::TestDatabase;
use loyalty_tests::spawn_app;
use serde_json::json;

on_both_databases! {
    requests_are_read_as_the_document_describes_them => super::shapes;
}

async fn shapes(db: &TestDatabase) {
    let app = spawn_app(db).await;
    let shop = app.merchant("shapes").await;
    let (member, token) = app.signed_in_member(&shop, "13800000078").await;
    let adjust = format!("/api/v1/merchant/members/{member}/points/adjustments");

    // 5.0 is the integer 5; 5.5 is not an integer.
    let added = app
        .post(
            &adjust,
            &shop.owner,
            json!({ "delta": 5.0, "reason": "整数" }),
        )
        .await;
    assert_eq!(added.status.as_u16(), 201, "{}", added.text);
    assert_eq!(app.balance(&shop.owner, &member).await, 5);
    app.post(
        &adjust,
        &shop.owner,
        json!({ "delta": 5.5, "reason": "小数" }),
    )
    .await
    .assert_problem(422, "validation_failed");
    app.post(&adjust, &shop.owner, json!({ "delta": 0, "reason": "零" }))
        .await
        .assert_problem(422, "validation_failed");
    assert_eq!(app.balance(&shop.owner, &member).await, 5);

    // Money is written plainly: no sign, no leading zero, no bare point.
    for amount in ["+1.00", "01.00", "1.", ".50", "1.001", "10000000000"] {
        app.post(
            "/api/v1/merchant/orders",
            &shop.owner,
            json!({ "member_id": member, "amount_paid": amount }),
        )
        .await
        .assert_problem(422, "validation_failed");
    }
    let zeros = app
        .post(
            "/api/v1/merchant/orders",
            &shop.owner,
            json!({ "member_id": member, "amount_paid": "2.5000" }),
        )
        .await;
    assert_eq!(zeros.status.as_u16(), 201, "{}", zeros.text);
    assert_eq!(zeros.body["order"]["amount_paid"], "2.50");

    // Rates too, and a rule's variant takes no field it does not name.
    let tiers = |rate: &str, window: serde_json::Value| {
        json!({
            "basis": "spend",
            "window": window,
            "levels": [{ "code": "v1", "name": "会员", "threshold": 0,
                         "benefits": { "discount_rate": rate } }]
        })
    };
    let lifetime = json!({ "mode": "lifetime" });
    for rate in ["+0.9", ".9", "0.9_5", "0.95001"] {
        app.put(
            "/api/v1/merchant/settings/tiers",
            &shop.owner,
            tiers(rate, lifetime.clone()),
        )
        .await
        .assert_problem(422, "validation_failed");
    }
    app.put(
        "/api/v1/merchant/settings/tiers",
        &shop.owner,
        tiers("0.95", json!({ "mode": "lifetime", "months": 12 })),
    )
    .await
    .assert_problem(422, "validation_failed");
    app.put(
        "/api/v1/merchant/settings/points-expiry",
        &shop.owner,
        json!({ "rule": { "mode": "never", "days": 30 } }),
    )
    .await
    .assert_problem(422, "validation_failed");
    let saved = app
        .put(
            "/api/v1/merchant/settings/tiers",
            &shop.owner,
            tiers("0.9500", lifetime),
        )
        .await;
    assert_eq!(saved.status.as_u16(), 200, "{}", saved.text);
    assert_eq!(
        saved.body["policy"]["levels"][0]["benefits"]["discount_rate"],
        "0.95"
    );

    // An action names what it needs and nothing else.
    let actions = "/api/v1/member/points/actions";
    for body in [
        json!({ "action": "share" }),
        json!({ "action": "share", "reference": "p1", "order_id": member }),
        json!({ "action": "review", "reference": "p1" }),
        json!({ "action": "like", "reference": "p1" }),
    ] {
        app.post(actions, &token, body)
            .await
            .assert_problem(422, "validation_failed");
    }

    // The state a valid request meets answers with a code of its own.
    let stores = app.get("/api/v1/merchant/stores", &shop.owner).await;
    let default = stores.body["items"][0]["id"]
        .as_str()
        .expect("the default store");
    app.patch(
        &format!("/api/v1/merchant/stores/{default}"),
        &shop.owner,
        json!({ "active": false }),
    )
    .await
    .assert_problem(422, "default_store_stays_open");
    let free = app
        .coupon_template(
            &shop.owner,
            json!({
                "name": "免费领", "benefit": { "type": "no_threshold", "amount": "5.00" },
                "validity": { "mode": "after_claim", "days": 7 }
            }),
        )
        .await;
    app.post(
        &format!("/api/v1/member/coupon-templates/{free}/exchange"),
        &token,
        json!({}),
    )
    .await
    .assert_problem(422, "not_exchangeable");
}
