//! The points liability: the outstanding points of a merchant's members at its point value, and
//! what of it expires within a number of days; for HQ only.

use super::{EARNING, LIABILITY, cashier, default_earning};
use loyalty_seaorm::on_both_databases;
use loyalty_seaorm::testing::TestDatabase;
use loyalty_tests::spawn_app;
use reqwest::StatusCode;
use serde_json::json;

on_both_databases! {
    the_liability_is_the_outstanding_points_at_the_point_value => super::liability;
}

async fn liability(db: &TestDatabase) {
    let app = spawn_app(db).await;
    let shop = app.merchant("rules-liability").await;
    let owner = &shop.owner;
    let cashier = cashier(&app, &shop, &shop.default_store()).await;
    let first = app.member(owner, "13800000009").await;
    let second = app.member(owner, "13800000010").await;
    app.member(owner, "13800000011").await;
    // 12345.67 → 12345 points; 678.90 → 678 points, of which 78 are then spent.
    app.purchase(owner, &first, "12345.67").await;
    app.purchase(owner, &second, "678.90").await;
    app.created(
        &format!("/api/v1/merchant/members/{second}/points/adjustments"),
        owner,
        json!({ "delta": -78, "reason": "兑换" }),
    )
    .await;
    // 12345 + 678 − 78 = 12945 points.
    let held = app.balance(owner, &first).await + app.balance(owner, &second).await;
    assert_eq!(held, 12945);

    let owed = app.get(LIABILITY, owner).await;
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
        .get(&format!("{LIABILITY}?expiring_days=366"), owner)
        .await;
    assert_eq!(
        (&year.body["expiring_points"], &year.body["expiring_days"]),
        (&json!(12945), &json!(366)),
        "{}",
        year.text
    );
    app.get(&format!("{LIABILITY}?expiring_days=0"), owner)
        .await
        .assert_problem(422, "validation_failed");
    app.get(LIABILITY, &cashier)
        .await
        .assert_problem(403, "forbidden");

    // At 30 points = 1.00 the same points are worth 12945 × 100 / 30 fen = 43150 fen.
    let mut dearer = default_earning();
    dearer["point_value"] = json!({ "points": 30, "money": "1.00" });
    app.save_settings(EARNING, owner, dearer).await;
    let owed = app.get(LIABILITY, owner).await;
    assert_eq!(
        (&owed.body["outstanding_points"], &owed.body["value"]),
        (&json!(12945), &json!("431.50")),
        "{}",
        owed.text
    );
    // 7 points at 30 = 1.00 are 23.33… fen: rounded down to 0.23.
    let other = app.merchant("rules-liability-2").await.owner;
    app.save_settings(EARNING,
        &other,
        json!({ "points_per_unit": 1, "unit": "1.00", "point_value": { "points": 30, "money": "1.00" } }),
    )
    .await;
    let few = app.member(&other, "13800000012").await;
    app.purchase(&other, &few, "7.00").await;
    let owed = app.get(LIABILITY, &other).await;
    assert_eq!(
        (&owed.body["outstanding_points"], &owed.body["value"]),
        (&json!(7), &json!("0.23")),
        "one merchant's liability is its own: {}",
        owed.text
    );
}
