//! One merchant never reaches another's members, orders or stores: every such request is
//! answered as if the thing did not exist, and nothing moves.

use loyalty_seaorm::on_both_databases;
use loyalty_seaorm::testing::TestDatabase;
use loyalty_tests::{spawn_app, string};
use serde_json::json;

on_both_databases! {
    a_merchant_never_reaches_another_merchants_members_or_orders => super::isolation;
}

async fn isolation(db: &TestDatabase) {
    let app = spawn_app(db).await;
    let a = app.merchant("iso-a").await.owner;
    let shop_b = app.merchant("iso-b").await;
    let b = &shop_b.owner;
    let member_a = app.member(&a, "13300133000").await;
    let order_a = string(&app.purchase(&a, &member_a, "10.00").await["order"]["id"]);
    let b_store = shop_b.default_store();

    app.get(&format!("/api/v1/merchant/members/{member_a}"), b)
        .await
        .assert_problem(404, "member_not_found");
    app.get(
        &format!("/api/v1/merchant/members/{member_a}/points/ledger"),
        b,
    )
    .await
    .assert_problem(404, "member_not_found");
    app.post(
        &format!("/api/v1/merchant/members/{member_a}/points/adjustments"),
        b,
        json!({ "delta": 5, "reason": "x" }),
    )
    .await
    .assert_problem(404, "member_not_found");
    app.post(
        "/api/v1/merchant/orders",
        b,
        json!({ "member_id": member_a, "amount_paid": "10.00" }),
    )
    .await
    .assert_problem(404, "member_not_found");
    app.post(
        "/api/v1/merchant/orders",
        &a,
        json!({ "member_id": member_a, "store_id": b_store, "amount_paid": "10.00" }),
    )
    .await
    .assert_problem(404, "store_not_found");
    app.get(&format!("/api/v1/merchant/orders/{order_a}"), b)
        .await
        .assert_problem(404, "order_not_found");
    app.post(
        &format!("/api/v1/merchant/orders/{order_a}/refunds"),
        b,
        json!({}),
    )
    .await
    .assert_problem(404, "order_not_found");
    let patch = app
        .patch(
            &format!("/api/v1/merchant/stores/{b_store}"),
            &a,
            json!({ "name": "mine" }),
        )
        .await;
    patch.assert_problem(404, "store_not_found");
    let found = app
        .get("/api/v1/merchant/members?phone=13300133000", b)
        .await;
    assert_eq!(found.body["items"], json!([]));
    assert_eq!(
        app.get(&format!("/api/v1/merchant/members/{member_a}"), &a)
            .await
            .body["points_balance"],
        10
    );
}
