//! Passwords an operator can manage: staff change their own (the current one checked, every
//! token revoked), HQ sets a new one for an account it manages, and the platform for an owner
//! who lost theirs.

use loyalty_seaorm::on_both_databases;
use loyalty_seaorm::testing::TestDatabase;
use loyalty_tests::fixtures::OWNER_PASSWORD;
use loyalty_tests::{PLATFORM_KEY, STAFF_PASSWORD, TestApp, spawn_app, staff_account, string};
use reqwest::StatusCode;
use serde_json::json;

on_both_databases! {
    staff_change_their_password_and_hq_and_the_platform_reset_one => super::passwords;
}

async fn still_signed_in(app: &TestApp, token: &str) -> bool {
    app.get("/api/v1/merchant/stores", token).await.status == StatusCode::OK
}

async fn login(app: &TestApp, merchant: &str, username: &str, password: &str) -> StatusCode {
    app.send(app.staff_login(merchant, username, password))
        .await
        .status
}

async fn passwords(db: &TestDatabase) {
    let app = spawn_app(db).await;
    let shop = app.merchant("passwords").await;
    let store = shop.default_store();
    let cashier = app.cashier(&shop, &store).await;
    let admin = app
        .staff(&shop, staff_account("admin", "管理员", "admin", &[]))
        .await;

    // Changing one's own password: the current one is checked, the new one must fit.
    let change = "/api/v1/merchant/auth/password";
    let wrong = app
        .post(
            change,
            &shop.owner,
            json!({ "current_password": "not it", "new_password": "new owner password" }),
        )
        .await;
    wrong.assert_problem(422, "validation_failed");
    assert_eq!(wrong.body["errors"][0]["field"], "current_password");
    app.post(
        change,
        &shop.owner,
        json!({ "current_password": OWNER_PASSWORD, "new_password": "short" }),
    )
    .await
    .assert_problem(422, "validation_failed");
    assert!(still_signed_in(&app, &shop.owner).await, "nothing changed");
    assert_eq!(
        login(&app, &shop.code, "owner", OWNER_PASSWORD).await,
        StatusCode::OK
    );
    let changed = app
        .post(
            change,
            &shop.owner,
            json!({ "current_password": OWNER_PASSWORD, "new_password": "new owner password" }),
        )
        .await;
    assert_eq!(changed.status, StatusCode::NO_CONTENT, "{}", changed.text);
    assert!(
        !still_signed_in(&app, &shop.owner).await,
        "signed out everywhere"
    );
    assert_eq!(
        login(&app, &shop.code, "owner", OWNER_PASSWORD).await,
        StatusCode::UNAUTHORIZED
    );
    let owner = app
        .sign_in_staff(&shop.code, "owner", "new owner password")
        .await;

    // HQ sets a new password for an account it manages; the account is signed out.
    let staff = app.get("/api/v1/merchant/staff", &owner).await;
    let id_of = |username: &str| {
        string(
            &staff.body["items"]
                .as_array()
                .expect("items")
                .iter()
                .find(|s| s["username"] == username)
                .expect("the account")["id"],
        )
    };
    let (cashier_id, owner_id) = (id_of("cashier"), id_of("owner"));
    let reset_cashier = format!("/api/v1/merchant/staff/{cashier_id}/password");
    app.post(
        &reset_cashier,
        &cashier,
        json!({ "password": "whatever-123" }),
    )
    .await
    .assert_problem(403, "forbidden");
    app.post(
        &format!("/api/v1/merchant/staff/{owner_id}/password"),
        &admin,
        json!({}),
    )
    .await
    .assert_problem(403, "forbidden");
    let stranger = app.merchant("passwords-other").await;
    app.post(&reset_cashier, &stranger.owner, json!({}))
        .await
        .assert_problem(404, "staff_not_found");
    assert!(still_signed_in(&app, &cashier).await);
    let reset = app
        .post(
            &reset_cashier,
            &admin,
            json!({ "password": "cashier again 1" }),
        )
        .await;
    assert_eq!(reset.status, StatusCode::OK, "{}", reset.text);
    assert_eq!(reset.body["initial_password"], "cashier again 1");
    assert!(
        !still_signed_in(&app, &cashier).await,
        "the cashier is signed out"
    );
    assert_eq!(
        login(&app, &shop.code, "cashier", STAFF_PASSWORD).await,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        login(&app, &shop.code, "cashier", "cashier again 1").await,
        StatusCode::OK
    );

    // The platform resets the owner's password: a random one, returned once.
    let platform_reset = format!("/api/v1/platform/merchants/{}/owner/password", shop.id());
    app.post(&platform_reset, "not-the-platform-key-at-all", json!({}))
        .await
        .assert_problem(401, "unauthenticated");
    app.post(
        &format!(
            "/api/v1/platform/merchants/{}/owner/password",
            uuid::Uuid::new_v4()
        ),
        PLATFORM_KEY,
        json!({}),
    )
    .await
    .assert_problem(404, "merchant_not_found");
    let by_platform = app.post(&platform_reset, PLATFORM_KEY, json!({})).await;
    assert_eq!(by_platform.status, StatusCode::OK, "{}", by_platform.text);
    assert_eq!(by_platform.body["username"], "owner");
    let password = string(&by_platform.body["initial_password"]);
    assert!(password.len() >= 8);
    assert!(!still_signed_in(&app, &owner).await);
    assert_eq!(
        login(&app, &shop.code, "owner", "new owner password").await,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        login(&app, &shop.code, "owner", &password).await,
        StatusCode::OK
    );
}
