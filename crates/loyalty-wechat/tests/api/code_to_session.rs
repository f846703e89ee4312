use std::time::Duration;

use loyalty_wechat::{WeChatClient, WeChatError};
use serde_json::json;
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::helpers::{APP_ID, APP_SECRET, errcode, ok_json, spawn_app, test_config};

const PATH: &str = "/sns/jscode2session";

async fn mount_session_answer(server: &MockServer, answer: ResponseTemplate, times: u64) {
    Mock::given(method("GET"))
        .and(path(PATH))
        .respond_with(answer)
        .up_to_n_times(times)
        .expect(times)
        .mount(server)
        .await;
}

#[tokio::test]
async fn a_login_code_is_exchanged_for_openid_unionid_and_session_key() {
    let app = spawn_app().await;
    Mock::given(method("GET"))
        .and(path(PATH))
        .and(query_param("appid", APP_ID))
        .and(query_param("secret", APP_SECRET))
        .and(query_param("js_code", "login-code-1"))
        .and(query_param("grant_type", "authorization_code"))
        .respond_with(ok_json(json!({
            "openid": "o-user-1", "session_key": "c2Vzc2lvbi1rZXk=", "unionid": "u-user-1"
        })))
        .expect(1)
        .mount(&app.server)
        .await;

    let session = app
        .client
        .code_to_session("login-code-1")
        .await
        .expect("session");

    assert_eq!(session.openid, "o-user-1");
    assert_eq!(session.unionid.as_deref(), Some("u-user-1"));
    assert_eq!(session.session_key.expose(), "c2Vzc2lvbi1rZXk=");
}

#[tokio::test]
async fn a_session_without_unionid_has_none() {
    let app = spawn_app().await;
    let body = json!({ "openid": "o-user-2", "session_key": "a2V5", "errcode": 0, "errmsg": "ok" });
    mount_session_answer(&app.server, ok_json(body), 1).await;

    let session = app.client.code_to_session("code").await.expect("session");

    assert_eq!(session.openid, "o-user-2");
    assert_eq!(session.unionid, None);
}

#[tokio::test]
async fn a_json_answer_labelled_text_plain_is_still_read() {
    let app = spawn_app().await;
    let answer = ResponseTemplate::new(200)
        .insert_header("content-type", "text/plain")
        .set_body_string(r#"{"session_key":"a2V5","openid":"o-user-3"}"#);
    mount_session_answer(&app.server, answer, 1).await;

    let session = app.client.code_to_session("code").await.expect("session");

    assert_eq!(session.openid, "o-user-3");
}

#[tokio::test]
async fn errcode_40029_is_an_invalid_code() {
    let app = spawn_app().await;
    mount_session_answer(&app.server, errcode(40029, "invalid code"), 1).await;

    let err = app
        .client
        .code_to_session("bad")
        .await
        .expect_err("invalid");

    assert!(matches!(err, WeChatError::InvalidCode), "{err:?}");
    assert_eq!(err.code(), "invalid_code");
}

#[tokio::test]
async fn errcode_40163_is_a_used_code() {
    let app = spawn_app().await;
    mount_session_answer(&app.server, errcode(40163, "code been used"), 1).await;

    let err = app.client.code_to_session("used").await.expect_err("used");

    assert!(matches!(err, WeChatError::CodeUsed), "{err:?}");
}

#[tokio::test]
async fn errcode_45011_is_rate_limited_and_not_retried() {
    let app = spawn_app().await;
    mount_session_answer(
        &app.server,
        errcode(45011, "api minute-quota reach limit"),
        1,
    )
    .await;

    let err = app
        .client
        .code_to_session("code")
        .await
        .expect_err("limited");

    assert!(matches!(err, WeChatError::RateLimited), "{err:?}");
    assert!(err.is_retryable());
}

#[tokio::test]
async fn a_busy_answer_is_retried_until_it_succeeds() {
    let app = spawn_app().await;
    mount_session_answer(&app.server, errcode(-1, "system error"), 2).await;
    let body = json!({ "openid": "o-user-4", "session_key": "a2V5" });
    mount_session_answer(&app.server, ok_json(body), 1).await;

    let session = app
        .client
        .code_to_session("code")
        .await
        .expect("third try works");

    assert_eq!(session.openid, "o-user-4");
}

#[tokio::test]
async fn busy_on_every_attempt_gives_up_after_three_requests() {
    let app = spawn_app().await;
    mount_session_answer(&app.server, errcode(-1, "system error"), 3).await;

    let err = app.client.code_to_session("code").await.expect_err("busy");

    assert!(matches!(err, WeChatError::Busy { attempts: 3 }), "{err:?}");
}

#[tokio::test]
async fn an_unknown_errcode_keeps_errcode_and_errmsg() {
    let app = spawn_app().await;
    mount_session_answer(&app.server, errcode(40226, "invalid user"), 1).await;

    let err = app
        .client
        .code_to_session("code")
        .await
        .expect_err("blocked");

    match err {
        WeChatError::Api { errcode, errmsg } => {
            assert_eq!(errcode, 40226);
            assert!(errmsg.starts_with("invalid user"), "{errmsg}");
        }
        other => panic!("expected Api, got {other:?}"),
    }
}

#[tokio::test]
async fn an_html_answer_is_a_decode_error() {
    let app = spawn_app().await;
    let answer = ResponseTemplate::new(200).set_body_string("<html>gateway</html>");
    mount_session_answer(&app.server, answer, 1).await;

    let err = app.client.code_to_session("code").await.expect_err("html");

    assert_eq!(err.code(), "decode");
}

#[tokio::test]
async fn a_success_without_session_key_is_a_decode_error() {
    let app = spawn_app().await;
    mount_session_answer(&app.server, ok_json(json!({ "openid": "o" })), 1).await;

    let err = app
        .client
        .code_to_session("code")
        .await
        .expect_err("incomplete");

    assert_eq!(err.code(), "decode");
}

#[tokio::test]
async fn an_http_502_without_errcode_is_a_transport_error() {
    let app = spawn_app().await;
    mount_session_answer(&app.server, ResponseTemplate::new(502), 1).await;

    let err = app.client.code_to_session("code").await.expect_err("502");

    assert_eq!(err.code(), "transport");
}

#[tokio::test]
async fn a_slow_answer_times_out_as_a_transport_error() {
    let server = MockServer::start().await;
    let slow =
        ok_json(json!({ "openid": "o", "session_key": "k" })).set_delay(Duration::from_millis(500));
    mount_session_answer(&server, slow, 1).await;
    let config = test_config(&server.uri()).with_timeout(Duration::from_millis(100));
    let client = WeChatClient::new(config).expect("client builds");

    let err = client.code_to_session("code").await.expect_err("timeout");

    match err {
        WeChatError::Transport(inner) => assert!(inner.is_timeout(), "{inner:?}"),
        other => panic!("expected Transport, got {other:?}"),
    }
}
