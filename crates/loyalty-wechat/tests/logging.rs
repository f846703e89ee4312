//! What the client logs. A binary of its own: tracing caches per-callsite interest process-wide,
//! so a thread-local subscriber misses events while other tests run in parallel threads.

use std::io;
use std::sync::{Arc, Mutex};

use loyalty_wechat::{Secret, WeChatClient, WeChatConfig};
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const APP_SECRET: &str = "app-secret-never-logged";
const SESSION_KEY: &str = "SESSION-KEY-tiWmdGpYDA==";

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.lock().expect("log lock").extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

fn answer(body: serde_json::Value) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(body)
}

async fn mock_wechat() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(path("/cgi-bin/token"))
        .respond_with(answer(
            json!({ "access_token": "old-TOKEN", "expires_in": 7200 }),
        ))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(path("/cgi-bin/token"))
        .respond_with(answer(
            json!({ "access_token": "new-TOKEN", "expires_in": 7200 }),
        ))
        .mount(&server)
        .await;
    Mock::given(path("/sns/jscode2session"))
        .respond_with(answer(
            json!({ "openid": "o-user-1", "session_key": SESSION_KEY }),
        ))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/wxa/business/getuserphonenumber"))
        .respond_with(answer(
            json!({ "errcode": 40001, "errmsg": "invalid credential" }),
        ))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/wxa/business/getuserphonenumber"))
        .respond_with(answer(json!({
            "errcode": 0, "errmsg": "ok",
            "phone_info": { "phoneNumber": "1", "purePhoneNumber": "1", "countryCode": "86" }
        })))
        .mount(&server)
        .await;
    server
}

#[tokio::test]
async fn log_lines_name_endpoint_and_errcode_but_no_credential() {
    let logs = Captured::default();
    let writer = logs.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    let server = mock_wechat().await;
    let config = WeChatConfig::new("wx0123456789abcdef", Secret::new(APP_SECRET))
        .with_base_url(server.uri());
    let client = WeChatClient::new(config).expect("client builds");

    client
        .code_to_session("login-code-xyz")
        .await
        .expect("session");
    client.phone_number("phone-code-xyz").await.expect("phone");
    let text = String::from_utf8(logs.0.lock().expect("log lock").clone()).expect("utf-8");

    assert!(text.contains(r#"endpoint="/sns/jscode2session""#), "{text}");
    assert!(text.contains("errcode=40001"), "{text}");
    for secret in [
        APP_SECRET,
        SESSION_KEY,
        "login-code-xyz",
        "phone-code-xyz",
        "TOKEN",
    ] {
        assert!(!text.contains(secret), "{secret} leaked into:\n{text}");
    }
}
