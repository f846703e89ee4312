//! The merchant's rule settings over HTTP: versioned earning, expiry and tier policies, the
//! points an order earns under them (lines, category multipliers, exclusions, threshold
//! bonus, caps) with their explanation, tier upgrades and the tier multiplier, points for
//! actions (share, review, registration), lot expiry, the points liability and the what-if
//! simulation. On SQLite and PostgreSQL.

use loyalty_seaorm::on_both_databases;
use loyalty_seaorm::testing::TestDatabase;
use loyalty_tests::{Answer, TestApp, spawn_app};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::time::{SystemTime, UNIX_EPOCH};

on_both_databases! {
    an_editor_saves_over_the_version_they_read_or_is_told_it_changed => super::if_match;
    earning_settings_are_versioned_validated_and_for_headquarters_to_change => super::earning_settings;
    an_order_with_lines_earns_by_the_policy_and_explains_every_step => super::earning_with_lines;
    crossing_a_tier_threshold_upgrades_and_the_tier_multiplies_later_orders => super::tiers;
    members_earn_for_actions_once_per_thing_up_to_the_daily_cap => super::actions;
    actions_asked_for_at_once_earn_once_and_within_the_cap => super::actions_at_once;
    lots_expire_by_the_expiry_policy_in_force_when_they_were_earned => super::expiry;
    the_liability_is_the_outstanding_points_at_the_point_value => super::liability;
    a_simulation_runs_a_proposed_policy_over_recent_orders_per_store => super::simulation;
}

const EARNING: &str = "/api/v1/merchant/settings/earning";
const EXPIRY: &str = "/api/v1/merchant/settings/points-expiry";
const TIERS: &str = "/api/v1/merchant/settings/tiers";
const SIMULATE: &str = "/api/v1/merchant/settings/earning/simulate";
const LIABILITY: &str = "/api/v1/merchant/points/liability";
const ORDERS: &str = "/api/v1/merchant/orders";
const ACTIONS: &str = "/api/v1/member/points/actions";

async fn put(app: &TestApp, path: &str, token: &str, body: Value) -> Answer {
    app.send(app.request(Method::PUT, path, Some(token)).json(&body))
        .await
}

async fn staff_login(app: &TestApp, merchant: &str, username: &str, password: &str) -> String {
    let answer = app
        .send(app.request(Method::POST, "/api/v1/merchant/auth/login", None).json(&json!({ "merchant_code": merchant, "username": username, "password": password })))
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    answer.body["token"].as_str().expect("token").to_owned()
}

/// A cashier of `store`, signed in.
async fn cashier(app: &TestApp, owner: &str, merchant: &str, store: &str) -> String {
    let created = app
        .post(
            "/api/v1/merchant/staff",
            owner,
            json!({ "username": "cashier", "display_name": "收银员", "role": "cashier", "store_ids": [store], "password": "staff password 1" }),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    staff_login(app, merchant, "cashier", "staff password 1").await
}

/// The mini-program's token of the member with `phone` (dev sign-in).
async fn member_token(app: &TestApp, merchant: &str, phone: &str) -> String {
    let login = app
        .send(
            app.request(Method::POST, "/api/v1/member/auth/dev", None)
                .json(&json!({ "merchant_code": merchant, "phone": phone })),
        )
        .await;
    assert_eq!(login.status, StatusCode::OK, "{}", login.text);
    login.body["token"].as_str().expect("token").to_owned()
}

fn id(value: &Value) -> String {
    value.as_str().expect("an id").to_owned()
}

/// Commits an order that must succeed; returns the receipt.
async fn order(app: &TestApp, token: &str, body: Value) -> Value {
    let answer = app.post(ORDERS, token, body).await;
    assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.text);
    answer.body
}

async fn balance(app: &TestApp, token: &str, member: &str) -> i64 {
    let answer = app
        .get(&format!("/api/v1/merchant/members/{member}"), token)
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    answer.body["points_balance"].as_i64().expect("balance")
}

/// A setting that must be saved; returns the answer's body.
async fn save(app: &TestApp, path: &str, token: &str, policy: Value) -> Value {
    let answer = put(app, path, token, policy).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    answer.body
}

/// The earning policy a new merchant gets, in its full serialised shape.
fn default_earning() -> Value {
    json!({
        "points_per_unit": 1, "unit": "1.00", "rounding": "floor", "basis": "after_discounts",
        "thresholds": [], "member_day": null, "birthday": null, "store_multipliers": [],
        "category_multipliers": [], "item_multipliers": [], "stacking": "multiply",
        "cap_per_order": null, "cap_per_day": null, "excluded_items": [],
        "excluded_categories": [],
        "actions": { "registration": null, "share": null, "review": null },
        "point_value": { "points": 100, "money": "1.00" }
    })
}

/// 1 point per 1.00; +10 from 100.00 or +30 from 200.00 of eligible spend; coffee earns
/// double; tobacco earns nothing; at most 500 points an order.
fn rich_earning() -> Value {
    json!({
        "points_per_unit": 1,
        "unit": "1.00",
        "thresholds": [
            { "min_amount": "100.00", "bonus": 10 },
            { "min_amount": "200.00", "bonus": 30 }
        ],
        "category_multipliers": [{ "code": "coffee", "multiplier": "2" }],
        "excluded_categories": ["tobacco"],
        "cap_per_order": 500
    })
}

// The calendar, by hand: the tests crate has no date library, and Asia/Shanghai is UTC+8
// all year (no daylight saving time).

