//! Tencent Cloud SMS (API 3.0, version 2021-01-11): the `SendSms` call.
//!
//! Requests are JSON `POST`s to `/` of the base URL, signed with `TC3-HMAC-SHA256`
//! ([`authorization`]) under the service `sms`, with the `X-TC-Action`, `X-TC-Version`,
//! `X-TC-Timestamp` and `X-TC-Region` headers. Tencent answers errors with HTTP 200 and a
//! `Response.Error`; an accepted request may still have been refused for the number, in
//! `Response.SendStatusSet[0]`. Both codes are classified so:
//!
//! | class | codes |
//! |---|---|
//! | throttled | `RequestLimitExceeded*` (API call rate), `LimitExceeded.*` (per-number 30-second, hour and day limits, same-content limit, delivery frequency, the app's daily quotas) except the two below |
//! | retryable | `InternalError.*` except `InternalError.RequestTimeException`, `RequestTimeout`, `ServiceUnavailable`; and HTTP 5xx / 408, timeouts, connection failures |
//! | rejected | everything else, notably `FailedOperation.*` (unapproved template or signature, insufficient balance, blacklisted number), `InvalidParameterValue.*` (bad number, bad template params), `AuthFailure.*`, `UnauthorizedOperation.*`, `LimitExceeded.PhoneNumberCountLimit` (too many numbers in one request), `LimitExceeded.AppCountryOrRegionInBlacklist`, `InternalError.RequestTimeException` (the host clock is off by minutes: retrying with it does not help) |
//!
//! An unknown code is rejected: Tencent answered, and a message it refused for a reason this
//! table does not know is better looked at than retried blindly.

mod codes;
mod signature;

use std::fmt;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use chrono::Utc;
use reqwest::Url;
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE};
use serde::{Deserialize, Serialize};

pub use signature::{
    ALGORITHM, JSON_CONTENT_TYPE, SIGNED_HEADERS, Tc3Request, authorization, canonical_request,
    signature, string_to_sign,
};

use crate::Secret;
use crate::error::{ConfigError, SmsError};
use crate::http;
use crate::message::{SmsMessage, SmsProvider, SmsReceipt};
use crate::phone::Phone;

/// The name errors and logs give this provider.
pub const PROVIDER: &str = "tencent";
/// The production endpoint. Tests point [`TencentConfig::base_url`] at a mock server instead.
pub const DEFAULT_BASE_URL: &str = "https://sms.tencentcloudapi.com/";
/// The region used unless configured.
pub const DEFAULT_REGION: &str = "ap-guangzhou";
/// The API version this client speaks.
pub const API_VERSION: &str = "2021-01-11";
/// The service name in the credential scope, whatever host the request goes to.
pub const SERVICE: &str = "sms";

const DEFAULT_TIMEOUT_MS: u64 = 5_000;

/// Everything [`TencentSms`] needs, as read from configuration.
///
/// ```toml
/// secret_id = "AKID…"
/// secret_key = "…"
/// sms_sdk_app_id = "1400006666"
/// sign_name = "茶舍会员"       # optional default signature
/// # base_url = "https://sms.tencentcloudapi.com/"
/// # region = "ap-guangzhou"
/// # timeout_ms = 5000
/// ```
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TencentConfig {
    /// The SecretId (`AKID…`) of a sub-account allowed to call `sms:SendSms`.
    pub secret_id: String,
    /// The SecretKey; never logged.
    pub secret_key: Secret,
    /// The SMS application (`SmsSdkAppId`, `1400…`) the signatures and templates belong to.
    #[serde(deserialize_with = "string_or_number")]
    pub sms_sdk_app_id: String,
    /// The signature used when a message names none.
    #[serde(default)]
    pub sign_name: Option<String>,
    /// Where requests go; [`DEFAULT_BASE_URL`] unless set. Requests are signed for `/`
    /// whatever the path, so a path is only for a proxy that strips it.
    #[serde(default = "default_base_url")]
    pub base_url: String,
    /// The `X-TC-Region` header; [`DEFAULT_REGION`] unless set.
    #[serde(default = "default_region")]
    pub region: String,
    /// Timeout of one request, connect included, in milliseconds (default 5000).
    #[serde(default = "default_timeout_ms")]
    pub timeout_ms: u64,
}

