use std::collections::HashMap;
use std::time::Duration;

use chrono::{NaiveDateTime, Utc};
use loyalty_notify::aliyun::{AliyunConfig, AliyunSms, rpc_signature};
use loyalty_notify::{Secret, SmsError, SmsMessage, SmsProvider, SmsReceipt};
use serde_json::{Value, json};
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::helpers::{
    ALIYUN_KEY_ID, ALIYUN_SECRET, SIGN_NAME, SLOW, aliyun_app, form_pairs, json, only_request,
    points_message,
};

fn ok_answer() -> ResponseTemplate {
    json(
        200,
        json!({
            "Code": "OK",
            "Message": "OK",
            "BizId": "900619746936498440^0",
            "RequestId": "F655A8D5-B967-440B-8683-DAD6FF8DE990"
        }),
    )
}

fn code_answer(status: u16, code: &str, message: &str) -> ResponseTemplate {
    json(
        status,
        json!({ "Code": code, "Message": message, "RequestId": "A8F0D3C5-0000-0000-0000-000000000001" }),
    )
}

async fn send_against(answer: ResponseTemplate) -> Result<SmsReceipt, SmsError> {
    let app = aliyun_app().await;
    Mock::given(method("POST"))
        .and(path("/"))
        .respond_with(answer)
        .expect(1)
        .mount(&app.server)
        .await;
    app.sms.send(&points_message()).await
}

#[tokio::test]
async fn a_message_is_sent_as_a_signed_send_sms_form() {
    let app = aliyun_app().await;
    Mock::given(method("POST"))
        .and(path("/"))
        .and(header("content-type", "application/x-www-form-urlencoded"))
        .respond_with(ok_answer())
        .expect(1)
        .mount(&app.server)
        .await;

    let receipt = app.sms.send(&points_message()).await.expect("sent");

    assert_eq!(
        receipt.provider_message_id.as_deref(),
        Some("900619746936498440^0")
    );
    let pairs = form_pairs(&only_request(&app.server).await);
    let form: HashMap<&str, &str> = pairs
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    assert_eq!(form.len(), pairs.len(), "no parameter sent twice");
    assert_eq!(form["Action"], "SendSms");
    assert_eq!(form["Version"], "2017-05-25");
    assert_eq!(form["Format"], "JSON");
    assert_eq!(form["RegionId"], "cn-hangzhou");
    assert_eq!(form["SignatureMethod"], "HMAC-SHA1");
    assert_eq!(form["SignatureVersion"], "1.0");
    assert_eq!(form["AccessKeyId"], ALIYUN_KEY_ID);
    assert_eq!(form["PhoneNumbers"], "13800138000");
    assert_eq!(form["SignName"], SIGN_NAME);
    assert_eq!(form["TemplateCode"], "SMS_153055065");
    assert_eq!(form["OutId"], "evt-0192b2c4-points");
    let template_param: Value = serde_json::from_str(form["TemplateParam"]).expect("JSON");
    assert_eq!(
        template_param,
        json!({ "points": "120", "store": "南山店" })
    );
    assert!(!form["SignatureNonce"].is_empty());
    let sent_at = NaiveDateTime::parse_from_str(form["Timestamp"], "%Y-%m-%dT%H:%M:%SZ")
        .expect("ISO 8601 UTC")
        .and_utc();
    assert!((Utc::now() - sent_at).num_seconds().abs() < 60, "{sent_at}");
    // The server's check: recompute the signature from what arrived.
    let unsigned: Vec<(&str, &str)> = pairs
        .iter()
        .filter(|(k, _)| k != "Signature")
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    assert_eq!(
        form["Signature"],
        rpc_signature("POST", &unsigned, ALIYUN_SECRET)
    );
}

#[tokio::test]
async fn each_request_carries_a_fresh_nonce() {
    let app = aliyun_app().await;
    Mock::given(method("POST"))
        .respond_with(ok_answer())
        .expect(2)
        .mount(&app.server)
        .await;

    app.sms.send(&points_message()).await.expect("first");
    app.sms.send(&points_message()).await.expect("second");

    let requests = app.server.received_requests().await.expect("recording");
    let nonces: Vec<String> = requests
        .iter()
        .map(|r| {
            form_pairs(r)
                .into_iter()
                .find(|(k, _)| k == "SignatureNonce")
                .expect("nonce")
                .1
        })
        .collect();
    assert_ne!(nonces[0], nonces[1]);
}

