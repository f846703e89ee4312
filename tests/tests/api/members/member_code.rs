//! The member code at the till: the member shows a short-lived code, the cashier resolves it
//! once; replays, forgeries and other merchants' codes are refused.

use loyalty_seaorm::on_both_databases;
use loyalty_seaorm::testing::TestDatabase;
use loyalty_tests::spawn_app;
use reqwest::StatusCode;
use serde_json::json;

on_both_databases! {
    a_member_code_resolves_once_at_the_merchants_till_only => super::resolve_once;
}

async fn resolve_once(db: &TestDatabase) {
    let app = spawn_app(db).await;
    let staff = app.merchant("code-shop").await.owner;
    let other_staff = app.merchant("other-shop").await.owner;
    let member = app.member(&staff, "13700001234").await;
    let member_token = app.member_token("code-shop", "13700001234").await;

    let shown = app.get("/api/v1/member/code", &member_token).await;
    assert_eq!(shown.status, StatusCode::OK, "{}", shown.text);
    let code = shown.body["code"].as_str().expect("code").to_owned();
    assert_eq!(
        (code.len(), shown.body["refresh_seconds"].as_i64()),
        (16, Some(30))
    );

    app.post(
        "/api/v1/merchant/member-codes/resolve",
        &other_staff,
        json!({ "code": code }),
    )
    .await
    .assert_problem(422, "invalid_member_code");
    let mut forged = code.clone().into_bytes();
    forged[15] = if forged[15] == b'2' { b'3' } else { b'2' };
    let forged = String::from_utf8(forged).expect("ascii");
    app.post(
        "/api/v1/merchant/member-codes/resolve",
        &staff,
        json!({ "code": forged }),
    )
    .await
    .assert_problem(422, "invalid_member_code");
    app.post(
        "/api/v1/merchant/member-codes/resolve",
        &staff,
        json!({ "code": "not a code" }),
    )
    .await
    .assert_problem(422, "invalid_member_code");

    let resolved = app
        .post(
            "/api/v1/merchant/member-codes/resolve",
            &staff,
            json!({ "code": code }),
        )
        .await;
    assert_eq!(resolved.status, StatusCode::OK, "{}", resolved.text);
    assert_eq!(resolved.body["id"], member.as_str());
    app.post(
        "/api/v1/merchant/member-codes/resolve",
        &staff,
        json!({ "code": code }),
    )
    .await
    .assert_problem(409, "member_code_used");
}
