//! What the providers log. A binary of its own: tracing caches per-callsite interest
//! process-wide, so a thread-local subscriber misses events while other tests run in parallel
//! threads.

use std::io;
use std::sync::{Arc, Mutex};

use loyalty_notify::aliyun::{AliyunConfig, AliyunSms};
use loyalty_notify::tencent::{TencentConfig, TencentSms};
use loyalty_notify::{LogSmsProvider, Secret, SmsMessage, SmsProvider};
use serde_json::json;
use wiremock::matchers::{header_exists, method};
use wiremock::{Mock, MockServer, ResponseTemplate};

const ALIYUN_SECRET: &str = "aliyun-secret-never-logged";
const TENCENT_SECRET: &str = "tencent-secret-never-logged";
const PHONE: &str = "13812345678";

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

#[tokio::test]
async fn logs_mask_the_phone_and_name_no_secret() {
    let logs = Captured::default();
    let writer = logs.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(header_exists("X-TC-Action"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({ "Response": {
            "SendStatusSet": [{ "Code": "LimitExceeded.PhoneNumberDailyLimit", "Message": "daily limit" }],
            "RequestId": "r-1"
        }})))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({ "Code": "OK", "Message": "OK", "BizId": "biz-1", "RequestId": "r-2" }),
        ))
        .mount(&server)
        .await;
    let aliyun = AliyunSms::new(
        AliyunConfig::new("LTAI-id", Secret::new(ALIYUN_SECRET)).with_base_url(server.uri()),
    )
    .expect("aliyun client");
    let tencent = TencentSms::new(
        TencentConfig::new("AKID-id", Secret::new(TENCENT_SECRET), "1400006666")
            .with_base_url(server.uri()),
    )
    .expect("tencent client");
    let message = SmsMessage::new(PHONE, "SMS_1", "evt-logged")
        .sign_name("茶舍")
        .param("code", "135790");

    LogSmsProvider.send(&message).await.expect("logged");
    aliyun.send(&message).await.expect("aliyun sent");
    tencent.send(&message).await.expect_err("tencent throttled");
    let text = String::from_utf8(logs.0.lock().expect("log lock").clone()).expect("utf-8");

    assert!(text.contains("138****5678"), "{text}");
    assert!(
        text.contains("135790"),
        "the log provider shows the code:\n{text}"
    );
    assert!(text.contains(r#"provider="aliyun""#), "{text}");
    assert!(text.contains(r#"outcome="sent""#), "{text}");
    assert!(text.contains(r#"outcome="throttled""#), "{text}");
    assert!(
        text.contains(r#"code="LimitExceeded.PhoneNumberDailyLimit""#),
        "{text}"
    );
    assert!(text.contains("evt-logged"), "{text}");
    for secret in [PHONE, ALIYUN_SECRET, TENCENT_SECRET] {
        assert!(!text.contains(secret), "{secret} leaked into:\n{text}");
    }
    assert!(!format!("{aliyun:?}{tencent:?}").contains("secret-never"));
}
