//! Staff over HTTP: roles (who may manage whom), store scope for managers and cashiers, masked
//! phones for cashiers, revocation on change and logout, and a tenant-isolation matrix. A
//! merchant with one account of every role is shared by its modules.

use loyalty_tests::{Answer, TestApp};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

mod isolation_matrix;
mod roles;

pub(super) async fn login(app: &TestApp, merchant: &str, username: &str, password: &str) -> String {
    let answer = app
        .send(app.request(Method::POST, "/api/v1/merchant/auth/login", None).json(&json!({ "merchant_code": merchant, "username": username, "password": password })))
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    answer.body["token"].as_str().expect("token").to_owned()
}

pub(super) async fn create_staff(
    app: &TestApp,
    token: &str,
    username: &str,
    role: &str,
    stores: &[&str],
) -> Answer {
    app.post("/api/v1/merchant/staff", token, json!({ "username": username, "display_name": username, "role": role, "store_ids": stores, "password": "staff password 1" })).await
}

pub(super) async fn patch(app: &TestApp, path: &str, token: &str, body: Value) -> Answer {
    app.send(app.request(Method::PATCH, path, Some(token)).json(&body))
        .await
}

/// A merchant with a second store and one account of every role; returns the tokens by role
/// and the two store ids.
pub(super) async fn merchant_with_roles(
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

pub(super) fn token<'a>(tokens: &'a [(&'static str, String)], role: &str) -> &'a str {
    &tokens.iter().find(|(r, _)| *r == role).expect("role").1
}
