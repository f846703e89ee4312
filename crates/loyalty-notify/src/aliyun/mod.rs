//! Aliyun SMS (`dysmsapi`, API version 2017-05-25): the `SendSms` call, RPC style.
//!
//! Requests are `POST`ed as a form to the base URL and signed with the RPC signature
//! ([`rpc_signature`]); the answer is JSON (`Format=JSON`). Aliyun answers business errors with
//! HTTP 200 and gateway errors (bad signature, unknown key) with 4xx, both with a `Code` in the
//! body, so the body's `Code` is read before the HTTP status. Codes are classified so:
//!
//! | class | codes |
//! |---|---|
//! | throttled | `isv.BUSINESS_LIMIT_CONTROL` (per-phone minute / hour / day limits), `isv.DAY_LIMIT_CONTROL` (the account's daily quota), `Throttling` and `Throttling.*` (API call rate) |
//! | retryable | `isp.*` except `isp.RAM_PERMISSION_DENY` (`isp.SYSTEM_ERROR`, `isp.GATEWAY_ERROR`, `isp.UNKNOWN`: Aliyun's side failed), `InternalError`, `ServiceUnavailable`, `SignatureNonceUsed` (a nonce clash; the next request has a new nonce), and any unknown code answered with HTTP 5xx |
//! | rejected | everything else, notably `isv.MOBILE_NUMBER_ILLEGAL`, `isv.SMS_TEMPLATE_ILLEGAL`, `isv.SMS_SIGNATURE_ILLEGAL`, `isv.TEMPLATE_MISSING_PARAMETERS`, `isv.INVALID_JSON_PARAM`, `isv.AMOUNT_NOT_ENOUGH`, `isv.OUT_OF_SERVICE`, `isv.BLACK_KEY_CONTROL_LIMIT`, `isp.RAM_PERMISSION_DENY` (the RAM user lacks `dysms` permission: a configuration fix), `InvalidAccessKeyId.NotFound`, `SignatureDoesNotMatch`, `InvalidTimeStamp.Expired` (the host clock is off: retrying with it does not help) |
//!
//! An unknown code answered with a status below 500 is rejected: Aliyun answered, and a message
//! it refused for a reason this table does not know is better looked at than retried blindly.

mod codes;
mod signature;

use std::fmt;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use reqwest::Url;
use reqwest::header::CONTENT_TYPE;
use serde::Deserialize;

pub use signature::{canonicalized_query, percent_encode, rpc_signature, string_to_sign};

use crate::Secret;
use crate::error::{ConfigError, SmsError};
use crate::http;
use crate::message::{SmsMessage, SmsProvider, SmsReceipt};
use crate::phone::Phone;

/// The name errors and logs give this provider.
pub const PROVIDER: &str = "aliyun";
/// The production endpoint. Tests point [`AliyunConfig::base_url`] at a mock server instead.
pub const DEFAULT_BASE_URL: &str = "https://dysmsapi.aliyuncs.com/";
/// The region signed into every request; SMS is served from `cn-hangzhou` whatever the caller's
/// region.
pub const DEFAULT_REGION: &str = "cn-hangzhou";
/// The API version this client speaks.
pub const API_VERSION: &str = "2017-05-25";
/// The HTTP method requests are sent (and signed) with.
pub const HTTP_METHOD: &str = "POST";

const DEFAULT_TIMEOUT_MS: u64 = 5_000;

