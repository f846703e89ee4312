use crate::kernel::Phone;
use async_trait::async_trait;

/// Who a WeChat mini-program login code belongs to. The session key WeChat also returns
/// stays inside the adapter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WeChatSession {
    pub openid: String,
    pub unionid: Option<String>,
}

/// Why the identity provider could not answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdentityError {
    /// The code is unknown, expired or used already.
    #[error("the code is invalid, expired or used")]
    InvalidCode,
    /// The provider is throttling this app.
    #[error("the identity provider is rate limiting")]
    RateLimited,
    /// Busy, unreachable or misconfigured; the detail is for the log.
    #[error("the identity provider is unavailable: {0}")]
    Unavailable(String),
}

/// WeChat mini-program identity: `wx.login()` codes and phone-number codes.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait WeChatAuth: Send + Sync {
    /// Exchanges a `wx.login()` code for the user's openid (and unionid).
    ///
    /// # Errors
    /// MUST return [`IdentityError::InvalidCode`] for a code WeChat refuses (40029, 40163).
    async fn session(&self, login_code: &str) -> Result<WeChatSession, IdentityError>;

    /// Exchanges a `getPhoneNumber` code for the user's phone number.
    ///
    /// # Errors
    /// [`IdentityError::InvalidCode`] for a refused code; `Unavailable` for a number that is
    /// not a mainland mobile.
    async fn phone_number(&self, phone_code: &str) -> Result<Phone, IdentityError>;
}
