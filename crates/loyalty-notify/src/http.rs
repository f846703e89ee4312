//! The HTTP side shared by the provider clients: building the client, sending one request,
//! classifying what the provider's body does not explain, and the one log line per request.

use std::time::{Duration, Instant};

use reqwest::header::{HeaderMap, RETRY_AFTER};
use reqwest::{StatusCode, Url};

use crate::error::{ConfigError, SmsError};

/// An HTTP answer, read to the end.
pub(crate) struct Answer {
    pub(crate) status: StatusCode,
    /// `Retry-After` in seconds, when the provider sent one.
    pub(crate) retry_after: Option<Duration>,
    pub(crate) body: Vec<u8>,
}

/// A connection pool whose every request, connect included, ends after `timeout`.
pub(crate) fn client(timeout: Duration) -> Result<reqwest::Client, ConfigError> {
    reqwest::Client::builder()
        .timeout(timeout)
        .connect_timeout(timeout)
        .build()
        .map_err(|e| ConfigError::HttpClient(e.without_url()))
}

/// `base_url` if it is an absolute http(s) URL.
pub(crate) fn base_url(base_url: &str) -> Result<Url, ConfigError> {
    let url = Url::parse(base_url).map_err(|_| ConfigError::InvalidBaseUrl)?;
    if url.cannot_be_a_base() || !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        return Err(ConfigError::InvalidBaseUrl);
    }
    Ok(url)
}

/// The `Host` header reqwest sends for `url`: the host, and the port unless it is the scheme's
/// default.
pub(crate) fn host_header(url: &Url) -> String {
    let host = url.host_str().unwrap_or_default();
    match url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_owned(),
    }
}

/// Sends the request and reads the whole answer, whatever its status.
///
/// # Errors
/// [`SmsError::Retryable`] with code [`SmsError::TIMEOUT`], [`SmsError::CONNECT`] or
/// [`SmsError::TRANSPORT`] when no complete answer arrived.
pub(crate) async fn send(
    provider: &'static str,
    request: reqwest::RequestBuilder,
) -> Result<Answer, SmsError> {
    let response = request.send().await.map_err(|e| transport(provider, e))?;
    let status = response.status();
    let retry_after = retry_after(response.headers());
    let body = response.bytes().await.map_err(|e| transport(provider, e))?;
    Ok(Answer {
        status,
        retry_after,
        body: body.to_vec(),
    })
}

/// A failure that left no answer to read. Its message has the URL stripped.
fn transport(provider: &'static str, err: reqwest::Error) -> SmsError {
    let err = err.without_url();
    let code = if err.is_timeout() {
        SmsError::TIMEOUT
    } else if err.is_connect() {
        SmsError::CONNECT
    } else {
        SmsError::TRANSPORT
    };
    let mut message = err.to_string();
    let mut source = std::error::Error::source(&err);
    while let Some(cause) = source {
        message.push_str(": ");
        message.push_str(&cause.to_string());
        source = cause.source();
    }
    SmsError::retryable(provider, code, message)
}

/// The class of an answer whose body named no provider code: 429 is throttled, 408 and 5xx
/// are retryable, a 2xx the provider's format did not fit is retryable (the message may or may
/// not have been accepted), any other status is rejected (a wrong URL, a proxy refusing).
pub(crate) fn status_error(provider: &'static str, answer: &Answer) -> SmsError {
    let status = answer.status;
    let code = format!("http_{}", status.as_u16());
    let message = format!("HTTP status {status} without a {provider} error body");
    if status == StatusCode::TOO_MANY_REQUESTS {
        SmsError::throttled(provider, code, message, answer.retry_after)
    } else if status.is_server_error() || status == StatusCode::REQUEST_TIMEOUT {
        SmsError::retryable(provider, code, message)
    } else if status.is_success() {
        SmsError::retryable(
            provider,
            SmsError::DECODE,
            format!("HTTP status {status} with a body that is not a {provider} answer"),
        )
    } else {
        SmsError::rejected(provider, code, message)
    }
}

/// `Retry-After` given in seconds; the HTTP-date form is ignored.
fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?;
    value.trim().parse::<u64>().ok().map(Duration::from_secs)
}

/// The one `debug` line per request: provider, event id, outcome, code and time taken. No
/// phone number, no parameter, no credential.
pub(crate) fn log_outcome<T>(
    provider: &'static str,
    dedup_key: &str,
    started: Instant,
    result: &Result<T, SmsError>,
) {
    let (outcome, code) = match result {
        Ok(_) => ("sent", ""),
        Err(e) => (e.kind(), e.code()),
    };
    tracing::debug!(
        target: "loyalty::sms",
        provider,
        dedup_key,
        outcome,
        code,
        elapsed_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
        "sms send"
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(status: u16) -> Answer {
        Answer {
            status: StatusCode::from_u16(status).expect("status"),
            retry_after: Some(Duration::from_secs(3)),
            body: Vec::new(),
        }
    }

    #[test]
    fn statuses_without_a_provider_body_are_classified_by_status() {
        for (status, kind, code) in [
            (429, "throttled", "http_429"),
            (500, "retryable", "http_500"),
            (503, "retryable", "http_503"),
            (408, "retryable", "http_408"),
            (200, "retryable", "decode"),
            (404, "rejected", "http_404"),
            (403, "rejected", "http_403"),
        ] {
            let err = status_error("aliyun", &answer(status));

            assert_eq!(err.kind(), kind, "{status}");
            assert_eq!(err.code(), code, "{status}");
        }
        assert_eq!(
            status_error("aliyun", &answer(429)).retry_after(),
            Some(Duration::from_secs(3))
        );
    }

    #[test]
    fn only_absolute_http_urls_are_base_urls() {
        assert!(base_url("https://dysmsapi.aliyuncs.com/").is_ok());
        assert!(base_url("http://127.0.0.1:8080").is_ok());
        for bad in ["", "dysmsapi.aliyuncs.com", "ftp://x/", "mailto:a@b.c"] {
            assert!(base_url(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_host_header_has_a_port_only_when_it_is_not_the_default() {
        let default = Url::parse("https://sms.tencentcloudapi.com/").expect("url");
        let explicit = Url::parse("http://127.0.0.1:4321/").expect("url");

        assert_eq!(host_header(&default), "sms.tencentcloudapi.com");
        assert_eq!(host_header(&explicit), "127.0.0.1:4321");
    }
}
