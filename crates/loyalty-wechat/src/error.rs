//! The one error type of the client, with a stable machine code per variant.
//!
//! No variant carries a URL, a request parameter or a response body: the URLs of this API hold
//! the app secret, the login code or the access token, and bodies may hold a session key.

/// errcode: system busy, try again later.
pub(crate) const BUSY: i64 = -1;
/// errcode: the access token is invalid (or, at the token endpoint, the AppSecret is wrong).
pub(crate) const TOKEN_INVALID: i64 = 40001;
/// errcode: the access token was replaced by a newer one.
pub(crate) const TOKEN_NOT_LATEST: i64 = 40014;
/// errcode: the access token expired.
pub(crate) const TOKEN_EXPIRED: i64 = 42001;
/// errcode: the login code or phone code is invalid.
pub(crate) const INVALID_CODE: i64 = 40029;
/// errcode: the login code was already exchanged.
pub(crate) const CODE_USED: i64 = 40163;
/// errcode: API call frequency limit.
pub(crate) const RATE_LIMITED: i64 = 45011;
/// errcode: the user has not subscribed to (or has used up) this template.
pub(crate) const SUBSCRIPTION_REFUSED: i64 = 43101;
/// errcode at the token endpoint: invalid AppID.
pub(crate) const INVALID_APP_ID: i64 = 40013;
/// errcode at the token endpoint: invalid AppSecret.
pub(crate) const INVALID_APP_SECRET: i64 = 40125;

/// Why a WeChat call failed.
#[derive(Debug, thiserror::Error)]
pub enum WeChatError {
    /// errcode 40029: the `js_code` (or phone `code`) is unknown, expired or malformed.
    #[error("WeChat rejected the code as invalid")]
    InvalidCode,
    /// errcode 40163: the `js_code` was already exchanged; each code works once.
    #[error("WeChat says the code was already used")]
    CodeUsed,
    /// errcode 45011: a frequency limit was hit; back off before trying again.
    #[error("WeChat rate limit reached")]
    RateLimited,
    /// errcode -1 on every attempt allowed by [`BusyRetry`](crate::BusyRetry).
    #[error("WeChat stayed busy after {attempts} attempts")]
    Busy {
        /// How many requests were sent.
        attempts: u32,
    },
    /// errcode 40001 / 42001 / 40014 even with a freshly fetched access token.
    #[error("WeChat rejected the access token (errcode {errcode})")]
    InvalidToken {
        /// The errcode WeChat sent.
        errcode: i64,
    },
    /// The token endpoint refused the AppID / AppSecret (errcode 40001, 40013 or 40125 there).
    #[error("WeChat refused the app credentials (errcode {errcode})")]
    InvalidCredentials {
        /// The errcode WeChat sent.
        errcode: i64,
    },
    /// errcode 43101: the user refused this template or has no subscription left for it.
    #[error("the user has no subscription for this message template")]
    SubscriptionRefused,
    /// Any other non-zero errcode, e.g. 47003 (template data invalid), 40037 (bad template id).
    #[error("WeChat API error {errcode}: {errmsg}")]
    Api {
        /// The errcode WeChat sent.
        errcode: i64,
        /// WeChat's message; usually ends with a `rid` that WeChat support can trace.
        errmsg: String,
    },
    /// The request did not complete: DNS, connect, TLS, timeout, or a non-2xx status without a
    /// WeChat error body. The inner error has its URL stripped.
    #[error("WeChat request failed: {0}")]
    Transport(#[source] reqwest::Error),
    /// The answer was not the JSON this client expects.
    #[error("undecodable answer from {endpoint}: {reason}")]
    Decode {
        /// The endpoint path, e.g. `/sns/jscode2session`.
        endpoint: &'static str,
        /// What went wrong, without quoting the body.
        reason: String,
    },
}

/// Why a [`WeChatClient`](crate::WeChatClient) could not be built.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// `base_url` is not an absolute `http` or `https` URL.
    #[error("base_url must be an absolute http(s) URL")]
    InvalidBaseUrl,
    /// The HTTP client could not be set up (e.g. no TLS backend).
    #[error("cannot build the HTTP client: {0}")]
    HttpClient(#[source] reqwest::Error),
}

impl WeChatError {
    /// Maps a non-zero errcode to its variant. `BUSY` maps to `Busy { attempts: 1 }`; the retry
    /// loop fixes the count.
    pub(crate) fn from_errcode(errcode: i64, errmsg: String) -> Self {
        match errcode {
            INVALID_CODE => Self::InvalidCode,
            CODE_USED => Self::CodeUsed,
            RATE_LIMITED => Self::RateLimited,
            BUSY => Self::Busy { attempts: 1 },
            TOKEN_INVALID | TOKEN_EXPIRED | TOKEN_NOT_LATEST => Self::InvalidToken { errcode },
            SUBSCRIPTION_REFUSED => Self::SubscriptionRefused,
            _ => Self::Api { errcode, errmsg },
        }
    }