const SHANGHAI_OFFSET: i64 = 8 * 3600;

fn now_unix() -> i64 {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("after 1970")
        .as_secs();
    i64::try_from(secs).expect("in range")
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's `days_from_civil`).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date of a day number from [`days_from_civil`].
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    (
        if month <= 2 {
            yoe + era * 400 + 1
        } else {
            yoe + era * 400
        },
        month,
        day,
    )
}

/// Seconds since the epoch of an RFC 3339 UTC timestamp as the server writes them
/// (`2026-04-30T16:00:00Z`, maybe with a fraction, which is dropped).
fn parse_utc(text: &str) -> i64 {
    assert!(text.ends_with('Z'), "a UTC timestamp: {text}");
    let field = |range: std::ops::Range<usize>| -> i64 {
        text.get(range)
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| panic!("a timestamp: {text}"))
    };
    days_from_civil(field(0..4), field(5..7), field(8..10)) * 86_400
        + field(11..13) * 3600
        + field(14..16) * 60
        + field(17..19)
}

/// When points earned at `earned` (seconds since the epoch) expire under `end_of_month`
/// with `after_months`: 00:00 Shanghai on the first day of the month after the earning
/// month + `after_months`, i.e. 16:00Z on the last day of that month.
fn end_of_month_expiry(earned: i64, after_months: i64) -> String {
    let (year, month, _) = civil_from_days((earned + SHANGHAI_OFFSET).div_euclid(86_400));
    let index = year * 12 + (month - 1) + after_months + 1;
    let first_of_next = days_from_civil(index.div_euclid(12), index.rem_euclid(12) + 1, 1);
    let (y, m, d) = civil_from_days(first_of_next - 1);
    format!("{y:04}-{m:02}-{d:02}T16:00:00Z")
}

async fn earning_settings(db: &TestDatabase) {
    let app = spawn_app(db).await;
    let (owner, created) = app.merchant("rules-earning").await;
    let store = id(&created["default_store"]["id"]);
    let cashier = cashier(&app, &owner, "rules-earning", &store).await;

    // A new merchant has version 1, the default policy, saved with the merchant.
    let first = app.get(EARNING, &owner).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.text);
    assert_eq!(first.body["version"], 1, "{}", first.text);
    assert_eq!(first.body["policy"], default_earning(), "{}", first.text);
    assert!(first.body["updated_at"].is_string(), "{}", first.text);

    let saved = save(&app, EARNING, &owner, rich_earning()).await;
    assert_eq!(saved["version"], 2, "{saved}");
    assert!(
        saved["updated_by"].is_string(),
        "the owner is recorded: {saved}"
    );
    let current = app.get(EARNING, &owner).await;
    assert_eq!(current.body["version"], 2, "{}", current.text);
    let policy = &current.body["policy"];
    assert_eq!(
        policy["thresholds"],
        json!([{ "min_amount": "100.00", "bonus": 10 }, { "min_amount": "200.00", "bonus": 30 }])
    );
    assert_eq!(
        policy["category_multipliers"],
        json!([{ "code": "coffee", "multiplier": "2" }])
    );
    assert_eq!(policy["excluded_categories"], json!(["tobacco"]));
    assert_eq!(policy["cap_per_order"], 500);
    // What was left out takes its default.
    assert_eq!(
        (policy["rounding"].as_str(), policy["cap_per_day"].is_null()),
        (Some("floor"), true)
    );

    // The old version stays on record, as the ledger entries it produced name it.
    let old = app.get(&format!("{EARNING}?version=1"), &owner).await;
    assert_eq!(old.status, StatusCode::OK, "{}", old.text);
    assert_eq!(
        (&old.body["version"], &old.body["policy"]),
        (&json!(1), &default_earning())
    );
    app.get(&format!("{EARNING}?version=99"), &owner)
        .await
        .assert_problem(404, "version_not_found");
    app.get(&format!("{EARNING}?version=two"), &owner)
        .await
        .assert_problem(422, "validation_failed");

    // Every member of staff may read the rules; only headquarters changes them.
    let read = app.get(EARNING, &cashier).await;
    assert_eq!(
        (read.status, &read.body["version"]),
        (StatusCode::OK, &json!(2)),
        "{}",
        read.text
    );
    put(&app, EARNING, &cashier, rich_earning())
        .await
        .assert_problem(403, "forbidden");

    // Refusals name the field; none of them takes a version.
    let mut zero_unit = rich_earning();
    zero_unit["unit"] = json!("0.00");
    let refused = put(&app, EARNING, &owner, zero_unit).await;
    refused.assert_problem(422, "validation_failed");
    assert_eq!(
        refused.body["errors"][0]["field"], "unit",
        "{}",
        refused.text
    );
    let mut disordered = rich_earning();
    disordered["thresholds"] = json!([
        { "min_amount": "200.00", "bonus": 30 },
        { "min_amount": "100.00", "bonus": 10 }
    ]);
    let refused = put(&app, EARNING, &owner, disordered).await;
    refused.assert_problem(422, "validation_failed");
    assert_eq!(
        refused.body["errors"][0]["field"], "thresholds",
        "{}",
        refused.text
    );
    let mut unknown = rich_earning();
    unknown["points_per_yuan"] = json!(2);
    let refused = put(&app, EARNING, &owner, unknown).await;
    refused.assert_problem(422, "validation_failed");
    assert!(
        refused.body["detail"]
            .as_str()
            .is_some_and(|d| d.contains("unknown field `points_per_yuan`")),
        "{}",
        refused.text
    );
    let mut zero_factor = rich_earning();
    zero_factor["category_multipliers"] = json!([{ "code": "coffee", "multiplier": "0" }]);
    put(&app, EARNING, &owner, zero_factor)
        .await
        .assert_problem(422, "validation_failed");
    let mut no_cap = rich_earning();
    no_cap["cap_per_order"] = json!(0);
    let refused = put(&app, EARNING, &owner, no_cap).await;
    refused.assert_problem(422, "validation_failed");
    assert_eq!(
        refused.body["errors"][0]["field"], "cap_per_order",
        "{}",
        refused.text
    );
    assert_eq!(
        app.get(EARNING, &owner).await.body["version"],
        2,
        "refused policies are not saved"
    );
    let again = save(&app, EARNING, &owner, default_earning()).await;
    assert_eq!(again["version"], 3, "the next save is the next version");
}

