//! A mock of Aliyun's SMS API (`SendSms`) that hands each request's form to the test, a
//! server sending through it, and helpers for notification settings and HQ's message list.

use crate::{TestApp, spawn_app_with};
use loyalty_notify::Secret;
use loyalty_notify::aliyun::AliyunConfig;
use loyalty_seaorm::testing::TestDatabase;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::Duration;
use tokio::sync::mpsc;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

/// Answers like Aliyun's `SendSms` and hands each request's form to the test.
pub struct Aliyun {
    pub code: &'static str,
    pub seen: mpsc::UnboundedSender<Vec<(String, String)>>,
}

impl Respond for Aliyun {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let form: Vec<(String, String)> = url_form(&request.body);
        self.seen.send(form).ok();
        ResponseTemplate::new(200).set_body_json(json!({
            "Code": self.code,
            "Message": if self.code == "OK" { "OK" } else { "invalid mobile number" },
            "BizId": "900619746936498440^0",
            "RequestId": "F655A8D5-B967-440B-8683-DAD6FF8DE990"
        }))
    }
}

pub fn url_form(body: &[u8]) -> Vec<(String, String)> {
    form_urlencoded::parse(body).into_owned().collect()
}

pub fn field<'a>(form: &'a [(String, String)], name: &str) -> &'a str {
    form.iter()
        .find(|(k, _)| k == name)
        .map_or("", |(_, v)| v.as_str())
}

/// A mock of Aliyun's API answering every `SendSms` with `code`, and the forms it was sent.
pub async fn aliyun_answering(
    code: &'static str,
) -> (MockServer, mpsc::UnboundedReceiver<Vec<(String, String)>>) {
    let server = MockServer::start().await;
    let (tx, seen) = mpsc::unbounded_channel();
    Mock::given(method("POST"))
        .and(path("/"))
        .respond_with(Aliyun { code, seen: tx })
        .mount(&server)
        .await;
    (server, seen)
}

/// A server sending SMS through the mock at `server`; messages go out only when the outbox's
/// doorbell rings.
pub async fn app_with_aliyun(db: &TestDatabase, server: &MockServer) -> TestApp {
    app_with_aliyun_config(db, server, |config| config).await
}

/// Like [`app_with_aliyun`], with a default signature in the provider's configuration.
pub async fn app_with_aliyun_signing_as(
    db: &TestDatabase,
    server: &MockServer,
    sign_name: &'static str,
) -> TestApp {
    app_with_aliyun_config(db, server, move |config| config.with_sign_name(sign_name)).await
}

async fn app_with_aliyun_config(
    db: &TestDatabase,
    server: &MockServer,
    adjust: impl FnOnce(AliyunConfig) -> AliyunConfig,
) -> TestApp {
    let uri = server.uri();
    spawn_app_with(db, move |s| {
        s.sms = loyalty_notify::SmsSettings::Aliyun(adjust(
            AliyunConfig::new("LTAI-test", Secret::new("test-secret"))
                .with_base_url(uri)
                .with_timeout(Duration::from_secs(5)),
        ));
        // Only the doorbell makes messages go out within the test.
        s.notifications.dispatch_interval_ms = 3_600_000;
    })
    .await
}

pub async fn next(
    seen: &mut mpsc::UnboundedReceiver<Vec<(String, String)>>,
) -> Vec<(String, String)> {
    tokio::time::timeout(Duration::from_secs(20), seen.recv())
        .await
        .expect("the provider was called")
        .expect("a request")
}

/// Notification settings signed 演示茶饮 with one scene, sent by SMS with `template`.
pub fn settings(scene: &str, template: &str, text: &str, params: Value) -> Value {
    json!({
        "sms_sign_name": "演示茶饮",
        "scenes": [{
            "scene": scene,
            "channels": ["sms"],
            "sms": { "template_code": template, "text": text, "params": params }
        }]
    })
}

/// Template parameters that are the placeholders of the same names (`{name}`).
pub fn placeholders(names: &[&str]) -> Value {
    names
        .iter()
        .map(|name| json!({ "name": name, "value": format!("{{{name}}}") }))
        .collect()
}

/// Saves HQ's notification settings.
pub async fn put_settings(app: &TestApp, token: &str, body: Value) {
    app.save_settings("/api/v1/merchant/settings/notifications", token, body)
        .await;
}

/// Waits until HQ's list of messages in `status` has `n` items.
pub async fn listed(app: &TestApp, token: &str, status: &str, n: usize) -> Vec<Value> {
    for _ in 0..2_000 {
        let page = app
            .get(
                &format!("/api/v1/merchant/notifications?status={status}"),
                token,
            )
            .await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.text);
        let items = page.body["items"].as_array().cloned().unwrap_or_default();
        if items.len() >= n {
            return items;
        }
        tokio::task::yield_now().await;
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("{n} {status} messages never showed");
}

/// The template parameters of a request to `SendSms`.
pub fn template_params(form: &[(String, String)]) -> Value {
    serde_json::from_str(field(form, "TemplateParam")).expect("JSON")
}
