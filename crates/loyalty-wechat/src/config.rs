//! Client configuration; the app secret is a [`Secret`], kept out of logs.

use std::time::Duration;

pub use loyalty_core::kernel::Secret;

/// The production API host. Tests point [`WeChatConfig::base_url`] at a mock server instead.
pub const DEFAULT_BASE_URL: &str = "https://api.weixin.qq.com";

/// How often a request answered with errcode `-1` ("system busy") is sent again.
///
/// Attempt `n` (1-based) that comes back busy waits `backoff * n` before attempt `n + 1`;
/// after `max_attempts` busy answers the call fails with
/// [`WeChatError::Busy`](crate::WeChatError::Busy).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BusyRetry {
    /// Attempts in total, the first one included. `0` is treated as `1`.
    pub max_attempts: u32,
    /// The wait after the first busy answer; it grows linearly with the attempt number.
    pub backoff: Duration,
}

impl Default for BusyRetry {
    /// Three attempts in total, waiting 200 ms then 400 ms.
    fn default() -> Self {
        Self {
            max_attempts: 3,
            backoff: Duration::from_millis(200),
        }
    }
}

/// Everything [`WeChatClient`](crate::WeChatClient) needs to talk to one mini-program.
#[derive(Debug, Clone)]
pub struct WeChatConfig {
    /// The mini-program's AppID (`wx…`).
    pub app_id: String,
    /// The mini-program's AppSecret; never logged.
    pub app_secret: Secret,
    /// Scheme and host without a trailing path, e.g. [`DEFAULT_BASE_URL`]. A trailing `/` is
    /// tolerated.
    pub base_url: String,
    /// Timeout of one HTTP request (connect + response), per attempt.
    pub timeout: Duration,
    /// Retry policy for "system busy" answers.
    pub busy_retry: BusyRetry,
}

impl WeChatConfig {
    /// A configuration for the production API with a 5 s timeout and the default
    /// [`BusyRetry`].
    #[must_use]
    pub fn new(app_id: impl Into<String>, app_secret: Secret) -> Self {
        Self {
            app_id: app_id.into(),
            app_secret,
            base_url: DEFAULT_BASE_URL.to_owned(),
            timeout: Duration::from_secs(5),
            busy_retry: BusyRetry::default(),
        }
    }

    /// The same configuration aimed at another host (a mock server, a proxy).
    #[must_use]
    pub fn with_base_url(mut self, base_url: impl Into<String>) -> Self {
        self.base_url = base_url.into();
        self
    }

    /// The same configuration with another per-request timeout.
    #[must_use]
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The same configuration with another busy-retry policy.
    #[must_use]
    pub fn with_busy_retry(mut self, busy_retry: BusyRetry) -> Self {
        self.busy_retry = busy_retry;
        self
    }
}
