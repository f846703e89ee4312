//! The expiry of lots: each lot expires by the expiry policy in force when it was earned (rolling
//! days or the end of a month in Shanghai); and the hand-written calendar the test checks dates
//! with.

use super::{EXPIRY, cashier};
use loyalty_seaorm::on_both_databases;
use loyalty_seaorm::testing::TestDatabase;
use loyalty_tests::calendar::{
    civil_from_days, days_from_civil, end_of_month_expiry, now_unix, parse_utc,
};
use loyalty_tests::spawn_app;
use reqwest::StatusCode;
use serde_json::json;

on_both_databases! {
    lots_expire_by_the_expiry_policy_in_force_when_they_were_earned => super::expiry;
}

async fn expiry(db: &TestDatabase) {
    let app = spawn_app(db).await;
    let shop = app.merchant("rules-expiry").await;
    let owner = &shop.owner;
    let cashier = cashier(&app, &shop, &shop.default_store()).await;

    let first = app.get(EXPIRY, owner).await;
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
    let member = app.member(owner, "13800000008").await;
    let before_rolling = now_unix();
    app.purchase(owner, &member, "20.00").await;
    let after_rolling = now_unix();

    let end_of_month =
        json!({ "rule": { "mode": "end_of_month", "after_months": 2 }, "notify_days_before": 10 });
    app.put(EXPIRY, &cashier, end_of_month.clone())
        .await
        .assert_problem(403, "forbidden");
    app.put(
        EXPIRY,
        owner,
        json!({ "rule": { "mode": "rolling", "days": 0 } }),
    )
    .await
    .assert_invalid_field("rule.days");
    app.put(
        EXPIRY,
        owner,
        json!({ "rule": { "mode": "weekly", "days": 7 } }),
    )
    .await
    .assert_problem(422, "validation_failed");
    app.put(
        EXPIRY,
        owner,
        json!({ "rule": { "mode": "never" }, "notify": 3 }),
    )
    .await
    .assert_problem(422, "validation_failed");
    let saved = app.save_settings(EXPIRY, owner, end_of_month.clone()).await;
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
    app.purchase(owner, &member, "30.00").await;
    let after = now_unix();
    let expected = [
        end_of_month_expiry(before, 2),
        end_of_month_expiry(after, 2),
    ];

    let token = app.member_token(&shop.code, "13800000008").await;
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

/// The hand-written calendar (`loyalty_tests::calendar`) agrees with dates worked out on
/// paper.
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
