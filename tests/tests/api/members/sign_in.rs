//! The mini-program's sign-in over HTTP: a WeChat login code registers the member, a phone code
//! binds the phone (folding into the member registered at the till), with the dev adapter and
//! with the real WeChat client against a mock of WeChat's API; SMS codes are limited.

use loyalty_seaorm::on_both_databases;
use loyalty_seaorm::testing::TestDatabase;
use loyalty_server::config::WeChatMode;
use loyalty_tests::{spawn_app, spawn_app_with};
use reqwest::StatusCode;
use serde_json::json;
use wiremock::matchers::{body_json, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

on_both_databases! {
    a_wechat_login_registers_and_binding_the_till_phone_joins_the_till_member => super::login_and_fold;
    the_real_wechat_client_signs_members_in_against_wechats_api => super::real_client;
    sms_codes_are_limited_per_phone_and_per_client_with_retry_after => super::sms_limits;
}

async fn sms_limits(db: &TestDatabase) {
    let app = spawn_app_with(db, |s| s.auth.sms_requests_per_client_per_hour = 3).await;
    app.merchant("sms-http").await;
    let ask = |phone: &'static str| {
        app.post_anonymously(
            "/api/v1/member/auth/sms-codes",
            json!({ "merchant_code": "sms-http", "phone": phone }),
        )
    };
    let sent = ask("13500000001").await;
    assert_eq!(sent.status, StatusCode::ACCEPTED, "{}", sent.text);
    assert_eq!(sent.body["resend_after_seconds"], 60);
    let again = ask("13500000001").await;
    again.assert_problem(429, "too_many_requests");
    let wait = again.retry_after();
    assert!((1..=60).contains(&wait), "{wait}");
    let wrong = app
        .post_anonymously(
            "/api/v1/member/auth/sms",
            json!({ "merchant_code": "sms-http", "phone": "13500000001", "code": "12345x" }),
        )
        .await;
    wrong.assert_problem(422, "invalid_code");
    // The client has used its 3 requests this hour.
    ask("13500000002")
        .await
        .assert_problem(429, "too_many_requests");
    app.post_anonymously(
        "/api/v1/member/auth/sms-codes",
        json!({ "merchant_code": "sms-http", "phone": "123" }),
    )
    .await
    .assert_problem(422, "validation_failed");
}

async fn login_and_fold(db: &TestDatabase) {
    let app = spawn_app(db).await;
    let staff = app.merchant("mini-shop").await.owner;
    let till_member = app.member(&staff, "13800138888").await;
    app.purchase(&staff, &till_member, "50.00").await;

    let first = app
        .post_anonymously(
            "/api/v1/member/auth/wechat",
            json!({ "merchant_code": "mini-shop", "code": "dev-openid-1" }),
        )
        .await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.text);
    assert_eq!(
        (
            first.body["registered"].as_bool(),
            first.body["member"]["phone"].is_null()
        ),
        (Some(true), true)
    );
    let again = app
        .post_anonymously(
            "/api/v1/member/auth/wechat",
            json!({ "merchant_code": "mini-shop", "code": "dev-openid-1" }),
        )
        .await;
    assert_eq!(
        (
            again.body["registered"].as_bool(),
            &again.body["member"]["id"]
        ),
        (Some(false), &first.body["member"]["id"])
    );
    let wechat_token = first.body["token"].as_str().expect("token").to_owned();

    let bound = app
        .post(
            "/api/v1/member/phone",
            &wechat_token,
            json!({ "code": "dev-13800138888" }),
        )
        .await;
    assert_eq!(bound.status, StatusCode::OK, "{}", bound.text);
    assert_eq!(
        bound.body["member"]["id"],
        till_member.as_str(),
        "folded into the till member"
    );
    let token = bound.body["token"].as_str().expect("token");
    assert_eq!(
        app.get("/api/v1/member/points", token).await.body["balance"],
        50
    );
    // The folded WeChat account is gone: its token no longer signs anyone in.
    app.get("/api/v1/member/me", &wechat_token)
        .await
        .assert_problem(401, "unauthenticated");
    let next = app
        .post_anonymously(
            "/api/v1/member/auth/wechat",
            json!({ "merchant_code": "mini-shop", "code": "dev-openid-1" }),
        )
        .await;
    assert_eq!(next.body["member"]["id"], till_member.as_str());

    app.post_anonymously(
        "/api/v1/member/auth/wechat",
        json!({ "merchant_code": "mini-shop", "code": "not-a-dev-code" }),
    )
    .await
    .assert_problem(422, "invalid_code");
    app.post_anonymously(
        "/api/v1/member/auth/wechat",
        json!({ "merchant_code": "no-such-shop", "code": "dev-x" }),
    )
    .await
    .assert_problem(404, "merchant_not_found");
    app.post_anonymously("/api/v1/member/phone", json!({ "code": "dev-13800138888" }))
        .await
        .assert_problem(401, "unauthenticated");

    let off = spawn_app_with(db, |s| s.wechat.mode = WeChatMode::Off).await;
    off.post_anonymously(
        "/api/v1/member/auth/wechat",
        json!({ "merchant_code": "mini-shop", "code": "dev-openid-1" }),
    )
    .await
    .assert_problem(404, "not_found");
}

