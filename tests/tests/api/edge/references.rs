//! A reference in a body is resolved within the caller's merchant: another merchant's store
//! or coupon template answers 404 and nothing is written — a points adjustment, a card
//! top-up, a coupon template's scope, the earning rule's store multipliers and the checkout
//! settings' gifts.

use loyalty_seaorm::on_both_databases;
use loyalty_seaorm::testing::TestDatabase;
use loyalty_tests::spawn_app;
use serde_json::json;

on_both_databases! {
    every_body_reference_of_another_merchant_answers_404_and_writes_nothing => super::references;
}

async fn references(db: &TestDatabase) {
    let app = spawn_app(db).await;
    let ours = app.merchant("ours").await;
    let theirs = app.merchant("theirs").await;
    let their_store = theirs.default_store();
    let their_template = app
        .coupon_template(&theirs.owner, crate::coupons::full_off())
        .await;
    let member = app.member(&ours.owner, "13800000080").await;

    let adjust = app
        .post(
            &format!("/api/v1/merchant/members/{member}/points/adjustments"),
            &ours.owner,
            json!({ "delta": 50, "reason": "goodwill", "store_id": their_store }),
        )
        .await;
    adjust.assert_problem(404, "store_not_found");
    assert_eq!(
        app.balance(&ours.owner, &member).await,
        0,
        "no points moved"
    );

    let earning = app
        .get("/api/v1/merchant/settings/earning", &ours.owner)
        .await;
    let mut policy = earning.body["policy"].clone();
    policy["store_multipliers"] = json!([{ "store_id": their_store, "multiplier": "2" }]);
    app.put("/api/v1/merchant/settings/earning", &ours.owner, policy)
        .await
        .assert_problem(404, "store_not_found");
    let after = app
        .get("/api/v1/merchant/settings/earning", &ours.owner)
        .await;
    assert_eq!(
        after.body["version"], earning.body["version"],
        "no new version"
    );

    app.put(
        "/api/v1/merchant/settings/checkout",
        &ours.owner,
        json!({ "gifts": { "birthday": [their_template] } }),
    )
    .await
    .assert_problem(404, "coupon_template_not_found");

    let scoped = app
        .post("/api/v1/merchant/coupon-templates", &ours.owner, {
            let mut scoped = crate::coupons::full_off();
            scoped["scope"] = json!({ "store_ids": [their_store] });
            scoped
        })
        .await;
    scoped.assert_problem(404, "store_not_found");
}
