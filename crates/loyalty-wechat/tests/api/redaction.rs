use loyalty_wechat::WeChatClient;
use serde_json::json;
use wiremock::Mock;
use wiremock::matchers::path;

use crate::helpers::{APP_SECRET, ok_json, spawn_app, test_config};

const SESSION_KEY: &str = "SESSION-KEY-tiWmdGpYDA==";

#[test]
fn the_app_secret_is_redacted_in_the_config_debug_output() {
    let config = test_config("http://127.0.0.1:9");

    let printed = format!("{config:?} {} {:?}", config.app_secret, config.app_secret);

    assert!(!printed.contains(APP_SECRET), "{printed}");
    assert!(printed.contains("<redacted>"), "{printed}");
    assert_eq!(config.app_secret.expose(), APP_SECRET);
}

#[test]
fn a_client_debug_output_names_the_app_but_not_the_secret() {
    let client = WeChatClient::new(test_config("http://127.0.0.1:9")).expect("client builds");

    let printed = format!("{client:?}");

    assert!(printed.contains("wx0123456789abcdef"), "{printed}");
    assert!(!printed.contains(APP_SECRET), "{printed}");
}

#[test]
fn a_base_url_that_is_not_http_is_refused() {
    let result = WeChatClient::new(test_config("ftp://example.invalid"));

    assert!(result.is_err());
}

#[tokio::test]
async fn a_session_debug_output_does_not_contain_the_session_key() {
    let app = spawn_app().await;
    Mock::given(path("/sns/jscode2session"))
        .respond_with(ok_json(
            json!({ "openid": "o-user-1", "session_key": SESSION_KEY }),
        ))
        .mount(&app.server)
        .await;

    let session = app.client.code_to_session("code").await.expect("session");
    let printed = format!("{session:?} {}", session.session_key);

    assert!(!printed.contains(SESSION_KEY), "{printed}");
    assert!(printed.contains("o-user-1"), "{printed}");
    assert_eq!(session.session_key.expose(), SESSION_KEY);
}

#[tokio::test]
async fn a_transport_error_does_not_reveal_the_secret_or_the_code() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.local_addr().expect("addr").port()
    };
    let client =
        WeChatClient::new(test_config(&format!("http://127.0.0.1:{port}"))).expect("client builds");

    let err = client
        .code_to_session("login-code-xyz")
        .await
        .expect_err("refused");
    let printed = format!("{err} {err:?}");

    assert_eq!(err.code(), "transport");
    assert!(!printed.contains(APP_SECRET), "{printed}");
    assert!(!printed.contains("login-code-xyz"), "{printed}");
}
