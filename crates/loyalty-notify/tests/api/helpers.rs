//! Shared fixtures: mock providers, clients aimed at them, and readers for what they received.

use std::time::Duration;

use loyalty_notify::aliyun::{AliyunConfig, AliyunSms};
use loyalty_notify::tencent::{TencentConfig, TencentSms};
use loyalty_notify::{Secret, SmsMessage};
use serde_json::Value;
use wiremock::{MockServer, Request, ResponseTemplate};

pub const ALIYUN_KEY_ID: &str = "LTAI-test-key-id";
pub const ALIYUN_SECRET: &str = "aliyun-secret-never-printed";
pub const TENCENT_SECRET_ID: &str = "AKID-test-secret-id";
pub const TENCENT_SECRET_KEY: &str = "tencent-secret-never-printed";
pub const TENCENT_APP_ID: &str = "1400006666";
pub const SIGN_NAME: &str = "茶舍会员";

/// The per-request timeout of the clients under test; the slow mocks answer well after it.
pub const TIMEOUT: Duration = Duration::from_millis(200);
/// How late a slow mock answers.
pub const SLOW: Duration = Duration::from_secs(3);

/// A points notification to a mainland number, with two template variables.
pub fn points_message() -> SmsMessage {
    SmsMessage::new("+8613800138000", "SMS_153055065", "evt-0192b2c4-points")
        .sign_name(SIGN_NAME)
        .param("points", "120")
        .param("store", "南山店")
}

pub struct AliyunApp {
    pub server: MockServer,
    pub sms: AliyunSms,
}

pub async fn aliyun_app() -> AliyunApp {
    let server = MockServer::start().await;
    let config = AliyunConfig::new(ALIYUN_KEY_ID, Secret::new(ALIYUN_SECRET))
        .with_base_url(server.uri())
        .with_timeout(TIMEOUT);
    let sms = AliyunSms::new(config).expect("client builds");
    AliyunApp { server, sms }
}

pub struct TencentApp {
    pub server: MockServer,
    pub sms: TencentSms,
}

pub async fn tencent_app() -> TencentApp {
    let server = MockServer::start().await;
    let config = TencentConfig::new(
        TENCENT_SECRET_ID,
        Secret::new(TENCENT_SECRET_KEY),
        TENCENT_APP_ID,
    )
    .with_base_url(server.uri())
    .with_timeout(TIMEOUT);
    let sms = TencentSms::new(config).expect("client builds");
    TencentApp { server, sms }
}

pub fn json(status: u16, body: Value) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_json(body)
}

/// The one request the server received.
pub async fn only_request(server: &MockServer) -> Request {
    let mut requests = server
        .received_requests()
        .await
        .expect("request recording is on");
    assert_eq!(requests.len(), 1, "expected exactly one request");
    requests.remove(0)
}

/// A form body's pairs, decoded, in the order sent.
pub fn form_pairs(request: &Request) -> Vec<(String, String)> {
    let body = std::str::from_utf8(&request.body).expect("utf-8 form");
    let url = reqwest::Url::parse(&format!("http://form.invalid/?{body}")).expect("form parses");
    url.query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

/// The value of header `name`, which must be present once.
pub fn header<'a>(request: &'a Request, name: &str) -> &'a str {
    let mut values = request.headers.get_all(name).iter();
    let value = values
        .next()
        .unwrap_or_else(|| panic!("header {name} missing"));
    assert!(values.next().is_none(), "header {name} sent twice");
    value.to_str().expect("ASCII header")
}
