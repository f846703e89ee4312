//! Roles: who may manage whom, store scope for managers and cashiers, masked phones for
//! cashiers, and revocation of tokens on a change, on disabling and on logout.

use super::{create_staff, merchant_with_roles, token};
use loyalty_seaorm::on_both_databases;
use loyalty_seaorm::testing::TestDatabase;
use loyalty_tests::{STAFF_PASSWORD, spawn_app, string};
use reqwest::{Method, StatusCode};
use serde_json::json;

on_both_databases! {
    roles_store_scope_masking_and_revocation => super::roles;
}

async fn roles(db: &TestDatabase) {
    let app = spawn_app(db).await;
    let (tokens, main_store, branch) = merchant_with_roles(&app, "roles").await;
    let (owner, admin, cashier) = (
        token(&tokens, "owner"),
        token(&tokens, "admin"),
        token(&tokens, "cashier"),
    );

    // Who may manage whom.
    create_staff(&app, admin, "admin2", "admin", &[])
        .await
        .assert_problem(403, "forbidden");
    create_staff(&app, cashier, "c2", "cashier", &[&branch])
        .await
        .assert_problem(403, "forbidden");
    create_staff(&app, owner, "c3", "cashier", &[])
        .await
        .assert_problem(422, "validation_failed");
    create_staff(&app, owner, "cashier", "cashier", &[&branch])
        .await
        .assert_problem(409, "username_taken");
    app.get("/api/v1/merchant/staff", cashier)
        .await
        .assert_problem(403, "forbidden");
    let list = app.get("/api/v1/merchant/staff", admin).await;
    assert_eq!(list.body["items"].as_array().map(Vec::len), Some(4));
    // What HQ is told and at which phones is HQ's: a cashier does not read it.
    app.get("/api/v1/merchant/settings/notifications", cashier)
        .await
        .assert_problem(403, "forbidden");
    let told = app
        .get("/api/v1/merchant/settings/notifications", admin)
        .await;
    assert_eq!(told.status, StatusCode::OK, "{}", told.text);

    // Store scope: a cashier works in the branch only; members are shared by all stores.
    let member = app.member(owner, "13800001111").await;
    let in_branch = app
        .post(
            "/api/v1/merchant/orders",
            cashier,
            json!({ "member_id": member, "amount_paid": "10.00" }),
        )
        .await;
    assert_eq!(
        (
            in_branch.status,
            in_branch.body["order"]["store_id"].as_str()
        ),
        (StatusCode::CREATED, Some(branch.as_str())),
        "{}",
        in_branch.text
    );
    app.post(
        "/api/v1/merchant/orders",
        cashier,
        json!({ "member_id": member, "store_id": main_store, "amount_paid": "10.00" }),
    )
    .await
    .assert_problem(403, "forbidden");
    let hq_order = string(&app.purchase(owner, &member, "20.00").await["order"]["id"]);
    app.get(&format!("/api/v1/merchant/orders/{hq_order}"), cashier)
        .await
        .assert_problem(404, "order_not_found");
    app.post(
        &format!("/api/v1/merchant/orders/{hq_order}/refunds"),
        cashier,
        json!({}),
    )
    .await
    .assert_problem(404, "order_not_found");
    app.post(
        &format!("/api/v1/merchant/members/{member}/points/adjustments"),
        cashier,
        json!({ "delta": 5, "reason": "x" }),
    )
    .await
    .assert_problem(403, "forbidden");

    // Cashiers see phones masked; managers in full.
    assert_eq!(
        app.get(&format!("/api/v1/merchant/members/{member}"), cashier)
            .await
            .body["phone"],
        "138****1111"
    );
    assert_eq!(
        app.get(
            &format!("/api/v1/merchant/members/{member}"),
            token(&tokens, "manager")
        )
        .await
        .body["phone"],
        "13800001111"
    );

    // A change revokes the account's tokens at once; so do disabling and logout.
    let staff = app.get("/api/v1/merchant/staff", owner).await;
    let id_of = |name: &str| {
        staff.body["items"]
            .as_array()
            .and_then(|a| a.iter().find(|s| s["username"] == name))
            .and_then(|s| s["id"].as_str())
            .expect("staff")
            .to_owned()
    };
    let moved = app
        .patch(
            &format!("/api/v1/merchant/staff/{}", id_of("cashier")),
            admin,
            json!({ "store_ids": [main_store] }),
        )
        .await;
    assert_eq!(moved.status, StatusCode::OK, "{}", moved.text);
    app.get("/api/v1/merchant/stores", cashier)
        .await
        .assert_problem(401, "unauthenticated");
    let cashier = app.sign_in_staff("roles", "cashier", STAFF_PASSWORD).await;
    assert_eq!(
        app.post(
            "/api/v1/merchant/orders",
            &cashier,
            json!({ "member_id": member, "amount_paid": "1.00" })
        )
        .await
        .body["order"]["store_id"],
        main_store.as_str()
    );
    app.patch(
        &format!("/api/v1/merchant/staff/{}", id_of("cashier")),
        admin,
        json!({ "disabled": true }),
    )
    .await;
    app.get("/api/v1/merchant/stores", &cashier)
        .await
        .assert_problem(401, "account_disabled");
    app.patch(
        &format!("/api/v1/merchant/staff/{}", id_of("owner")),
        admin,
        json!({ "role": "cashier" }),
    )
    .await
    .assert_problem(403, "forbidden");
    app.patch(
        &format!("/api/v1/merchant/staff/{}", id_of("owner")),
        owner,
        json!({ "disabled": true }),
    )
    .await
    .assert_problem(422, "validation_failed");
    let manager = token(&tokens, "manager");
    let out = app
        .send(app.request(Method::POST, "/api/v1/merchant/auth/logout", Some(manager)))
        .await;
    assert_eq!(out.status, StatusCode::NO_CONTENT);
    app.get("/api/v1/merchant/stores", manager)
        .await
        .assert_problem(401, "unauthenticated");
}
