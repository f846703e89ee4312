//! A tenant-isolation matrix: two merchants × every role × every endpoint that takes an id; no
//! role of one merchant reaches the other's members, orders, stores or staff.

use super::{merchant_with_roles, token};
use loyalty_seaorm::on_both_databases;
use loyalty_seaorm::testing::TestDatabase;
use loyalty_tests::{spawn_app, string};
use serde_json::json;

on_both_databases! {
    no_role_of_one_merchant_reaches_another_merchants_ids => super::isolation_matrix;
}

async fn isolation_matrix(db: &TestDatabase) {
    let app = spawn_app(db).await;
    let (tokens_a, _, branch_a) = merchant_with_roles(&app, "iso-one").await;
    let (tokens_b, _, _) = merchant_with_roles(&app, "iso-two").await;
    let owner_a = token(&tokens_a, "owner");
    let members: Vec<String> = vec![
        app.member(owner_a, "13900000001").await,
        app.member(owner_a, "13900000002").await,
    ];
    let order = app
        .order(
            owner_a,
            json!({ "member_id": members[0], "store_id": branch_a, "amount_paid": "10.00" }),
        )
        .await;
    let order = string(&order["order"]["id"]);
    let staff_a = string(&app.get("/api/v1/merchant/staff", owner_a).await.body["items"][1]["id"]);

    for (role, token) in &tokens_b {
        for member in &members {
            app.get(&format!("/api/v1/merchant/members/{member}"), token)
                .await
                .assert_problem(404, "member_not_found");
            app.get(
                &format!("/api/v1/merchant/members/{member}/points/ledger"),
                token,
            )
            .await
            .assert_problem(404, "member_not_found");
            let adjust = app
                .post(
                    &format!("/api/v1/merchant/members/{member}/points/adjustments"),
                    token,
                    json!({ "delta": 1, "reason": "x" }),
                )
                .await;
            let expected = if *role == "owner" || *role == "admin" {
                (404, "member_not_found")
            } else {
                (403, "forbidden")
            };
            adjust.assert_problem(expected.0, expected.1);
            app.post(
                "/api/v1/merchant/orders",
                token,
                json!({ "member_id": member, "amount_paid": "1.00" }),
            )
            .await
            .assert_problem(404, "member_not_found");
        }
        app.get(&format!("/api/v1/merchant/orders/{order}"), token)
            .await
            .assert_problem(404, "order_not_found");
        app.post(
            &format!("/api/v1/merchant/orders/{order}/refunds"),
            token,
            json!({}),
        )
        .await
        .assert_problem(404, "order_not_found");
        let store = app
            .patch(
                &format!("/api/v1/merchant/stores/{branch_a}"),
                token,
                json!({ "name": "x" }),
            )
            .await;
        let staff = app
            .patch(
                &format!("/api/v1/merchant/staff/{staff_a}"),
                token,
                json!({ "disabled": true }),
            )
            .await;
        if *role == "owner" || *role == "admin" {
            store.assert_problem(404, "store_not_found");
            staff.assert_problem(404, "staff_not_found");
        } else {
            store.assert_problem(403, "forbidden");
            staff.assert_problem(403, "forbidden");
        }
    }
    // Nothing moved: merchant A's member still has the order's 10 points and no more.
    assert_eq!(
        app.get(&format!("/api/v1/merchant/members/{}", members[0]), owner_a)
            .await
            .body["points_balance"],
        10
    );
}