async fn earning_with_lines(db: &TestDatabase) {
    let app = spawn_app(db).await;
    let (owner, _) = app.merchant("rules-lines").await;
    let member = app.member(&owner, "13800000001").await;

    // Under version 1 (1 point per 1.00): 10.00 → 10 points.
    let before = order(
        &app,
        &owner,
        json!({ "member_id": member, "amount_paid": "10.00" }),
    )
    .await;
    assert_eq!(
        (&before["points_earned"], &before["policy_version"]),
        (&json!(10), &json!(1))
    );
    assert_eq!(
        save(&app, EARNING, &owner, rich_earning()).await["version"],
        2
    );

    // Lines: coffee 2 × 32.00 = 64.00, bakery 50.00, tobacco 30.00; 144.00 in all, 129.60
    // paid (10 % off), spread in proportion: 57.60, 45.00, 27.00.
    // coffee 57.60 × 2 = 115.2; bakery 45; tobacco excluded: 0. Exact 160.2 → floor 160.
    // Eligible 57.60 + 45.00 = 102.60 ≥ 100.00 (not 200.00): +10. 170 < cap 500.
    let receipt = order(
        &app,
        &owner,
        json!({
            "member_id": member, "amount_paid": "129.60",
            "lines": [
                { "sku": "latte", "category": "coffee", "quantity": 2, "unit_price": "32.00" },
                { "sku": "bagel", "category": "bakery", "quantity": 1, "unit_price": "50.00" },
                { "sku": "cigs", "category": "tobacco", "quantity": 1, "unit_price": "30.00" }
            ]
        }),
    )
    .await;
    assert_eq!(receipt["points_earned"], 170, "{receipt}");
    assert_eq!(receipt["balance_after"], 180, "10 + 170: {receipt}");
    assert_eq!(receipt["policy_version"], 2);
    let earning = &receipt["earning"];
    let lines = earning["lines"].as_array().expect("lines");
    let amounts: Vec<&str> = lines
        .iter()
        .map(|l| l["amount"].as_str().expect("amount"))
        .collect();
    assert_eq!(amounts, ["57.60", "45.00", "0.00"], "{earning}");
    assert_eq!(
        (&lines[0]["multiplier"], &lines[0]["exact"]),
        (&json!("2"), &json!("115.2"))
    );
    assert_eq!(
        lines[0]["factors"],
        json!([{ "rule": "category", "multiplier": "2" }])
    );
    assert_eq!(
        (&lines[1]["excluded"], &lines[1]["exact"]),
        (&Value::Null, &json!("45"))
    );
    assert_eq!(lines[2]["excluded"], "excluded_category");
    assert_eq!(lines[2]["factors"], json!([]));
    assert_eq!(earning["eligible_amount"], "102.60");
    assert_eq!(
        (&earning["exact"], &earning["base_points"]),
        (&json!("160.2"), &json!(160))
    );
    assert_eq!(
        earning["threshold"],
        json!({ "min_amount": "100.00", "bonus": 10 })
    );
    assert_eq!(earning["caps"], json!([]));

    // Coffee 10 × 30.00 = 300.00 paid: 600 + 30 (≥ 200.00) = 630, cut to the cap of 500.
    let capped = order(
        &app,
        &owner,
        json!({
            "member_id": member, "amount_paid": "300.00",
            "lines": [{ "category": "coffee", "quantity": 10, "unit_price": "30.00" }]
        }),
    )
    .await;
    assert_eq!(capped["points_earned"], 500, "{capped}");
    assert_eq!(
        capped["earning"]["threshold"],
        json!({ "min_amount": "200.00", "bonus": 30 })
    );
    assert_eq!(
        capped["earning"]["caps"],
        json!([{ "cap": "per_order", "limit": 500, "before": 630 }])
    );

    // Only tobacco: nothing is eligible, so no threshold and no points (the balance stays).
    let nothing = order(
        &app,
        &owner,
        json!({
            "member_id": member, "amount_paid": "300.00",
            "lines": [{ "category": "tobacco", "quantity": 10, "unit_price": "30.00" }]
        }),
    )
    .await;
    assert_eq!(
        (
            &nothing["points_earned"],
            &nothing["balance_after"],
            &nothing["earning"]["threshold"]
        ),
        (&json!(0), &capped["balance_after"], &Value::Null),
        "{nothing}"
    );

    // Paying more than the lines add up to is refused: 150.00 > 144.00.
    let refused = app
        .post(
            ORDERS,
            &owner,
            json!({
                "member_id": member, "amount_paid": "150.00",
                "lines": [
                    { "category": "coffee", "quantity": 2, "unit_price": "32.00" },
                    { "category": "bakery", "quantity": 1, "unit_price": "50.00" },
                    { "category": "tobacco", "quantity": 1, "unit_price": "30.00" }
                ]
            }),
        )
        .await;
    refused.assert_problem(422, "validation_failed");
    assert_eq!(
        refused.body["errors"][0]["field"], "amount_paid",
        "{}",
        refused.text
    );
    app.post(
        ORDERS,
        &owner,
        json!({
            "member_id": member, "amount_paid": "1.00",
            "lines": [{ "category": "coffee", "quantity": 0, "unit_price": "1.00" }]
        }),
    )
    .await
    .assert_problem(422, "validation_failed");

    // The ledger names the version that computed each earn entry: 10 + 170 + 500 = 680.
    let entries = app.ledger(&owner, &member).await;
    let earned: Vec<(i64, i64)> = entries
        .iter()
        .map(|e| {
            (
                e["delta"].as_i64().expect("delta"),
                e["policy_version"].as_i64().expect("version"),
            )
        })
        .collect();
    assert_eq!(earned, [(500, 2), (170, 2), (10, 1)]);
    assert_eq!(balance(&app, &owner, &member).await, 680);
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
    let (owner, created) = app.merchant("rules-tiers").await;
    let store = id(&created["default_store"]["id"]);
    let cashier = cashier(&app, &owner, "rules-tiers", &store).await;

    let none = app.get(TIERS, &owner).await;
    assert_eq!(
        (&none.body["version"], &none.body["policy"]),
        (&json!(0), &Value::Null),
        "no ladder until one is set up: {}",
        none.text
    );
    put(&app, TIERS, &cashier, spend_ladder())
        .await
        .assert_problem(403, "forbidden");
    let mut broken = spend_ladder();
    broken["levels"][0]["threshold"] = json!(100);
    let refused = put(&app, TIERS, &owner, broken).await;
    refused.assert_problem(422, "validation_failed");
    assert_eq!(
        refused.body["errors"][0]["field"], "levels",
        "{}",
        refused.text
    );
    let mut unordered = spend_ladder();
    unordered["levels"][2]["threshold"] = json!(40000);
    put(&app, TIERS, &owner, unordered)
        .await
        .assert_problem(422, "validation_failed");
    let saved = save(&app, TIERS, &owner, spend_ladder()).await;
    assert_eq!(saved["version"], 1, "{saved}");
    assert_eq!(
        saved["policy"]["levels"][1]["benefits"]["earning_multiplier"],
        "1.5"
    );

    let member = app.member(&owner, "13800000002").await;
    let other = app.member(&owner, "13800000003").await;
    // 300.00: 300 points; growth 30000 fen < 50000.
    let first = order(
        &app,
        &owner,
        json!({ "member_id": member, "amount_paid": "300.00" }),
    )
    .await;
    assert_eq!(
        (&first["points_earned"], &first["tier_upgraded_to"]),
        (&json!(300), &Value::Null)
    );
    // 250.00: 250 points at the old tier; growth 30000 + 25000 = 55000 ≥ 50000 → silver.
    let second = order(
        &app,
        &owner,
        json!({ "member_id": member, "amount_paid": "250.00" }),
    )
    .await;
    assert_eq!(
        (&second["points_earned"], &second["tier_upgraded_to"]),
        (&json!(250), &json!("silver")),
        "{second}"
    );
    // 100.10 × 1.5 = 150.15 → floor 150; growth 55000 + 10010 = 65010.
    let third = order(
        &app,
        &owner,
        json!({ "member_id": member, "amount_paid": "100.10" }),
    )
    .await;
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
    let theirs = order(
        &app,
        &owner,
        json!({ "member_id": other, "amount_paid": "100.00" }),
    )
    .await;
    assert_eq!(
        (&theirs["points_earned"], &theirs["tier_upgraded_to"]),
        (&json!(100), &Value::Null)
    );

    let fetched = app
        .get(&format!("/api/v1/merchant/members/{member}"), &owner)
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
            &owner,
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
            &owner,
        )
        .await;
    assert_eq!(quiet.body["items"], json!([]), "{}", quiet.text);

    let token = member_token(&app, "rules-tiers", "13800000002").await;
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
                id(&third["order"]["id"])
            ),
            &owner,
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

