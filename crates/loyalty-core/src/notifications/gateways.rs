use async_trait::async_trait;
use std::time::Duration;
use uuid::Uuid;

/// An SMS by template, as the providers take it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutgoingSms<'a> {
    pub phone: &'a str,
    pub sign_name: &'a str,
    pub template_code: &'a str,
    pub params: &'a [(String, String)],
    /// The event id: the provider's de-duplication or correlation key where it has one.
    pub dedup_key: Uuid,
}

/// A WeChat subscribe message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutgoingWechat<'a> {
    pub openid: &'a str,
    pub template_id: &'a str,
    pub page: Option<&'a str>,
    pub data: &'a [(String, String)],
}

/// Why a provider did not take a message, as a dispatcher needs to know it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DeliveryError {
    /// Try again later (a 5xx, a timeout, the provider busy).
    #[error("retryable: {0}")]
    Retryable(String),
    /// The provider's flow control: try again after `retry_after` when it says.
    #[error("throttled: {message}")]
    Throttled {
        message: String,
        retry_after: Option<Duration>,
    },
    /// Sending again cannot help (a bad number, an unapproved template).
    #[error("rejected: {0}")]
    Rejected(String),
    /// WeChat: the member has no subscription left for the template (errcode 43101), so our
    /// count was ahead of WeChat's. Final, like [`Self::Rejected`].
    #[error("no subscription: {0}")]
    NoSubscription(String),
}

impl DeliveryError {
    /// Whether sending again cannot help.
    #[must_use]
    pub const fn is_final(&self) -> bool {
        matches!(self, Self::Rejected(_) | Self::NoSubscription(_))
    }
}

/// Sends SMS.
#[async_trait]
pub trait SmsGateway: Send + Sync {
    /// Sends one SMS; the provider's message id when it gives one.
    ///
    /// # Errors
    /// A [`DeliveryError`] saying whether to try again.
    async fn send_sms(&self, sms: &OutgoingSms<'_>) -> Result<Option<String>, DeliveryError>;
}

/// Sends WeChat subscribe messages.
#[async_trait]
pub trait WechatGateway: Send + Sync {
    /// # Errors
    /// A [`DeliveryError`] saying whether to try again.
    async fn send_subscribe(&self, msg: &OutgoingWechat<'_>) -> Result<(), DeliveryError>;
}
