//! Text is printable: a control character other than a tab or a line break in any field of a
//! body is refused with 422 before anything is stored (a NUL once answered 500 on
//! PostgreSQL), and money is a decimal string with no blanks around it.

use loyalty_seaorm::on_both_databases;
use loyalty_seaorm::testing::TestDatabase;
use loyalty_tests::spawn_app;
use reqwest::{Method, StatusCode};
use serde_json::json;

on_both_databases! {
    control_characters_in_text_and_blanks_around_money_are_refused => super::text;
}

async fn text(db: &TestDatabase) {
    let app = spawn_app(db).await;
    let shop = app.merchant("printable").await;
    let (member, member_token) = app.signed_in_member(&shop, "13800000078").await;
    let store = shop.default_store();
    let refused = [
        (
            Method::POST,
            "/api/v1/merchant/stores".to_owned(),
            json!({ "name": "Nul\u{0}Store" }),
        ),
        (
            Method::PATCH,
            format!("/api/v1/merchant/stores/{store}"),
            json!({ "name": "Bell\u{7}" }),
        ),
        (
            Method::POST,
            "/api/v1/merchant/members".to_owned(),
            json!({ "phone": "13800000079", "name": "Esc\u{1b}[31m" }),
        ),
        (
            Method::POST,
            format!("/api/v1/merchant/members/{member}/points/adjustments"),
            json!({ "delta": 10, "reason": "goodwill\u{0}" }),
        ),
        (
            Method::POST,
            "/api/v1/merchant/wallet/withdrawals".to_owned(),
            json!({ "amount": "1.00", "note": "\u{8}" }),
        ),
    ];
    for (method, path, body) in refused {
        let answer = app
            .send_json(method.clone(), &path, Some(&shop.owner), &body)
            .await;
        answer.assert_problem(422, "validation_failed");
        assert!(
            answer.body["detail"]
                .as_str()
                .is_some_and(|d| d.contains("control characters")),
            "{method} {path}: {}",
            answer.text
        );
    }
    let profile = app
        .send_json(
            Method::PATCH,
            "/api/v1/member/me",
            Some(&member_token),
            &json!({ "name": "小\u{0}明" }),
        )
        .await;
    profile.assert_problem(422, "validation_failed");

    let stores = app.get("/api/v1/merchant/stores", &shop.owner).await;
    assert!(
        !stores.text.contains("Nul"),
        "nothing was stored: {}",
        stores.text
    );
    let members = app.get("/api/v1/merchant/members", &shop.owner).await;
    assert!(!members.text.contains("13800000079"), "{}", members.text);

    let spaced = app
        .post(
            "/api/v1/merchant/wallet/withdrawals",
            &shop.owner,
            json!({ "amount": " 1.00" }),
        )
        .await;
    spaced.assert_problem(422, "validation_failed");
    let printable = app
        .post(
            "/api/v1/merchant/stores",
            &shop.owner,
            json!({ "name": "二号店\t分店" }),
        )
        .await;
    assert_eq!(printable.status, StatusCode::CREATED, "{}", printable.text);
}
