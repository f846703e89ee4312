//! A staff account's tokens go when what they carry changes (role, stores) or the account is
//! disabled, and only then: an empty change or a new display name signs nobody out.

use loyalty_seaorm::on_both_databases;
use loyalty_seaorm::testing::TestDatabase;
use loyalty_tests::{STAFF_PASSWORD, spawn_app, string};
use reqwest::StatusCode;
use serde_json::json;

on_both_databases! {
    renaming_or_an_empty_change_keeps_the_sessions_and_a_new_role_ends_them => super::sessions;
}

async fn sessions(db: &TestDatabase) {
    let app = spawn_app(db).await;
    let shop = app.merchant("sessions").await;
    let branch = app.store(&shop.owner, "分店").await;
    let created = super::create_staff(&app, &shop.owner, "cashier", "cashier", &[&branch]).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    let id = string(&created.body["id"]);
    let path = format!("/api/v1/merchant/staff/{id}");
    let cashier = app
        .sign_in_staff("sessions", "cashier", STAFF_PASSWORD)
        .await;
    let works = |token: String| {
        let app = &app;
        async move { app.get("/api/v1/merchant/stores", &token).await.status }
    };
    assert_eq!(works(cashier.clone()).await, StatusCode::OK);

    let empty = app.patch(&path, &shop.owner, json!({})).await;
    assert_eq!(empty.status, StatusCode::OK, "{}", empty.text);
    assert_eq!(
        works(cashier.clone()).await,
        StatusCode::OK,
        "an empty change signs nobody out"
    );

    let renamed = app
        .patch(&path, &shop.owner, json!({ "display_name": "收银员小王" }))
        .await;
    assert_eq!(renamed.status, StatusCode::OK, "{}", renamed.text);
    assert_eq!(renamed.body["display_name"], "收银员小王");
    assert_eq!(
        works(cashier.clone()).await,
        StatusCode::OK,
        "a new name signs nobody out"
    );

    let same_stores = app
        .patch(&path, &shop.owner, json!({ "store_ids": [branch, branch] }))
        .await;
    assert_eq!(same_stores.status, StatusCode::OK, "{}", same_stores.text);
    assert_eq!(
        works(cashier.clone()).await,
        StatusCode::OK,
        "the same stores change nothing"
    );

    let promoted = app
        .patch(&path, &shop.owner, json!({ "role": "store_manager" }))
        .await;
    assert_eq!(promoted.status, StatusCode::OK, "{}", promoted.text);
    assert_eq!(
        works(cashier).await,
        StatusCode::UNAUTHORIZED,
        "a new role ends the old tokens"
    );
}