async fn actions(db: &TestDatabase) {
    let app = spawn_app(db).await;
    let (owner, _) = app.merchant("rules-actions").await;
    let mut policy = json!({
        "points_per_unit": 1,
        "unit": "1.00",
        "actions": {
            "share": { "points": 20, "daily_cap": 50 },
            "review": { "points": 50 }
        }
    });
    assert_eq!(
        save(&app, EARNING, &owner, policy.clone()).await["version"],
        2
    );
    let member = app.member(&owner, "13800000004").await;
    let neighbour = app.member(&owner, "13800000005").await;
    assert_eq!(
        balance(&app, &owner, &member).await,
        0,
        "no registration bonus"
    );
    let mine = order(
        &app,
        &owner,
        json!({ "member_id": member, "amount_paid": "10.00" }),
    )
    .await;
    let not_mine = order(
        &app,
        &owner,
        json!({ "member_id": neighbour, "amount_paid": "10.00" }),
    )
    .await;
    let token = member_token(&app, "rules-actions", "13800000004").await;
    let share = |reference: &str| json!({ "action": "share", "reference": reference });

    let first = app.post(ACTIONS, &token, share("p1")).await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.text);
    assert_eq!(
        (
            &first.body["points"],
            &first.body["balance_after"],
            &first.body["new"]
        ),
        (&json!(20), &json!(30), &json!(true)),
        "10 from the order + 20: {}",
        first.text
    );
    // The same thing shared again answers the first award and earns nothing more.
    let again = app.post(ACTIONS, &token, share("p1")).await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.text);
    assert_eq!(
        (
            &again.body["new"],
            &again.body["entry_id"],
            &again.body["points"]
        ),
        (&json!(false), &first.body["entry_id"], &json!(20))
    );
    assert_eq!(balance(&app, &owner, &member).await, 30);

    // 20 + 20 = 40 today; the cap of 50 leaves 10; then nothing.
    let p2 = app.post(ACTIONS, &token, share("p2")).await;
    assert_eq!(
        (p2.status, &p2.body["points"], &p2.body["balance_after"]),
        (StatusCode::CREATED, &json!(20), &json!(50)),
        "{}",
        p2.text
    );
    let p3 = app.post(ACTIONS, &token, share("p3")).await;
    assert_eq!(
        (p3.status, &p3.body["points"], &p3.body["balance_after"]),
        (StatusCode::CREATED, &json!(10), &json!(60)),
        "{}",
        p3.text
    );
    app.post(ACTIONS, &token, share("p4"))
        .await
        .assert_problem(422, "daily_cap_reached");
    assert_eq!(balance(&app, &owner, &member).await, 60);

    // A review of one's own order: 50, once.
    let review = json!({ "action": "review", "order_id": mine["order"]["id"] });
    let reviewed = app.post(ACTIONS, &token, review.clone()).await;
    assert_eq!(
        (
            reviewed.status,
            &reviewed.body["points"],
            &reviewed.body["balance_after"]
        ),
        (StatusCode::CREATED, &json!(50), &json!(110)),
        "{}",
        reviewed.text
    );
    let twice = app.post(ACTIONS, &token, review).await;
    assert_eq!(
        (twice.status, &twice.body["entry_id"]),
        (StatusCode::OK, &reviewed.body["entry_id"])
    );
    app.post(
        ACTIONS,
        &token,
        json!({ "action": "review", "order_id": not_mine["order"]["id"] }),
    )
    .await
    .assert_problem(404, "order_not_found");
    app.post(
        ACTIONS,
        &token,
        json!({ "action": "review", "order_id": uuid::Uuid::now_v7() }),
    )
    .await
    .assert_problem(404, "order_not_found");
    app.post(ACTIONS, &token, json!({ "action": "share" }))
        .await
        .assert_problem(422, "validation_failed");
    app.post(
        ACTIONS,
        &token,
        json!({ "action": "like", "reference": "p5" }),
    )
    .await
    .assert_problem(422, "validation_failed");
    app.post(ACTIONS, &token, share("two words"))
        .await
        .assert_problem(422, "validation_failed");
    app.post(ACTIONS, &owner, share("p6"))
        .await
        .assert_problem(401, "unauthenticated");

    let entries = app.ledger(&owner, &member).await;
    let reasons: Vec<(&str, i64)> = entries
        .iter()
        .map(|e| {
            (
                e["reason_code"].as_str().expect("reason"),
                e["delta"].as_i64().expect("delta"),
            )
        })
        .collect();
    assert_eq!(
        reasons,
        [
            ("action_review", 50),
            ("action_share", 10),
            ("action_share", 20),
            ("action_share", 20),
            ("order_earn", 10)
        ]
    );
    assert!(
        entries.iter().all(|e| e["policy_version"] == 2),
        "{entries:?}"
    );

    // 注册送积分: a member registered at the till starts with the bonus.
    policy["actions"]["registration"] = json!({ "points": 50 });
    assert_eq!(save(&app, EARNING, &owner, policy).await["version"], 3);
    let registered = app
        .post(
            "/api/v1/merchant/members",
            &owner,
            json!({ "phone": "13800000006", "name": "李四" }),
        )
        .await;
    assert_eq!(
        registered.status,
        StatusCode::CREATED,
        "{}",
        registered.text
    );
    assert_eq!(registered.body["points_balance"], 50, "{}", registered.text);
    let newcomer = id(&registered.body["id"]);
    assert_eq!(balance(&app, &owner, &newcomer).await, 50);
    let entries = app.ledger(&owner, &newcomer).await;
    assert_eq!(entries.len(), 1, "{entries:?}");
    assert_eq!(
        (
            &entries[0]["kind"],
            &entries[0]["delta"],
            &entries[0]["reason_code"],
            &entries[0]["policy_version"]
        ),
        (
            &json!("earn"),
            &json!(50),
            &json!("action_registration"),
            &json!(3)
        )
    );
    let newcomer_token = member_token(&app, "rules-actions", "13800000006").await;
    let lots = app.get("/api/v1/member/points", &newcomer_token).await;
    assert_eq!(
        (&lots.body["balance"], &lots.body["lots"][0]["points"]),
        (&json!(50), &json!(50)),
        "{}",
        lots.text
    );

    // A merchant that offers no actions refuses them.
    let (plain, _) = app.merchant("rules-no-actions").await;
    app.member(&plain, "13800000007").await;
    let plain_token = member_token(&app, "rules-no-actions", "13800000007").await;
    app.post(ACTIONS, &plain_token, share("p1"))
        .await
        .assert_problem(422, "action_not_offered");
}