async fn real_client(db: &TestDatabase) {
    let wechat = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/sns/jscode2session"))
        .and(query_param("js_code", "code-from-wx-login"))
        .and(query_param("appid", "wx-app"))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({ "openid": "o-real-1", "session_key": "SECRET-SESSION-KEY", "unionid": "u-1" }),
        ))
        .mount(&wechat)
        .await;
    Mock::given(method("GET"))
        .and(path("/cgi-bin/token"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({ "access_token": "ACCESS", "expires_in": 7200 })),
        )
        .expect(1)
        .mount(&wechat)
        .await;
    Mock::given(method("POST"))
        .and(path("/wxa/business/getuserphonenumber"))
        .and(query_param("access_token", "ACCESS"))
        .and(body_json(json!({ "code": "phone-code" })))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "errcode": 0, "errmsg": "ok",
            "phone_info": { "phoneNumber": "13900001111", "purePhoneNumber": "13900001111", "countryCode": "86", "watermark": { "timestamp": 1637744274, "appid": "wx-app" } }
        })))
        .mount(&wechat)
        .await;
    Mock::given(method("GET"))
        .and(path("/sns/jscode2session"))
        .and(query_param("js_code", "used-code"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({ "errcode": 40163, "errmsg": "code been used" })),
        )
        .mount(&wechat)
        .await;
    let app = spawn_app_with(db, |s| {
        s.wechat.mode = WeChatMode::Api;
        s.wechat.app_id = Some("wx-app".into());
        s.wechat.app_secret = Some("wx-secret".into());
        s.wechat.base_url = wechat.uri();
    })
    .await;
    app.merchant("real-shop").await;

    let login = app
        .post_anonymously(
            "/api/v1/member/auth/wechat",
            json!({ "merchant_code": "real-shop", "code": "code-from-wx-login" }),
        )
        .await;
    assert_eq!(login.status, StatusCode::OK, "{}", login.text);
    assert!(
        !login.text.contains("SECRET-SESSION-KEY"),
        "the session key never leaves the server"
    );
    let token = login.body["token"].as_str().expect("token");
    let bound = app
        .post(
            "/api/v1/member/phone",
            token,
            json!({ "code": "phone-code" }),
        )
        .await;
    assert_eq!(
        bound.body["member"]["phone"], "13900001111",
        "{}",
        bound.text
    );
    app.post_anonymously(
        "/api/v1/member/auth/wechat",
        json!({ "merchant_code": "real-shop", "code": "used-code" }),
    )
    .await
    .assert_problem(422, "invalid_code");
}