/// The app id is digits, so a configuration source that parses values (environment
/// variables) hands it over as a number.
fn string_or_number<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Id {
        Text(String),
        Number(u64),
    }
    Ok(match Id::deserialize(d)? {
        Id::Text(text) => text,
        Id::Number(n) => n.to_string(),
    })
}

fn default_base_url() -> String {
    DEFAULT_BASE_URL.to_owned()
}

fn default_region() -> String {
    DEFAULT_REGION.to_owned()
}

fn default_timeout_ms() -> u64 {
    DEFAULT_TIMEOUT_MS
}

impl TencentConfig {
    /// A configuration for the production endpoint in [`DEFAULT_REGION`] with a 5 s timeout
    /// and no default signature.
    #[must_use]
    pub fn new(
        secret_id: impl Into<String>,
        secret_key: Secret,
        sms_sdk_app_id: impl Into<String>,
    ) -> Self {
        Self {
            secret_id: secret_id.into(),
            secret_key,
            sms_sdk_app_id: sms_sdk_app_id.into(),
            sign_name: None,
            base_url: default_base_url(),
            region: default_region(),
            timeout_ms: DEFAULT_TIMEOUT_MS,
        }
    }

    /// The same configuration aimed at another endpoint (a mock server, a proxy).
    #[must_use]
    pub fn with_base_url(mut self, base_url: impl Into<String>) -> Self {
        self.base_url = base_url.into();
        self
    }

    /// The same configuration with a default signature.
    #[must_use]
    pub fn with_sign_name(mut self, sign_name: impl Into<String>) -> Self {
        self.sign_name = Some(sign_name.into());
        self
    }

    /// The same configuration in another region.
    #[must_use]
    pub fn with_region(mut self, region: impl Into<String>) -> Self {
        self.region = region.into();
        self
    }

    /// The same configuration with another per-request timeout (whole milliseconds).
    #[must_use]
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout_ms = u64::try_from(timeout.as_millis()).unwrap_or(u64::MAX);
        self
    }

    /// The per-request timeout.
    #[must_use]
    pub fn timeout(&self) -> Duration {
        Duration::from_millis(self.timeout_ms)
    }
}

/// Tencent Cloud SMS behind [`SmsProvider`].
///
/// Each send is one signed `SendSms` request for one number: `PhoneNumberSet` (the number in
/// E.164, `+86…` for the mainland), `SmsSdkAppId`, `SignName`, `TemplateId` (the message's
/// `template_code`), `TemplateParamSet` (the params' values, in order) and `SessionContext`
/// (the message's dedup key).
///
/// # Errors (of [`SmsProvider::send`])
/// Success is no `Response.Error` and `SendStatusSet[0].Code` `Ok`, with `SerialNo` as the
/// receipt id. Otherwise, see the module documentation: `LimitExceeded.*` flow control is
/// [`SmsError::Throttled`] (the 30-second and one-hour per-number limits with their window as
/// `retry_after`); `InternalError.*`, 5xx, timeouts and connection failures are
/// [`SmsError::Retryable`]; unapproved templates and signatures, bad numbers, authentication
/// failures and an exhausted package are [`SmsError::Rejected`], as is a phone number that is
/// not E.164 or 11-digit mainland, before any request.
#[derive(Clone)]
pub struct TencentSms {
    client: reqwest::Client,
    url: Url,
    host: String,
    secret_id: String,
    secret_key: Secret,
    sms_sdk_app_id: String,
    sign_name: Option<String>,
    region: String,
}

impl fmt::Debug for TencentSms {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TencentSms")
            .field("url", &self.url.as_str())
            .field("secret_id", &self.secret_id)
            .field("sms_sdk_app_id", &self.sms_sdk_app_id)
            .field("region", &self.region)
            .finish_non_exhaustive()
    }
}