async fn actions_at_once(db: &TestDatabase) {
    let app = spawn_app(db).await;
    let (owner, _) = app.merchant("rules-actions-at-once").await;
    let policy = json!({
        "points_per_unit": 1,
        "unit": "1.00",
        "actions": {
            "share": { "points": 20, "daily_cap": 50 },
            "review": { "points": 50 }
        }
    });
    save(&app, EARNING, &owner, policy).await;
    let member = app.member(&owner, "13800000015").await;
    let bought = order(
        &app,
        &owner,
        json!({ "member_id": member, "amount_paid": "10.00" }),
    )
    .await;
    let token = member_token(&app, "rules-actions-at-once", "13800000015").await;

    // Six things shared at once: the cap of 50 (20 + 20 + 10), whichever requests win.
    let answers = futures::future::join_all((1..=6).map(|i| {
        app.post(
            ACTIONS,
            &token,
            json!({ "action": "share", "reference": format!("c{i}") }),
        )
    }))
    .await;
    let mut awarded = 0;
    for answer in &answers {
        match answer.status.as_u16() {
            201 => awarded += answer.body["points"].as_i64().expect("points"),
            _ => answer.assert_problem(422, "daily_cap_reached"),
        }
    }
    assert_eq!(awarded, 50, "{answers:?}");
    assert_eq!(balance(&app, &owner, &member).await, 60, "10 + 50");

    // Four reviews of one order at once: one award, and every answer is that award.
    let review = json!({ "action": "review", "order_id": bought["order"]["id"] });
    let answers =
        futures::future::join_all((0..4).map(|_| app.post(ACTIONS, &token, review.clone()))).await;
    let created = answers
        .iter()
        .filter(|a| a.status == StatusCode::CREATED)
        .count();
    assert_eq!(created, 1, "{answers:?}");
    assert!(
        answers.iter().all(|a| a.status.is_success()
            && a.body["entry_id"] == answers[0].body["entry_id"]
            && a.body["points"] == 50),
        "{answers:?}"
    );
    assert_eq!(
        balance(&app, &owner, &member).await,
        110,
        "10 + 50 + 50, once"
    );
}