/// Everything [`AliyunSms`] needs, as read from configuration.
///
/// ```toml
/// access_key_id = "LTAI…"
/// access_key_secret = "…"
/// sign_name = "茶舍会员"       # optional default signature
/// # base_url = "https://dysmsapi.aliyuncs.com/"
/// # region = "cn-hangzhou"
/// # timeout_ms = 5000
/// ```
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AliyunConfig {
    /// The AccessKey ID (`LTAI…`) of a RAM user allowed to call `dysms:SendSms`.
    pub access_key_id: String,
    /// The AccessKey secret; never logged.
    pub access_key_secret: Secret,
    /// The signature used when a message names none.
    #[serde(default)]
    pub sign_name: Option<String>,
    /// Where requests go; [`DEFAULT_BASE_URL`] unless set. A path is kept (for a proxy).
    #[serde(default = "default_base_url")]
    pub base_url: String,
    /// The `RegionId` parameter; [`DEFAULT_REGION`] unless set.
    #[serde(default = "default_region")]
    pub region: String,
    /// Timeout of one request, connect included, in milliseconds (default 5000).
    #[serde(default = "default_timeout_ms")]
    pub timeout_ms: u64,
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

impl AliyunConfig {
    /// A configuration for the production endpoint with a 5 s timeout and no default
    /// signature.
    #[must_use]
    pub fn new(access_key_id: impl Into<String>, access_key_secret: Secret) -> Self {
        Self {
            access_key_id: access_key_id.into(),
            access_key_secret,
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

/// Aliyun SMS behind [`SmsProvider`].
///
/// Each send is one signed `SendSms` request: `PhoneNumbers` (the 11 digits for mainland
/// numbers, country code and number otherwise), `SignName`, `TemplateCode`, `TemplateParam`
/// (the message's params as one JSON object of strings, left out when there are none) and
/// `OutId` (the message's dedup key), with a fresh `SignatureNonce` and the current time.
///
/// # Errors (of [`SmsProvider::send`])
/// `Code` `OK` is success, with `BizId` as the receipt id. Otherwise, see the module
/// documentation: flow control is [`SmsError::Throttled`] (the per-minute and per-hour
/// limits with their window as `retry_after`); `isp.*` errors, 5xx, timeouts and connection
/// failures are [`SmsError::Retryable`]; bad numbers, unapproved templates and signatures,
/// credential problems and an exhausted balance are [`SmsError::Rejected`], as is a phone
/// number that is not E.164 or 11-digit mainland, before any request.
#[derive(Clone)]
pub struct AliyunSms {
    client: reqwest::Client,
    url: Url,
    access_key_id: String,
    access_key_secret: Secret,
    sign_name: Option<String>,
    region: String,
}

impl fmt::Debug for AliyunSms {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AliyunSms")
            .field("url", &self.url.as_str())
            .field("access_key_id", &self.access_key_id)
            .field("region", &self.region)
            .finish_non_exhaustive()
    }
}

/// The fields of a `SendSms` answer this client reads.
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Answer {
    code: String,
    #[serde(default)]
    message: Option<String>,
    #[serde(default)]
    biz_id: Option<String>,
    #[serde(default)]
    request_id: Option<String>,
}

impl AliyunSms {
    /// A client for `config`.
    ///
    /// # Errors
    /// [`ConfigError::InvalidBaseUrl`] if `base_url` is not an absolute http(s) URL;
    /// [`ConfigError::HttpClient`] if the HTTP client cannot be built.
    pub fn new(config: AliyunConfig) -> Result<Self, ConfigError> {
        let url = http::base_url(&config.base_url)?;
        let client = http::client(config.timeout())?;
        Ok(Self {
            client,
            url,
            access_key_id: config.access_key_id,
            access_key_secret: config.access_key_secret,
            sign_name: config.sign_name.filter(|s| !s.is_empty()),
            region: config.region,
        })
    }

    /// The signed form parameters of one `SendSms` request, `Signature` last.
    fn form(
        &self,
        phone: &Phone,
        sign_name: &str,
        msg: &SmsMessage,
        now: DateTime<Utc>,
        nonce: &str,
    ) -> Vec<(&'static str, String)> {
        let mut params: Vec<(&'static str, String)> = vec![
            ("AccessKeyId", self.access_key_id.clone()),
            ("Action", "SendSms".to_owned()),
            ("Format", "JSON".to_owned()),
            ("RegionId", self.region.clone()),
            ("SignatureMethod", "HMAC-SHA1".to_owned()),
            ("SignatureNonce", nonce.to_owned()),
            ("SignatureVersion", "1.0".to_owned()),
            ("Timestamp", now.format("%Y-%m-%dT%H:%M:%SZ").to_string()),
            ("Version", API_VERSION.to_owned()),
            ("PhoneNumbers", phone.aliyun().to_owned()),
            ("SignName", sign_name.to_owned()),
            ("TemplateCode", msg.template_code.clone()),
        ];
        if !msg.params.is_empty() {
            params.push(("TemplateParam", template_param(&msg.params)));
        }
        if !msg.dedup_key.is_empty() {
            params.push(("OutId", msg.dedup_key.clone()));
        }
        let borrowed: Vec<(&str, &str)> = params.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let signature = rpc_signature(HTTP_METHOD, &borrowed, self.access_key_secret.expose());
        params.push(("Signature", signature));
        params
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
        let nonce = uuid::Uuid::now_v7().to_string();
        let form = self.form(&phone, sign_name, msg, Utc::now(), &nonce);
        let body = form
            .iter()
            .map(|(k, v)| format!("{}={}", percent_encode(k), percent_encode(v)))
            .collect::<Vec<_>>()
            .join("&");
        let request = self
            .client
            .post(self.url.clone())
            .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(body);
        let answer = http::send(PROVIDER, request).await?;
        read_answer(&answer)
    }
}

/// The message's params as the `TemplateParam` JSON object (all values strings, as Aliyun
/// requires).
fn template_param(params: &[(String, String)]) -> String {
    let object: serde_json::Map<String, serde_json::Value> = params
        .iter()
        .map(|(name, value)| (name.clone(), serde_json::Value::String(value.clone())))
        .collect();
    serde_json::Value::Object(object).to_string()
}

/// `Code` first, whatever the status; the status only when there is no `Code`.
fn read_answer(answer: &http::Answer) -> Result<SmsReceipt, SmsError> {
    let Ok(wire) = serde_json::from_slice::<Answer>(&answer.body) else {
        return Err(http::status_error(PROVIDER, answer));
    };
    if wire.code == "OK" {
        return Ok(SmsReceipt {
            provider_message_id: wire.biz_id.filter(|id| !id.is_empty()),
        });
    }
    let mut message = wire.message.unwrap_or_default();
    if let Some(request_id) = wire.request_id {
        message = format!("{message} (RequestId {request_id})");
    }
    Err(codes::classify(
        &wire.code,
        message,
        answer.status,
        answer.retry_after,
    ))
}

#[async_trait]
impl SmsProvider for AliyunSms {
    async fn send(&self, msg: &SmsMessage) -> Result<SmsReceipt, SmsError> {
        let started = Instant::now();
        let result = self.send_once(msg).await;
        http::log_outcome(PROVIDER, &msg.dedup_key, started, &result);
        result
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn client() -> AliyunSms {
        AliyunSms::new(AliyunConfig::new("testid", Secret::new("testsecret"))).expect("client")
    }

    fn answer(status: u16, body: &str) -> http::Answer {
        http::Answer {
            status: reqwest::StatusCode::from_u16(status).expect("status"),
            retry_after: None,
            body: body.as_bytes().to_vec(),
        }
    }

    #[test]
    fn the_form_carries_the_send_sms_parameters_and_a_signature_over_them() {
        let msg = SmsMessage::new("+8613800138000", "SMS_153055065", "evt-42")
            .sign_name("茶舍")
            .param("points", "120")
            .param("store", "Nanshan");
        let now = Utc
            .with_ymd_and_hms(2026, 3, 1, 8, 30, 5)
            .single()
            .expect("time");
        let phone = Phone::parse(&msg.phone).expect("phone");

        let form = client().form(&phone, "茶舍", &msg, now, "nonce-1");
        let get = |name: &str| {
            form.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.as_str())
        };

        assert_eq!(get("Action"), Some("SendSms"));
        assert_eq!(get("Version"), Some("2017-05-25"));
        assert_eq!(get("RegionId"), Some("cn-hangzhou"));
        assert_eq!(get("Timestamp"), Some("2026-03-01T08:30:05Z"));
        assert_eq!(get("PhoneNumbers"), Some("13800138000"));
        assert_eq!(get("OutId"), Some("evt-42"));
        assert_eq!(
            get("TemplateParam"),
            Some(r#"{"points":"120","store":"Nanshan"}"#)
        );
        let unsigned: Vec<(&str, &str)> = form
            .iter()
            .filter(|(k, _)| *k != "Signature")
            .map(|(k, v)| (*k, v.as_str()))
            .collect();
        assert_eq!(
            get("Signature"),
            Some(rpc_signature("POST", &unsigned, "testsecret").as_str())
        );
    }

    #[test]
    fn a_message_without_params_or_dedup_key_sends_neither() {
        let msg = SmsMessage::new("13800138000", "SMS_1", "");
        let phone = Phone::parse(&msg.phone).expect("phone");

        let form = client().form(&phone, "茶舍", &msg, Utc::now(), "n");

        assert!(
            !form
                .iter()
                .any(|(k, _)| *k == "TemplateParam" || *k == "OutId")
        );
    }

    #[test]
    fn ok_is_success_with_the_biz_id() {
        let receipt = read_answer(&answer(
            200,
            r#"{"Code":"OK","Message":"OK","BizId":"9006197469364984400","RequestId":"F655A8D5"}"#,
        ))
        .expect("sent");

        assert_eq!(
            receipt.provider_message_id.as_deref(),
            Some("9006197469364984400")
        );
    }

    #[test]
    fn a_code_in_a_4xx_body_wins_over_the_status() {
        let err = read_answer(&answer(
            400,
            r#"{"Code":"SignatureDoesNotMatch","Message":"Specified signature is not matched with our calculation.","RequestId":"R1"}"#,
        ))
        .expect_err("refused");

        assert_eq!(err.kind(), "rejected");
        assert_eq!(err.code(), "SignatureDoesNotMatch");
        assert!(err.message().contains("(RequestId R1)"), "{err}");
    }

    #[test]
    fn a_body_without_a_code_falls_back_to_the_status() {
        assert_eq!(
            read_answer(&answer(502, "<html>bad gateway</html>"))
                .expect_err("502")
                .code(),
            "http_502"
        );
        assert_eq!(
            read_answer(&answer(200, "{}")).expect_err("no code").code(),
            "decode"
        );
    }

    #[test]
    fn config_reads_with_defaults() {
        let config: AliyunConfig = serde_json::from_str(
            r#"{ "access_key_id": "LTAI-id", "access_key_secret": "s3cret" }"#,
        )
        .expect("config");

        assert_eq!(config.base_url, DEFAULT_BASE_URL);
        assert_eq!(config.region, DEFAULT_REGION);
        assert_eq!(config.timeout(), Duration::from_secs(5));
        assert_eq!(config.sign_name, None);
        assert!(!format!("{config:?}").contains("s3cret"));
    }
}
