//! The member code at the till: the member shows a short-lived code, the cashier resolves it
//! once; replays, forgeries and other merchants' codes are refused.

use loyalty_seaorm::on_both_databases;
use loyalty_seaorm::testing::TestDatabase;
use loyalty_tests::{Answer, TestApp, spawn_app};
use reqwest::StatusCode;
use serde_json::json;

on_both_databases! {
    a_member_code_resolves_once_at_the_merchants_till_only => super::resolve_once;
}

/// The till resolves the member code a cashier scanned.
async fn resolve(app: &TestApp, token: &str, scanned: &str) -> Answer {
    app.post(
        "/api/v1/merchant/member-codes/resolve",
        token,
        json!({ "code": scanned }),
    )
    .await
}

async fn resolve_once(db: &TestDatabase) {
    let app = spawn_app(db).await;
    let shop = app.merchant("code-shop").await;
    let staff = &shop.owner;
    let other_staff = app.merchant("other-shop").await.owner;
    let (member, member_token) = app.signed_in_member(&shop, "13700001234").await;

    let shown = app.get("/api/v1/member/code", &member_token).await;
    assert_eq!(shown.status, StatusCode::OK, "{}", shown.text);
    let code = shown.body["code"].as_str().expect("code").to_owned();
    assert_eq!(
        (code.len(), shown.body["refresh_seconds"].as_i64()),
        (16, Some(30))
    );

    resolve(&app, &other_staff, &code)
        .await
        .assert_problem(422, "invalid_member_code");
    let mut forged = code.clone().into_bytes();
    forged[15] = if forged[15] == b'2' { b'3' } else { b'2' };
    let forged = String::from_utf8(forged).expect("ascii");
    resolve(&app, staff, &forged)
        .await
        .assert_problem(422, "invalid_member_code");
    resolve(&app, staff, "not a code")
        .await
        .assert_problem(422, "invalid_member_code");

    let resolved = resolve(&app, staff, &code).await;
    assert_eq!(resolved.status, StatusCode::OK, "{}", resolved.text);
    assert_eq!(resolved.body["id"], member.as_str());
    resolve(&app, staff, &code)
        .await
        .assert_problem(409, "member_code_used");
}