async fn expiry(db: &TestDatabase) {
    let app = spawn_app(db).await;
    let (owner, created) = app.merchant("rules-expiry").await;
    let store = id(&created["default_store"]["id"]);
    let cashier = cashier(&app, &owner, "rules-expiry", &store).await;

    let first = app.get(EXPIRY, &owner).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.text);
    assert_eq!(
        (&first.body["version"], &first.body["policy"]),
        (
            &json!(1),
            &json!({ "rule": { "mode": "rolling", "days": 365 }, "notify_days_before": 7 })
        ),
        "{}",
        first.text
    );

    // Earned under the rolling 365 days: the same instant 365 days on (no DST in Shanghai).
    let member = app.member(&owner, "13800000008").await;
    let before_rolling = now_unix();
    order(
        &app,
        &owner,
        json!({ "member_id": member, "amount_paid": "20.00" }),
    )
    .await;
    let after_rolling = now_unix();

    let end_of_month =
        json!({ "rule": { "mode": "end_of_month", "after_months": 2 }, "notify_days_before": 10 });
    put(&app, EXPIRY, &cashier, end_of_month.clone())
        .await
        .assert_problem(403, "forbidden");
    let refused = put(
        &app,
        EXPIRY,
        &owner,
        json!({ "rule": { "mode": "rolling", "days": 0 } }),
    )
    .await;
    refused.assert_problem(422, "validation_failed");
    assert_eq!(
        refused.body["errors"][0]["field"], "rule.days",
        "{}",
        refused.text
    );
    put(
        &app,
        EXPIRY,
        &owner,
        json!({ "rule": { "mode": "weekly", "days": 7 } }),
    )
    .await
    .assert_problem(422, "validation_failed");
    put(
        &app,
        EXPIRY,
        &owner,
        json!({ "rule": { "mode": "never" }, "notify": 3 }),
    )
    .await
    .assert_problem(422, "validation_failed");
    let saved = save(&app, EXPIRY, &owner, end_of_month.clone()).await;
    assert_eq!(
        (&saved["version"], &saved["policy"]),
        (&json!(2), &end_of_month),
        "{saved}"
    );
    assert_eq!(
        app.get(EXPIRY, &cashier).await.body["version"],
        2,
        "staff read it"
    );

    // Earned now under end_of_month + 2: 00:00 Shanghai on the 1st of the month three months
    // after this local month, = 16:00Z on the last day of the month two months after it.
    let before = now_unix();
    order(
        &app,
        &owner,
        json!({ "member_id": member, "amount_paid": "30.00" }),
    )
    .await;
    let after = now_unix();
    let expected = [
        end_of_month_expiry(before, 2),
        end_of_month_expiry(after, 2),
    ];

    let token = member_token(&app, "rules-expiry", "13800000008").await;
    let points = app.get("/api/v1/member/points", &token).await;
    assert_eq!(points.status, StatusCode::OK, "{}", points.text);
    let lots = points.body["lots"].as_array().expect("lots");
    assert_eq!(lots.len(), 2, "{}", points.text);
    // Soonest first: the end-of-month lot (within three months), then the rolling one.
    assert_eq!(lots[0]["points"], 30, "{}", points.text);
    let expires = lots[0]["expires_at"].as_str().expect("expires_at");
    assert!(
        expected.iter().any(|e| e == expires),
        "{expires} is not {expected:?}"
    );
    assert_eq!(lots[1]["points"], 20);
    let rolling = parse_utc(lots[1]["expires_at"].as_str().expect("expires_at"));
    let year = 365 * 86_400;
    assert!(
        (before_rolling + year..=after_rolling + year + 1).contains(&rolling),
        "{rolling} within [{}, {}]",
        before_rolling + year,
        after_rolling + year + 1
    );
}

