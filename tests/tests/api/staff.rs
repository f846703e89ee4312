//! Staff roles over HTTP: who may manage whom, store scope for managers and cashiers, masked
//! phones for cashiers, revocation on change and logout, and a tenant-isolation matrix: two
//! merchants × every role × every endpoint that takes an id.

use loyalty_seaorm::on_both_databases;
use loyalty_seaorm::testing::TestDatabase;
use loyalty_tests::{Answer, TestApp, spawn_app};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

on_both_databases! {
    roles_store_scope_masking_and_revocation => super::roles;
    no_role_of_one_merchant_reaches_another_merchants_ids => super::isolation_matrix;
}

async fn login(app: &TestApp, merchant: &str, username: &str, password: &str) -> String {
    let answer = app
        .send(app.request(Method::POST, "/api/v1/merchant/auth/login", None).json(&json!({ "merchant_code": merchant, "username": username, "password": password })))
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    answer.body["token"].as_str().expect("token").to_owned()
}

async fn create_staff(
    app: &TestApp,
    token: &str,
    username: &str,
    role: &str,
    stores: &[&str],
) -> Answer {
    app.post("/api/v1/merchant/staff", token, json!({ "username": username, "display_name": username, "role": role, "store_ids": stores, "password": "staff password 1" })).await
}

async fn patch(app: &TestApp, path: &str, token: &str, body: Value) -> Answer {
    app.send(app.request(Method::PATCH, path, Some(token)).json(&body))
        .await
}

/// A merchant with a second store and one account of every role; returns the tokens by role
/// and the two store ids.
async fn merchant_with_roles(
    app: &TestApp,
    code: &str,
) -> (Vec<(&'static str, String)>, String, String) {
    let (owner, created) = app.merchant(code).await;
    let main_store = created["default_store"]["id"]
        .as_str()
        .expect("store")
        .to_owned();
    let branch = app
        .post("/api/v1/merchant/stores", &owner, json!({ "name": "分店" }))
        .await
        .body["id"]
        .as_str()
        .expect("store")
        .to_owned();
    assert_eq!(
        create_staff(app, &owner, "admin", "admin", &[])
            .await
            .status,
        StatusCode::CREATED
    );
    assert_eq!(
        create_staff(app, &owner, "manager", "store_manager", &[&branch])
            .await
            .status,
        StatusCode::CREATED
    );
    assert_eq!(
        create_staff(app, &owner, "cashier", "cashier", &[&branch])
            .await
            .status,
        StatusCode::CREATED
    );
    let mut tokens = vec![("owner", owner)];
    for role in ["admin", "manager", "cashier"] {
        tokens.push((role, login(app, code, role, "staff password 1").await));
    }
    (tokens, main_store, branch)
}

fn token<'a>(tokens: &'a [(&'static str, String)], role: &str) -> &'a str {
    &tokens.iter().find(|(r, _)| *r == role).expect("role").1
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
    let hq_order = app
        .post(
            "/api/v1/merchant/orders",
            owner,
            json!({ "member_id": member, "amount_paid": "20.00" }),
        )
        .await;
    let hq_order = hq_order.body["order"]["id"]
        .as_str()
        .expect("order")
        .to_owned();
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
    let moved = patch(
        &app,
        &format!("/api/v1/merchant/staff/{}", id_of("cashier")),
        admin,
        json!({ "store_ids": [main_store] }),
    )
    .await;
    assert_eq!(moved.status, StatusCode::OK, "{}", moved.text);
    app.get("/api/v1/merchant/stores", cashier)
        .await
        .assert_problem(401, "unauthenticated");
    let cashier = login(&app, "roles", "cashier", "staff password 1").await;
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
    patch(
        &app,
        &format!("/api/v1/merchant/staff/{}", id_of("cashier")),
        admin,
        json!({ "disabled": true }),
    )
    .await;
    app.get("/api/v1/merchant/stores", &cashier)
        .await
        .assert_problem(401, "account_disabled");
    patch(
        &app,
        &format!("/api/v1/merchant/staff/{}", id_of("owner")),
        admin,
        json!({ "role": "cashier" }),
    )
    .await
    .assert_problem(403, "forbidden");
    patch(
        &app,
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
        .post(
            "/api/v1/merchant/orders",
            owner_a,
            json!({ "member_id": members[0], "store_id": branch_a, "amount_paid": "10.00" }),
        )
        .await;
    let order = order.body["order"]["id"]
        .as_str()
        .expect("order")
        .to_owned();
    let staff_a = app.get("/api/v1/merchant/staff", owner_a).await.body["items"][1]["id"]
        .as_str()
        .expect("staff")
        .to_owned();

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
        let store = patch(
            &app,
            &format!("/api/v1/merchant/stores/{branch_a}"),
            token,
            json!({ "name": "x" }),
        )
        .await;
        let staff = patch(
            &app,
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
