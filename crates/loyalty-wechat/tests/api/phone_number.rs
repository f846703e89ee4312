use loyalty_wechat::{PhoneInfo, WeChatError};
use serde_json::json;
use wiremock::matchers::{body_json, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::helpers::{APP_ID, errcode, mount_token, ok_json, spawn_app};

const PATH: &str = "/wxa/business/getuserphonenumber";

fn phone_answer(country_code: serde_json::Value) -> ResponseTemplate {
    ok_json(json!({
        "errcode": 0,
        "errmsg": "ok",
        "phone_info": {
            "phoneNumber": "13800138000",
            "purePhoneNumber": "13800138000",
            "countryCode": country_code,
            "watermark": { "timestamp": 1_637_744_274, "appid": APP_ID }
        }
    }))
}

async fn mount_phone(server: &MockServer, token: &str, answer: ResponseTemplate, times: u64) {
    Mock::given(method("POST"))
        .and(path(PATH))
        .and(query_param("access_token", token))
        .and(body_json(json!({ "code": "phone-code" })))
        .respond_with(answer)
        .up_to_n_times(times)
        .expect(times)
        .mount(server)
        .await;
}

fn cn_phone() -> PhoneInfo {
    PhoneInfo {
        phone_number: "13800138000".to_owned(),
        pure_phone_number: "13800138000".to_owned(),
        country_code: "86".to_owned(),
    }
}

#[tokio::test]
async fn a_phone_code_is_exchanged_for_the_number_using_the_access_token() {
    let app = spawn_app().await;
    mount_token(&app.server, "token-1", 7200, 1).await;
    mount_phone(&app.server, "token-1", phone_answer(json!("86")), 1).await;

    let phone = app.client.phone_number("phone-code").await.expect("phone");

    assert_eq!(phone, cn_phone());
}

#[tokio::test]
async fn a_numeric_country_code_is_read_as_text() {
    let app = spawn_app().await;
    mount_token(&app.server, "token-1", 7200, 1).await;
    mount_phone(&app.server, "token-1", phone_answer(json!(86)), 1).await;

    let phone = app.client.phone_number("phone-code").await.expect("phone");

    assert_eq!(phone.country_code, "86");
}

#[tokio::test]
async fn an_invalid_phone_code_is_an_invalid_code() {
    let app = spawn_app().await;
    mount_token(&app.server, "token-1", 7200, 1).await;
    mount_phone(&app.server, "token-1", errcode(40029, "invalid code"), 1).await;

    let err = app
        .client
        .phone_number("phone-code")
        .await
        .expect_err("bad code");

    assert!(matches!(err, WeChatError::InvalidCode), "{err:?}");
}

#[tokio::test]
async fn a_rejected_token_is_replaced_and_the_call_retried_once() {
    let app = spawn_app().await;
    mount_token(&app.server, "token-old", 7200, 1).await;
    mount_token(&app.server, "token-new", 7200, 1).await;
    let invalid = errcode(
        40001,
        "invalid credential, access_token is invalid or not latest",
    );
    mount_phone(&app.server, "token-old", invalid, 1).await;
    mount_phone(&app.server, "token-new", phone_answer(json!("86")), 1).await;

    let phone = app
        .client
        .phone_number("phone-code")
        .await
        .expect("retried");
    let cached = app.client.access_token().await.expect("token");

    assert_eq!(phone, cn_phone());
    assert_eq!(cached, "token-new");
}

#[tokio::test]
async fn an_expired_token_answer_42001_is_also_retried_with_a_fresh_token() {
    let app = spawn_app().await;
    mount_token(&app.server, "token-old", 7200, 1).await;
    mount_token(&app.server, "token-new", 7200, 1).await;
    mount_phone(
        &app.server,
        "token-old",
        errcode(42001, "access_token expired"),
        1,
    )
    .await;
    mount_phone(&app.server, "token-new", phone_answer(json!("86")), 1).await;

    let phone = app
        .client
        .phone_number("phone-code")
        .await
        .expect("retried");

    assert_eq!(phone, cn_phone());
}

#[tokio::test]
async fn a_token_rejected_twice_is_reported_after_one_retry() {
    let app = spawn_app().await;
    mount_token(&app.server, "token-old", 7200, 1).await;
    mount_token(&app.server, "token-new", 7200, 1).await;
    mount_phone(
        &app.server,
        "token-old",
        errcode(40014, "invalid access_token"),
        1,
    )
    .await;
    mount_phone(
        &app.server,
        "token-new",
        errcode(40014, "invalid access_token"),
        1,
    )
    .await;

    let err = app
        .client
        .phone_number("phone-code")
        .await
        .expect_err("rejected");

    assert!(
        matches!(err, WeChatError::InvalidToken { errcode: 40014 }),
        "{err:?}"
    );
}