async fn liability(db: &TestDatabase) {
    let app = spawn_app(db).await;
    let (owner, created) = app.merchant("rules-liability").await;
    let store = id(&created["default_store"]["id"]);
    let cashier = cashier(&app, &owner, "rules-liability", &store).await;
    let first = app.member(&owner, "13800000009").await;
    let second = app.member(&owner, "13800000010").await;
    app.member(&owner, "13800000011").await;
    // 12345.67 → 12345 points; 678.90 → 678 points, of which 78 are then spent.
    order(
        &app,
        &owner,
        json!({ "member_id": first, "amount_paid": "12345.67" }),
    )
    .await;
    order(
        &app,
        &owner,
        json!({ "member_id": second, "amount_paid": "678.90" }),
    )
    .await;
    let spent = app
        .post(
            &format!("/api/v1/merchant/members/{second}/points/adjustments"),
            &owner,
            json!({ "delta": -78, "reason": "兑换" }),
        )
        .await;
    assert_eq!(spent.status, StatusCode::CREATED, "{}", spent.text);
    // 12345 + 678 − 78 = 12945 points.
    let held = balance(&app, &owner, &first).await + balance(&app, &owner, &second).await;
    assert_eq!(held, 12945);

    let owed = app.get(LIABILITY, &owner).await;
    assert_eq!(owed.status, StatusCode::OK, "{}", owed.text);
    // 12945 points at 100 points = 1.00: 129.45.
    assert_eq!(
        (
            &owed.body["outstanding_points"],
            &owed.body["value"],
            &owed.body["members_with_points"]
        ),
        (&json!(12945), &json!("129.45"), &json!(2)),
        "{}",
        owed.text
    );
    assert_eq!(
        (
            &owed.body["point_value_points"],
            &owed.body["point_value_money"]
        ),
        (&json!(100), &json!("1.00"))
    );
    // Rolling 365 days: nothing expires within the default 30 days, all of it within 366.
    assert_eq!(
        (&owed.body["expiring_points"], &owed.body["expiring_days"]),
        (&json!(0), &json!(30))
    );
    let year = app
        .get(&format!("{LIABILITY}?expiring_days=366"), &owner)
        .await;
    assert_eq!(
        (&year.body["expiring_points"], &year.body["expiring_days"]),
        (&json!(12945), &json!(366)),
        "{}",
        year.text
    );
    app.get(&format!("{LIABILITY}?expiring_days=0"), &owner)
        .await
        .assert_problem(422, "validation_failed");
    app.get(LIABILITY, &cashier)
        .await
        .assert_problem(403, "forbidden");

    // At 30 points = 1.00 the same points are worth 12945 × 100 / 30 fen = 43150 fen.
    let mut dearer = default_earning();
    dearer["point_value"] = json!({ "points": 30, "money": "1.00" });
    save(&app, EARNING, &owner, dearer).await;
    let owed = app.get(LIABILITY, &owner).await;
    assert_eq!(
        (&owed.body["outstanding_points"], &owed.body["value"]),
        (&json!(12945), &json!("431.50")),
        "{}",
        owed.text
    );
    // 7 points at 30 = 1.00 are 23.33… fen: rounded down to 0.23.
    let (other, _) = app.merchant("rules-liability-2").await;
    save(
        &app,
        EARNING,
        &other,
        json!({ "points_per_unit": 1, "unit": "1.00", "point_value": { "points": 30, "money": "1.00" } }),
    )
    .await;
    let few = app.member(&other, "13800000012").await;
    order(
        &app,
        &other,
        json!({ "member_id": few, "amount_paid": "7.00" }),
    )
    .await;
    let owed = app.get(LIABILITY, &other).await;
    assert_eq!(
        (&owed.body["outstanding_points"], &owed.body["value"]),
        (&json!(7), &json!("0.23")),
        "one merchant's liability is its own: {}",
        owed.text
    );
}

