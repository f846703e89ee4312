use std::time::Duration;

use chrono::{DateTime, Utc};
use loyalty_notify::tencent::{
    JSON_CONTENT_TYPE, Tc3Request, TencentConfig, TencentSms, authorization,
};
use loyalty_notify::{Secret, SmsError, SmsMessage, SmsProvider, SmsReceipt};
use serde_json::{Value, json};
use wiremock::matchers::{header as header_is, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::helpers::{
    SIGN_NAME, SLOW, TENCENT_APP_ID, TENCENT_SECRET_ID, TENCENT_SECRET_KEY, header, json,
    only_request, points_message, tencent_app,
};

fn status_answer(code: &str, message: &str) -> ResponseTemplate {
    json(
        200,
        json!({ "Response": {
            "SendStatusSet": [{
                "SerialNo": if code == "Ok" { "5000:1045710669157053657849499619" } else { "" },
                "PhoneNumber": "+8613800138000",
                "Fee": if code == "Ok" { 1 } else { 0 },
                "SessionContext": "evt-0192b2c4-points",
                "Code": code,
                "Message": message,
                "IsoCode": "CN"
            }],
            "RequestId": "a0aabda6-cf91-4f3e-a81f-9198114a2279"
        }}),
    )
}

fn error_answer(code: &str, message: &str) -> ResponseTemplate {
    json(
        200,
        json!({ "Response": {
            "Error": { "Code": code, "Message": message },
            "RequestId": "b1bbceb7-0000-0000-0000-000000000001"
        }}),
    )
}

async fn send_against(answer: ResponseTemplate) -> Result<SmsReceipt, SmsError> {
    let app = tencent_app().await;
    Mock::given(method("POST"))
        .and(path("/"))
        .respond_with(answer)
        .expect(1)
        .mount(&app.server)
        .await;
    app.sms.send(&points_message()).await
}

#[tokio::test]
async fn a_message_is_sent_as_a_tc3_signed_send_sms_call() {
    let app = tencent_app().await;
    Mock::given(method("POST"))
        .and(path("/"))
        .and(header_is("X-TC-Action", "SendSms"))
        .and(header_is("X-TC-Version", "2021-01-11"))
        .and(header_is("X-TC-Region", "ap-guangzhou"))
        .and(header_is("content-type", JSON_CONTENT_TYPE))
        .respond_with(status_answer("Ok", "send success"))
        .expect(1)
        .mount(&app.server)
        .await;

    let receipt = app.sms.send(&points_message()).await.expect("sent");

    assert_eq!(
        receipt.provider_message_id.as_deref(),
        Some("5000:1045710669157053657849499619")
    );
    let request = only_request(&app.server).await;
    let body: Value = serde_json::from_slice(&request.body).expect("JSON body");
    assert_eq!(
        body,
        json!({
            "PhoneNumberSet": ["+8613800138000"],
            "SmsSdkAppId": TENCENT_APP_ID,
            "SignName": SIGN_NAME,
            "TemplateId": "SMS_153055065",
            "TemplateParamSet": ["120", "南山店"],
            "SessionContext": "evt-0192b2c4-points"
        })
    );
    let timestamp: i64 = header(&request, "X-TC-Timestamp").parse().expect("seconds");
    let sent_at = DateTime::from_timestamp(timestamp, 0).expect("valid time");
    assert!((Utc::now() - sent_at).num_seconds().abs() < 60, "{sent_at}");
    // The server's check: recompute the signature from what arrived.
    let expected = authorization(&Tc3Request {
        secret_id: TENCENT_SECRET_ID,
        secret_key: TENCENT_SECRET_KEY,
        service: "sms",
        host: header(&request, "host"),
        content_type: header(&request, "content-type"),
        timestamp: sent_at,
        payload: &request.body,
    });
    let sent = header(&request, "authorization");
    assert!(
        sent.starts_with(&format!(
            "TC3-HMAC-SHA256 Credential={TENCENT_SECRET_ID}/{}/sms/tc3_request, SignedHeaders=content-type;host, Signature=",
            sent_at.format("%Y-%m-%d")
        )),
        "{sent}"
    );
    assert_eq!(sent, expected);
}

#[tokio::test]
async fn an_international_number_is_sent_in_e164() {
    let app = tencent_app().await;
    Mock::given(method("POST"))
        .respond_with(status_answer("Ok", "send success"))
        .expect(1)
        .mount(&app.server)
        .await;
    let message = SmsMessage::new("+85261234567", "1110", "evt-2").sign_name(SIGN_NAME);

    app.sms.send(&message).await.expect("sent");

    let body: Value = serde_json::from_slice(&only_request(&app.server).await.body).expect("JSON");
    assert_eq!(body["PhoneNumberSet"], json!(["+85261234567"]));
    assert!(body.get("TemplateParamSet").is_none(), "{body}");
}

#[tokio::test]
async fn the_configured_signature_and_region_are_used() {
    let server = MockServer::start().await;
    let config = TencentConfig::new(
        TENCENT_SECRET_ID,
        Secret::new(TENCENT_SECRET_KEY),
        TENCENT_APP_ID,
    )
    .with_base_url(server.uri())
    .with_sign_name("默认签名")
    .with_region("ap-beijing");
    let sms = TencentSms::new(config).expect("client");
    Mock::given(method("POST"))
        .and(header_is("X-TC-Region", "ap-beijing"))
        .respond_with(status_answer("Ok", "send success"))
        .expect(1)
        .mount(&server)
        .await;

    sms.send(&SmsMessage::new("13800138000", "1110", "evt-3"))
        .await
        .expect("sent");

    let body: Value = serde_json::from_slice(&only_request(&server).await.body).expect("JSON");
    assert_eq!(body["SignName"], "默认签名");
}

#[tokio::test]
async fn a_server_error_is_retryable() {
    let err = send_against(ResponseTemplate::new(502))
        .await
        .expect_err("502");

    assert!(matches!(err, SmsError::Retryable { .. }), "{err:?}");
    assert_eq!(err.code(), "http_502");
}

#[tokio::test]
async fn an_internal_error_code_is_retryable() {
    let err = send_against(error_answer("InternalError.Timeout", "request timed out"))
        .await
        .expect_err("internal error");

    assert!(matches!(err, SmsError::Retryable { .. }), "{err:?}");
    assert_eq!(err.code(), "InternalError.Timeout");
}

#[tokio::test]
async fn an_answer_slower_than_the_timeout_is_retryable() {
    let err = send_against(status_answer("Ok", "send success").set_delay(SLOW))
        .await
        .expect_err("timed out");

    assert!(matches!(err, SmsError::Retryable { .. }), "{err:?}");
    assert_eq!(err.code(), SmsError::TIMEOUT);
}

#[tokio::test]
async fn a_per_number_limit_is_throttled_with_its_window() {
    let err = send_against(status_answer(
        "LimitExceeded.PhoneNumberThirtySecondLimit",
        "the number of SMS messages sent from a single mobile number within 30 seconds exceeds the upper limit",
    ))
    .await
    .expect_err("throttled");

    assert!(matches!(err, SmsError::Throttled { .. }), "{err:?}");
    assert_eq!(err.code(), "LimitExceeded.PhoneNumberThirtySecondLimit");
    assert_eq!(err.retry_after(), Some(Duration::from_secs(30)));
}

#[tokio::test]
async fn the_api_rate_limit_is_throttled() {
    let err = send_against(error_answer(
        "RequestLimitExceeded",
        "The number of requests exceeds the frequency limit.",
    ))
    .await
    .expect_err("throttled");

    assert!(matches!(err, SmsError::Throttled { .. }), "{err:?}");
    assert_eq!(err.retry_after(), None);
}

#[tokio::test]
async fn an_unapproved_template_for_the_number_is_rejected() {
    let err = send_against(status_answer(
        "FailedOperation.TemplateIncorrectOrUnapproved",
        "template is not approved or request content does not match the approved template content",
    ))
    .await
    .expect_err("rejected");

    assert!(matches!(err, SmsError::Rejected { .. }), "{err:?}");
    assert_eq!(err.code(), "FailedOperation.TemplateIncorrectOrUnapproved");
    assert!(err.message().contains("RequestId a0aabda6"), "{err}");
}

#[tokio::test]
async fn an_authentication_failure_is_rejected() {
    let err = send_against(error_answer(
        "AuthFailure.SignatureFailure",
        "The provided credentials could not be validated. Please check your signature is correct.",
    ))
    .await
    .expect_err("rejected");

    assert!(matches!(err, SmsError::Rejected { .. }), "{err:?}");
    assert_eq!(err.code(), "AuthFailure.SignatureFailure");
}

#[tokio::test]
async fn an_invalid_phone_is_rejected_without_a_request() {
    let app = tencent_app().await;
    Mock::given(method("POST"))
        .respond_with(status_answer("Ok", "send success"))
        .expect(0)
        .mount(&app.server)
        .await;
    let mut message = points_message();
    message.phone = "+86123".to_owned();

    let err = app.sms.send(&message).await.expect_err("invalid");

    assert_eq!(err.code(), SmsError::INVALID_PHONE);
    assert!(!err.is_retryable());
}
