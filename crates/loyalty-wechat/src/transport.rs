//! One WeChat request: send, read WeChat's `errcode` envelope, decode, retry while busy.
//!
//! WeChat usually answers HTTP 200 and signals failure with a non-zero `errcode` in the body,
//! so the envelope is read before the status. Log lines name the endpoint path, never the URL:
//! its query holds the app secret, the login code or the access token.

use std::time::Instant;

use reqwest::header::CONTENT_TYPE;
use reqwest::{StatusCode, Url};
use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::config::{BusyRetry, WeChatConfig};
use crate::error::{ConfigError, WeChatError};

/// The fields every WeChat answer may carry; absent `errcode` means success.
#[derive(Deserialize)]
struct Envelope {
    #[serde(default)]
    errcode: i64,
    #[serde(default)]
    errmsg: Option<String>,
}

/// The HTTP side of the client: a connection pool, the base URL and the busy-retry policy.
pub(crate) struct Http {
    client: reqwest::Client,
    base: Url,
    busy: BusyRetry,
}

impl Http {
    pub(crate) fn new(config: &WeChatConfig) -> Result<Self, ConfigError> {
        let base = Url::parse(&config.base_url).map_err(|_| ConfigError::InvalidBaseUrl)?;
        if base.cannot_be_a_base() || !matches!(base.scheme(), "http" | "https") {
            return Err(ConfigError::InvalidBaseUrl);
        }
        let client = reqwest::Client::builder()
            .timeout(config.timeout)
            .connect_timeout(config.timeout)
            .build()
            .map_err(|e| ConfigError::HttpClient(e.without_url()))?;
        Ok(Self {
            client,
            base,
            busy: config.busy_retry,
        })
    }

    /// `base` + `path` with `query` appended, keeping any path prefix of `base`.
    pub(crate) fn url(&self, path: &str, query: &[(&str, &str)]) -> Url {
        let mut url = self.base.clone();
        let joined = format!("{}{path}", self.base.path().trim_end_matches('/'));
        url.set_path(&joined);
        url.set_query(None);
        if !query.is_empty() {
            url.query_pairs_mut().extend_pairs(query);
        }
        url
    }

    /// Sends the request (a GET, or a JSON POST when `body` is given) and decodes the answer,
    /// sending it again while WeChat answers errcode -1, up to the configured attempts.
    ///
    /// # Errors
    /// [`WeChatError::Busy`] once attempts are used up; otherwise whatever one attempt gives.
    pub(crate) async fn call<T: DeserializeOwned>(
        &self,
        endpoint: &'static str,
        url: &Url,
        body: Option<&[u8]>,
    ) -> Result<T, WeChatError> {
        let max_attempts = self.busy.max_attempts.max(1);
        let mut attempt = 1;
        loop {
            match self.once(endpoint, url, body, attempt).await {
                Err(WeChatError::Busy { .. }) if attempt < max_attempts => {
                    tokio::time::sleep(self.busy.backoff * attempt).await;
                    attempt += 1;
                }
                Err(WeChatError::Busy { .. }) => {
                    return Err(WeChatError::Busy { attempts: attempt });
                }
                other => return other,
            }
        }
    }

    /// [`Self::call`] without sending again on a busy answer: for a request that may have
    /// taken effect although WeChat answered -1 (a subscribe message), so the caller decides.
    ///
    /// # Errors
    /// [`WeChatError::Busy`] (one attempt) on a busy answer; otherwise whatever the attempt
    /// gives.
    pub(crate) async fn call_once<T: DeserializeOwned>(
        &self,
        endpoint: &'static str,
        url: &Url,
        body: Option<&[u8]>,
    ) -> Result<T, WeChatError> {
        match self.once(endpoint, url, body, 1).await {
            Err(WeChatError::Busy { .. }) => Err(WeChatError::Busy { attempts: 1 }),
            other => other,
        }
    }

    async fn once<T: DeserializeOwned>(
        &self,
        endpoint: &'static str,
        url: &Url,
        body: Option<&[u8]>,
        attempt: u32,
    ) -> Result<T, WeChatError> {
        let started = Instant::now();
        let request = match body {
            Some(json) => self
                .client
                .post(url.clone())
                .header(CONTENT_TYPE, "application/json")
                .body(json.to_vec()),
            None => self.client.get(url.clone()),
        };
        let result = match request.send().await {
            Ok(response) => {
                let status = response.status();
                let status_error = response.error_for_status_ref().err();
                match response.bytes().await {
                    Ok(bytes) => decode(endpoint, status, status_error, &bytes),
                    Err(e) => Err(WeChatError::transport(e)),
                }
            }
            Err(e) => Err(WeChatError::transport(e)),
        };
        let (outcome, errcode) = match &result {
            Ok(_) => ("ok", 0),
            Err(e) => (e.code(), e.errcode().unwrap_or(0)),
        };
        tracing::debug!(
            endpoint,
            attempt,
            errcode,
            outcome,
            elapsed_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
            "wechat call"
        );
        result
    }
}

/// Reads the envelope first: a non-zero `errcode` wins over the HTTP status.
fn decode<T: DeserializeOwned>(
    endpoint: &'static str,
    status: StatusCode,
    status_error: Option<reqwest::Error>,
    bytes: &[u8],
) -> Result<T, WeChatError> {
    match serde_json::from_slice::<Envelope>(bytes) {
        Ok(envelope) if envelope.errcode != 0 => Err(WeChatError::from_errcode(
            envelope.errcode,
            envelope.errmsg.unwrap_or_default(),
        )),
        _ if !status.is_success() => Err(status_error.map_or_else(
            || WeChatError::Decode {
                endpoint,
                reason: format!("HTTP status {status}"),
            },
            WeChatError::transport,
        )),
        Ok(_) => serde_json::from_slice(bytes).map_err(|e| WeChatError::decode(endpoint, &e)),
        Err(e) => Err(WeChatError::decode(endpoint, &e)),
    }
}
