//! [`SmsError`]: every failure of a send, classified for the dispatcher.
//!
//! No variant carries a URL, a request body or a credential. Codes are the provider's own when
//! the provider sent one (`isv.BUSINESS_LIMIT_CONTROL`, `LimitExceeded.PhoneNumberDailyLimit`);
//! failures the provider did not name get one of the lowercase codes defined on [`SmsError`].

use std::time::Duration;

/// Why an SMS was not accepted, and what the dispatcher should do about it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SmsError {
    /// The same message may go through if sent again later: HTTP 5xx or 408, a timeout, a
    /// connection error, an answer that could not be read, or the provider's internal error
    /// ("system busy"). After a timeout the message may already have been delivered.
    #[error("{provider}: temporary failure {code}: {message}")]
    Retryable {
        /// `"aliyun"`, `"tencent"` or `"log"`.
        provider: &'static str,
        /// The provider's code, or one of this crate's (e.g. [`SmsError::TIMEOUT`]).
        code: String,
        /// The provider's message, or a description without URL or body.
        message: String,
    },
    /// The provider's flow control refused the message (per phone, per template, per account,
    /// or HTTP 429). Send it again no earlier than `retry_after`, when known.
    #[error("{provider}: throttled {code}: {message}")]
    Throttled {
        /// `"aliyun"`, `"tencent"` or `"log"`.
        provider: &'static str,
        /// The provider's code, or `http_429`.
        code: String,
        /// The provider's message.
        message: String,
        /// How long the limit holds, when the code or a `Retry-After` header says; `None` for
        /// daily limits and unknown windows.
        retry_after: Option<Duration>,
    },
    /// Sending the same message again cannot succeed: a bad phone number, an unapproved
    /// template or signature, missing template variables, a credential or permission problem,
    /// an exhausted balance, or a code this crate does not know.
    #[error("{provider}: rejected {code}: {message}")]
    Rejected {
        /// `"aliyun"`, `"tencent"` or `"log"`.
        provider: &'static str,
        /// The provider's code, or one of this crate's (e.g. [`SmsError::INVALID_PHONE`]).
        code: String,
        /// The provider's message, or a description.
        message: String,
    },
}

impl SmsError {
    /// Code of a request that did not complete within the configured timeout.
    pub const TIMEOUT: &'static str = "timeout";
    /// Code of a request that could not connect (DNS, refused, TLS).
    pub const CONNECT: &'static str = "connect";
    /// Code of any other transport failure.
    pub const TRANSPORT: &'static str = "transport";
    /// Code of a successful HTTP answer whose body was not the provider's format.
    pub const DECODE: &'static str = "decode";
    /// Code of a phone number that is neither E.164 nor an 11-digit mainland number.
    pub const INVALID_PHONE: &'static str = "invalid_phone";
    /// Code of a message without a signature when no default is configured.
    pub const MISSING_SIGN_NAME: &'static str = "missing_sign_name";

    pub(crate) fn retryable(
        provider: &'static str,
        code: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Self::Retryable {
            provider,
            code: code.into(),
            message: message.into(),
        }
    }

    pub(crate) fn throttled(
        provider: &'static str,
        code: impl Into<String>,
        message: impl Into<String>,
        retry_after: Option<Duration>,
    ) -> Self {
        Self::Throttled {
            provider,
            code: code.into(),
            message: message.into(),
            retry_after,
        }
    }

    pub(crate) fn rejected(
        provider: &'static str,
        code: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Self::Rejected {
            provider,
            code: code.into(),
            message: message.into(),
        }
    }

    /// The provider that failed.
    #[must_use]
    pub fn provider(&self) -> &'static str {
        match self {
            Self::Retryable { provider, .. }
            | Self::Throttled { provider, .. }
            | Self::Rejected { provider, .. } => provider,
        }
    }

    /// The provider's code, or one of this crate's.
    #[must_use]
    pub fn code(&self) -> &str {
        match self {
            Self::Retryable { code, .. }
            | Self::Throttled { code, .. }
            | Self::Rejected { code, .. } => code,
        }
    }

    /// The provider's message, or a description.
    #[must_use]
    pub fn message(&self) -> &str {
        match self {
            Self::Retryable { message, .. }
            | Self::Throttled { message, .. }
            | Self::Rejected { message, .. } => message,
        }
    }

    /// `"retryable"`, `"throttled"` or `"rejected"`, for logs and metrics.
    #[must_use]
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Retryable { .. } => "retryable",
            Self::Throttled { .. } => "throttled",
            Self::Rejected { .. } => "rejected",
        }
    }

    /// Whether sending the same message again later may succeed (retryable or throttled). A
    /// dispatcher retrying must still bound its retries.
    #[must_use]
    pub fn is_retryable(&self) -> bool {
        !matches!(self, Self::Rejected { .. })
    }

    /// How long a throttled message should wait, when known.
    #[must_use]
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Self::Throttled { retry_after, .. } => *retry_after,
            Self::Retryable { .. } | Self::Rejected { .. } => None,
        }
    }
}

/// Why a provider client could not be built.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// `base_url` is not an absolute `http` or `https` URL.
    #[error("base_url must be an absolute http(s) URL")]
    InvalidBaseUrl,
    /// The HTTP client could not be set up (e.g. no TLS backend).
    #[error("cannot build the HTTP client: {0}")]
    HttpClient(#[source] reqwest::Error),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_rejected_errors_are_final() {
        let retryable = SmsError::retryable("aliyun", "isp.SYSTEM_ERROR", "busy");
        let throttled = SmsError::throttled(
            "tencent",
            "LimitExceeded.PhoneNumberThirtySecondLimit",
            "slow down",
            Some(Duration::from_secs(30)),
        );
        let rejected = SmsError::rejected("aliyun", "isv.MOBILE_NUMBER_ILLEGAL", "bad phone");

        assert!(retryable.is_retryable());
        assert!(throttled.is_retryable());
        assert!(!rejected.is_retryable());
        assert_eq!(throttled.retry_after(), Some(Duration::from_secs(30)));
        assert_eq!(retryable.retry_after(), None);
        assert_eq!(
            [retryable.kind(), throttled.kind(), rejected.kind()],
            ["retryable", "throttled", "rejected"]
        );
    }

    #[test]
    fn display_names_provider_code_and_message() {
        let err = SmsError::rejected("aliyun", "isv.MOBILE_NUMBER_ILLEGAL", "invalid mobile");

        assert_eq!(
            err.to_string(),
            "aliyun: rejected isv.MOBILE_NUMBER_ILLEGAL: invalid mobile"
        );
        assert_eq!(err.provider(), "aliyun");
        assert_eq!(err.code(), "isv.MOBILE_NUMBER_ILLEGAL");
        assert_eq!(err.message(), "invalid mobile");
    }
}