/// The `SendSms` request body.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct SendSms<'a> {
    phone_number_set: [String; 1],
    sms_sdk_app_id: &'a str,
    sign_name: &'a str,
    template_id: &'a str,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    template_param_set: Vec<&'a str>,
    #[serde(skip_serializing_if = "str::is_empty")]
    session_context: &'a str,
}

/// `{"Response": {...}}`, the envelope of every API 3.0 answer.
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Envelope {
    response: Answer,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Answer {
    #[serde(default)]
    error: Option<ApiError>,
    #[serde(default)]
    send_status_set: Vec<SendStatus>,
    #[serde(default)]
    request_id: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ApiError {
    code: String,
    #[serde(default)]
    message: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct SendStatus {
    code: String,
    #[serde(default)]
    message: String,
    #[serde(default)]
    serial_no: Option<String>,
}

impl TencentSms {
    /// A client for `config`.
    ///
    /// # Errors
    /// [`ConfigError::InvalidBaseUrl`] if `base_url` is not an absolute http(s) URL;
    /// [`ConfigError::HttpClient`] if the HTTP client cannot be built.
    pub fn new(config: TencentConfig) -> Result<Self, ConfigError> {
        let url = http::base_url(&config.base_url)?;
        let client = http::client(config.timeout())?;
        Ok(Self {
            client,
            host: http::host_header(&url),
            url,
            secret_id: config.secret_id,
            secret_key: config.secret_key,
            sms_sdk_app_id: config.sms_sdk_app_id,
            sign_name: config.sign_name.filter(|s| !s.is_empty()),
            region: config.region,
        })
    }

    async fn send_once(&self, msg: &SmsMessage) -> Result<SmsReceipt, SmsError> {
        let phone = Phone::parse(&msg.phone).ok_or_else(|| {
            SmsError::rejected(
                PROVIDER,
                SmsError::INVALID_PHONE,
                "the phone number is neither E.164 nor an 11-digit mainland number",
            )
        })?;
        let sign_name = if msg.sign_name.is_empty() {
            self.sign_name.as_deref().ok_or_else(|| {
                SmsError::rejected(
                    PROVIDER,
                    SmsError::MISSING_SIGN_NAME,
                    "the message names no signature and no default is configured",
                )
            })?
        } else {
            &msg.sign_name
        };
        let body = SendSms {
            phone_number_set: [phone.e164()],
            sms_sdk_app_id: &self.sms_sdk_app_id,
            sign_name,
            template_id: &msg.template_code,
            template_param_set: msg.params.iter().map(|(_, value)| value.as_str()).collect(),
            session_context: &msg.dedup_key,
        };
        let payload = serde_json::to_vec(&body)
            .map_err(|e| SmsError::rejected(PROVIDER, "serialize", format!("request body: {e}")))?;
        let now = Utc::now();
        let authorization = authorization(&Tc3Request {
            secret_id: &self.secret_id,
            secret_key: self.secret_key.expose(),
            service: SERVICE,
            host: &self.host,
            content_type: JSON_CONTENT_TYPE,
            timestamp: now,
            payload: &payload,
        });
        let request = self
            .client
            .post(self.url.clone())
            .header(AUTHORIZATION, authorization)
            .header(CONTENT_TYPE, JSON_CONTENT_TYPE)
            .header("X-TC-Action", "SendSms")
            .header("X-TC-Version", API_VERSION)
            .header("X-TC-Timestamp", now.timestamp().to_string())
            .header("X-TC-Region", &self.region)
            .body(payload);
        let answer = http::send(PROVIDER, request).await?;
        read_answer(&answer)
    }
}

/// `Response.Error` first, then the number's status; the HTTP status only when the body is not
/// an API 3.0 answer.
fn read_answer(answer: &http::Answer) -> Result<SmsReceipt, SmsError> {
    let Ok(Envelope { response }) = serde_json::from_slice::<Envelope>(&answer.body) else {
        return Err(http::status_error(PROVIDER, answer));
    };
    let with_request_id = |message: String| match &response.request_id {
        Some(id) => format!("{message} (RequestId {id})"),
        None => message,
    };
    if let Some(error) = response.error {
        return Err(codes::classify(&error.code, with_request_id(error.message)));
    }
    let Some(status) = response.send_status_set.into_iter().next() else {
        return Err(http::status_error(PROVIDER, answer));
    };
    if status.code == "Ok" {
        Ok(SmsReceipt {
            provider_message_id: status.serial_no.filter(|id| !id.is_empty()),
        })
    } else {
        Err(codes::classify(
            &status.code,
            with_request_id(status.message),
        ))
    }
}

#[async_trait]
impl SmsProvider for TencentSms {
    async fn send(&self, msg: &SmsMessage) -> Result<SmsReceipt, SmsError> {
        let started = Instant::now();
        let result = self.send_once(msg).await;
        http::log_outcome(PROVIDER, &msg.dedup_key, started, &result);
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(status: u16, body: &str) -> http::Answer {
        http::Answer {
            status: reqwest::StatusCode::from_u16(status).expect("status"),
            retry_after: None,
            body: body.as_bytes().to_vec(),
        }
    }

    #[test]
    fn ok_for_the_number_is_success_with_the_serial_number() {
        let receipt = read_answer(&answer(
            200,
            r#"{"Response":{"SendStatusSet":[{"SerialNo":"5000:1045710669157053657849499619",
               "PhoneNumber":"+8613800138000","Fee":1,"SessionContext":"evt-1","Code":"Ok",
               "Message":"send success","IsoCode":"CN"}],"RequestId":"a0aabda6"}}"#,
        ))
        .expect("sent");

        assert_eq!(
            receipt.provider_message_id.as_deref(),
            Some("5000:1045710669157053657849499619")
        );
    }

    #[test]
    fn the_request_error_wins_and_carries_the_request_id() {
        let err = read_answer(&answer(
            200,
            r#"{"Response":{"Error":{"Code":"AuthFailure.SignatureFailure",
               "Message":"The provided credentials could not be validated."},"RequestId":"r-9"}}"#,
        ))
        .expect_err("refused");

        assert_eq!(err.kind(), "rejected");
        assert_eq!(err.code(), "AuthFailure.SignatureFailure");
        assert!(err.message().ends_with("(RequestId r-9)"), "{err}");
    }

    #[test]
    fn an_answer_without_status_or_error_is_retryable() {
        let err =
            read_answer(&answer(200, r#"{"Response":{"RequestId":"r"}}"#)).expect_err("empty");

        assert_eq!(err.kind(), "retryable");
        assert_eq!(err.code(), "decode");
    }

    #[test]
    fn the_body_lists_params_in_order_and_leaves_out_what_is_empty() {
        let body = SendSms {
            phone_number_set: ["+8613800138000".to_owned()],
            sms_sdk_app_id: "1400006666",
            sign_name: "茶舍",
            template_id: "1110",
            template_param_set: vec!["120", "Nanshan"],
            session_context: "",
        };

        assert_eq!(
            serde_json::to_string(&body).expect("json"),
            r#"{"PhoneNumberSet":["+8613800138000"],"SmsSdkAppId":"1400006666","SignName":"茶舍","TemplateId":"1110","TemplateParamSet":["120","Nanshan"]}"#
        );
    }

    #[test]
    fn config_reads_with_defaults() {
        let config: TencentConfig = serde_json::from_str(
            r#"{ "secret_id": "AKID1", "secret_key": "s3cret", "sms_sdk_app_id": "1400006666" }"#,
        )
        .expect("config");

        assert_eq!(config.base_url, DEFAULT_BASE_URL);
        assert_eq!(config.region, DEFAULT_REGION);
        assert_eq!(config.timeout(), Duration::from_secs(5));
        assert!(!format!("{config:?}").contains("s3cret"));
    }
}