#[tokio::test]
async fn the_configured_signature_is_used_when_the_message_names_none() {
    let server = MockServer::start().await;
    let config = AliyunConfig::new(ALIYUN_KEY_ID, Secret::new(ALIYUN_SECRET))
        .with_base_url(server.uri())
        .with_sign_name("默认签名");
    let sms = AliyunSms::new(config).expect("client");
    Mock::given(method("POST"))
        .respond_with(ok_answer())
        .expect(1)
        .mount(&server)
        .await;

    sms.send(&SmsMessage::new("13800138000", "SMS_1", "evt-1"))
        .await
        .expect("sent");

    let form = form_pairs(&only_request(&server).await);
    assert!(form.contains(&("SignName".to_owned(), "默认签名".to_owned())));
    assert!(!form.iter().any(|(k, _)| k == "TemplateParam"));
}

#[tokio::test]
async fn a_server_error_is_retryable() {
    let err = send_against(ResponseTemplate::new(503))
        .await
        .expect_err("503");

    assert!(matches!(err, SmsError::Retryable { .. }), "{err:?}");
    assert_eq!(err.code(), "http_503");
}

#[tokio::test]
async fn a_system_error_code_is_retryable() {
    let err = send_against(code_answer(200, "isp.SYSTEM_ERROR", "System error."))
        .await
        .expect_err("system error");

    assert!(matches!(err, SmsError::Retryable { .. }), "{err:?}");
    assert_eq!(err.code(), "isp.SYSTEM_ERROR");
}

#[tokio::test]
async fn an_answer_slower_than_the_timeout_is_retryable() {
    let err = send_against(ok_answer().set_delay(SLOW))
        .await
        .expect_err("timed out");

    assert!(matches!(err, SmsError::Retryable { .. }), "{err:?}");
    assert_eq!(err.code(), SmsError::TIMEOUT);
}

#[tokio::test]
async fn flow_control_is_throttled_with_its_window() {
    let err = send_against(code_answer(
        200,
        "isv.BUSINESS_LIMIT_CONTROL",
        "触发分钟级流控Permits:1",
    ))
    .await
    .expect_err("throttled");

    assert!(matches!(err, SmsError::Throttled { .. }), "{err:?}");
    assert_eq!(err.code(), "isv.BUSINESS_LIMIT_CONTROL");
    assert_eq!(err.retry_after(), Some(Duration::from_secs(60)));
    assert!(err.message().contains("触发分钟级流控"), "{err}");
}

#[tokio::test]
async fn http_429_is_throttled_for_its_retry_after() {
    let err = send_against(ResponseTemplate::new(429).insert_header("Retry-After", "7"))
        .await
        .expect_err("429");

    assert!(matches!(err, SmsError::Throttled { .. }), "{err:?}");
    assert_eq!(err.retry_after(), Some(Duration::from_secs(7)));
}

#[tokio::test]
async fn an_illegal_number_is_rejected() {
    let err = send_against(code_answer(
        200,
        "isv.MOBILE_NUMBER_ILLEGAL",
        "invalid mobile number",
    ))
    .await
    .expect_err("rejected");

    assert!(matches!(err, SmsError::Rejected { .. }), "{err:?}");
    assert_eq!(err.code(), "isv.MOBILE_NUMBER_ILLEGAL");
    assert!(!err.is_retryable());
}

#[tokio::test]
async fn a_signature_mismatch_in_a_400_is_rejected() {
    let err = send_against(code_answer(
        400,
        "SignatureDoesNotMatch",
        "Specified signature is not matched with our calculation.",
    ))
    .await
    .expect_err("rejected");

    assert!(matches!(err, SmsError::Rejected { .. }), "{err:?}");
    assert_eq!(err.code(), "SignatureDoesNotMatch");
}

#[tokio::test]
async fn an_invalid_phone_is_rejected_without_a_request() {
    let app = aliyun_app().await;
    Mock::given(method("POST"))
        .respond_with(ok_answer())
        .expect(0)
        .mount(&app.server)
        .await;
    let mut message = points_message();
    message.phone = "138-0013-8000".to_owned();

    let err = app.sms.send(&message).await.expect_err("invalid");

    assert!(matches!(err, SmsError::Rejected { .. }), "{err:?}");
    assert_eq!(err.code(), SmsError::INVALID_PHONE);
}