async fn simulation(db: &TestDatabase) {
    let app = spawn_app(db).await;
    let (owner, created) = app.merchant("rules-simulate").await;
    let main_store = id(&created["default_store"]["id"]);
    let branch = app
        .post("/api/v1/merchant/stores", &owner, json!({ "name": "分店" }))
        .await;
    assert_eq!(branch.status, StatusCode::CREATED, "{}", branch.text);
    let branch = id(&branch.body["id"]);
    let cashier = cashier(&app, &owner, "rules-simulate", &main_store).await;
    let alice = app.member(&owner, "13800000013").await;
    let bob = app.member(&owner, "13800000014").await;

    // Issued under 1 point per 1.00: 100 (main store), 80 and 45 (branch) = 225.
    let issued = [
        order(
            &app,
            &owner,
            json!({ "member_id": alice, "amount_paid": "100.00" }),
        )
        .await,
        order(
            &app,
            &owner,
            json!({
                "member_id": alice, "store_id": branch, "amount_paid": "80.00",
                "lines": [
                    { "category": "coffee", "quantity": 2, "unit_price": "25.00" },
                    { "category": "food", "quantity": 1, "unit_price": "30.00" }
                ]
            }),
        )
        .await,
        order(
            &app,
            &owner,
            json!({ "member_id": bob, "store_id": branch, "amount_paid": "45.50" }),
        )
        .await,
    ];
    let points: Vec<&Value> = issued.iter().map(|o| &o["points_earned"]).collect();
    assert_eq!(points, [&json!(100), &json!(80), &json!(45)]);
    // Another merchant's orders are not this merchant's.
    let (elsewhere, _) = app.merchant("rules-simulate-2").await;
    let stranger = app.member(&elsewhere, "13800000013").await;
    order(
        &app,
        &elsewhere,
        json!({ "member_id": stranger, "amount_paid": "999.00" }),
    )
    .await;

    // Proposed: 2 points per 1.00, coffee ×1.5.
    // Main store: 100.00 × 2 = 200.
    // Branch: coffee 50.00 × 2 × 1.5 = 150 + food 30.00 × 2 = 60 → 210; 45.50 × 2 = 91.
    // Branch 210 + 91 = 301; all 200 + 301 = 501, against 225 issued: +276.
    let proposed = json!({
        "points_per_unit": 2,
        "unit": "1.00",
        "category_multipliers": [{ "code": "coffee", "multiplier": "1.5" }]
    });
    let sim = app
        .post(SIMULATE, &owner, json!({ "policy": proposed, "days": 30 }))
        .await;
    assert_eq!(sim.status, StatusCode::OK, "{}", sim.text);
    assert_eq!(
        (
            &sim.body["days"],
            &sim.body["orders"],
            &sim.body["issued"],
            &sim.body["proposed"],
            &sim.body["difference"]
        ),
        (&json!(30), &json!(3), &json!(225), &json!(501), &json!(276)),
        "{}",
        sim.text
    );
    let stores = sim.body["stores"].as_array().expect("stores");
    assert_eq!(stores.len(), 2, "{}", sim.text);
    let store = |id: &str| {
        stores
            .iter()
            .find(|s| s["store_id"] == id)
            .unwrap_or_else(|| panic!("store {id} in {stores:?}"))
    };
    assert_eq!(
        store(&main_store),
        &json!({ "store_id": main_store, "orders": 1, "issued": 100, "proposed": 200, "difference": 100 })
    );
    assert_eq!(
        store(&branch),
        &json!({ "store_id": branch, "orders": 2, "issued": 125, "proposed": 301, "difference": 176 })
    );

    // A stingier policy: 1 point per 10.00, rounded down per order, 10 + 8 + 4 = 22.
    let sim = app
        .post(
            SIMULATE,
            &owner,
            json!({ "policy": { "points_per_unit": 1, "unit": "10.00" } }),
        )
        .await;
    assert_eq!(
        (
            &sim.body["days"],
            &sim.body["proposed"],
            &sim.body["difference"]
        ),
        (&json!(30), &json!(22), &json!(-203)),
        "the default is 30 days: {}",
        sim.text
    );

    // Nothing changes: the policy in force and the balances are as they were.
    assert_eq!(app.get(EARNING, &owner).await.body["version"], 1);
    assert_eq!(balance(&app, &owner, &alice).await, 180);

    app.post(
        SIMULATE,
        &cashier,
        json!({ "policy": proposed, "days": 30 }),
    )
    .await
    .assert_problem(403, "forbidden");
    app.post(SIMULATE, &owner, json!({ "policy": proposed, "days": 0 }))
        .await
        .assert_problem(422, "validation_failed");
    app.post(
        SIMULATE,
        &owner,
        json!({ "policy": { "points_per_unit": 1, "unit": "0.00" }, "days": 30 }),
    )
    .await
    .assert_problem(422, "validation_failed");
}

/// The hand-written calendar above agrees with dates worked out on paper.
#[test]
fn the_hand_calendar_agrees_with_known_dates() {
    assert_eq!(parse_utc("1970-01-02T00:00:01.5Z"), 86_401);
    assert_eq!(civil_from_days(days_from_civil(2000, 2, 29)), (2000, 2, 29));
    let cases = [
        // (earned, after months, expires): a leap February; 00:30 on 1 April in Shanghai is
        // still 31 March in UTC, and the local month counts; across a year end.
        ("2028-01-31T10:00:00Z", 1, "2028-02-29T16:00:00Z"),
        ("2026-03-31T16:30:00Z", 0, "2026-04-30T16:00:00Z"),
        ("2026-11-15T00:00:00Z", 2, "2027-01-31T16:00:00Z"),
    ];
    for (earned, months, expires) in cases {
        assert_eq!(end_of_month_expiry(parse_utc(earned), months), expires);
    }
}

/// `ETag` / `If-Match` on the rule settings: two HQ editors cannot overwrite each other.
async fn if_match(db: &TestDatabase) {
    let app = spawn_app(db).await;
    let (token, _) = app.merchant("editors").await;
    let path = "/api/v1/merchant/settings/earning";
    let read = app.get(path, &token).await;
    assert_eq!(
        read.headers.get("etag").and_then(|v| v.to_str().ok()),
        Some("\"1\"")
    );
    let policy = json!({ "points_per_unit": 2, "unit": "1.00" });
    let put = |etag: &'static str| {
        app.send(
            app.request(Method::PUT, path, Some(&token))
                .header("If-Match", etag)
                .json(&policy),
        )
    };
    let saved = put("\"1\"").await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.text);
    assert_eq!(saved.body["version"], 2);
    assert_eq!(
        saved.headers.get("etag").and_then(|v| v.to_str().ok()),
        Some("\"2\"")
    );
    put("\"1\"").await.assert_problem(409, "version_conflict");
    put("latest").await.assert_problem(422, "validation_failed");
    assert_eq!(app.get(path, &token).await.body["version"], 2);
}
