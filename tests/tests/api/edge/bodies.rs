//! Every body is a JSON object: an endpoint that takes a body refuses an array, a string, a
//! number or `null` in its place with 422, and changes nothing — so `[]` can never pass for a
//! request with every optional field absent (it once reset a merchant's settings).

use loyalty_seaorm::on_both_databases;
use loyalty_seaorm::testing::TestDatabase;
use loyalty_tests::{PLATFORM_KEY, spawn_app};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

on_both_databases! {
    every_endpoint_with_a_body_refuses_anything_but_an_object_and_changes_nothing => super::non_objects;
}

async fn non_objects(db: &TestDatabase) {
    let app = spawn_app(db).await;
    let shop = app.merchant("objects").await;
    let (_, member) = app.signed_in_member(&shop, "13800000077").await;
    let before = app
        .get("/api/v1/merchant/settings/checkout", &shop.owner)
        .await;
    assert_eq!(before.status, StatusCode::OK, "{}", before.text);

    let doc = app
        .send(app.request(Method::GET, "/api/v1/openapi.json", None))
        .await;
    let unknown = "0190a9a0-0000-7000-8000-000000000000";
    let mut checked = 0;
    for (path, item) in doc.body["paths"].as_object().expect("paths") {
        for (method, operation) in item.as_object().expect("item") {
            if operation.get("requestBody").is_none() {
                continue;
            }
            let token = if path.starts_with("/api/v1/platform") {
                PLATFORM_KEY
            } else if path.starts_with("/api/v1/member/") {
                &member
            } else {
                &shop.owner
            };
            let url = path
                .replace("{id}", unknown)
                .replace("{card_id}", unknown)
                .replace("{entry_id}", unknown)
                .replace("{use_id}", unknown)
                .replace("{code}", "NOSUCHCODE");
            let method = Method::from_bytes(method.to_uppercase().as_bytes()).expect("a method");
            for body in [json!([]), json!([{}]), json!("text"), json!(7), Value::Null] {
                let answer = app
                    .send_json(method.clone(), &url, Some(token), &body)
                    .await;
                assert_eq!(
                    (answer.status.as_u16(), answer.body["code"].as_str()),
                    (422, Some("validation_failed")),
                    "{method} {path} with {body}: {}",
                    answer.text
                );
                checked += 1;
            }
        }
    }
    assert!(
        checked >= 5 * 38,
        "every endpoint with a body: {checked} requests"
    );

    let after = app
        .get("/api/v1/merchant/settings/checkout", &shop.owner)
        .await;
    assert_eq!(after.body, before.body, "the settings stand as they were");
}