    /// A transport failure with the URL (which holds credentials) removed.
    pub(crate) fn transport(err: reqwest::Error) -> Self {
        Self::Transport(err.without_url())
    }

    /// A decoding failure. serde's messages may quote values from the body (a session key in
    /// the worst case), so only the error category and position are kept.
    pub(crate) fn decode(endpoint: &'static str, err: &serde_json::Error) -> Self {
        Self::Decode {
            endpoint,
            reason: format!(
                "{:?} error at line {} column {}",
                err.classify(),
                err.line(),
                err.column()
            ),
        }
    }

    /// The stable code callers switch on and logs record.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            Self::InvalidCode => "invalid_code",
            Self::CodeUsed => "code_used",
            Self::RateLimited => "rate_limited",
            Self::Busy { .. } => "busy",
            Self::InvalidToken { .. } => "invalid_token",
            Self::InvalidCredentials { .. } => "invalid_credentials",
            Self::SubscriptionRefused => "subscription_refused",
            Self::Api { .. } => "api_error",
            Self::Transport(_) => "transport",
            Self::Decode { .. } => "decode",
        }
    }

    /// The WeChat errcode behind this error, when WeChat sent one.
    #[must_use]
    pub fn errcode(&self) -> Option<i64> {
        match self {
            Self::InvalidCode => Some(INVALID_CODE),
            Self::CodeUsed => Some(CODE_USED),
            Self::RateLimited => Some(RATE_LIMITED),
            Self::Busy { .. } => Some(BUSY),
            Self::SubscriptionRefused => Some(SUBSCRIPTION_REFUSED),
            Self::InvalidToken { errcode }
            | Self::InvalidCredentials { errcode }
            | Self::Api { errcode, .. } => Some(*errcode),
            Self::Transport(_) | Self::Decode { .. } => None,
        }
    }

    /// Whether the same call may succeed later without any change (busy, rate limited, or a
    /// transport failure). A caller retrying must still bound its retries.
    #[must_use]
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            Self::Busy { .. } | Self::RateLimited | Self::Transport(_)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_documented_errcode_maps_to_its_variant_and_back() {
        for (errcode, code) in [
            (40029, "invalid_code"),
            (40163, "code_used"),
            (45011, "rate_limited"),
            (-1, "busy"),
            (40001, "invalid_token"),
            (42001, "invalid_token"),
            (40014, "invalid_token"),
            (43101, "subscription_refused"),
            (47003, "api_error"),
        ] {
            let err = WeChatError::from_errcode(errcode, "msg".to_owned());
            assert_eq!(err.code(), code, "errcode {errcode}");
            assert_eq!(err.errcode(), Some(errcode), "errcode {errcode}");
        }
    }

    #[test]
    fn decode_errors_do_not_quote_the_body() {
        let err = serde_json::from_str::<u32>("\"sk-very-secret\"").expect_err("not a number");
        let mapped = WeChatError::decode("/sns/jscode2session", &err);
        assert!(!mapped.to_string().contains("sk-very-secret"), "{mapped}");
        assert!(!format!("{mapped:?}").contains("sk-very-secret"));
        assert_eq!(mapped.code(), "decode");
    }
}
