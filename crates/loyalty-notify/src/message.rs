//! The provider-neutral message, receipt and provider trait.

use async_trait::async_trait;

use crate::error::SmsError;

/// One templated SMS to one phone.
///
/// Both providers send only pre-approved templates: the text is the template with `params`
/// filled in, prefixed by the approved signature (`【sign_name】`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmsMessage {
    /// The recipient: E.164 (`+8613800138000`, `+85261234567`) or an 11-digit mainland number
    /// (`13800138000`). Anything else is [`SmsError::Rejected`] with code
    /// [`SmsError::INVALID_PHONE`] before any request is sent.
    pub phone: String,
    /// The approved signature, without the brackets. Empty: the provider's configured default.
    pub sign_name: String,
    /// The approved template: Aliyun `TemplateCode` (`SMS_…`), Tencent `TemplateId` (digits).
    pub template_code: String,
    /// Template variables, in template order. Aliyun uses the names (a JSON object, where a
    /// repeated name keeps its last value); Tencent uses only the values, in this order.
    pub params: Vec<(String, String)>,
    /// The id of the event behind this message, passed to the provider so delivery reports can
    /// be matched to it. Empty: nothing is passed.
    pub dedup_key: String,
}

impl SmsMessage {
    /// A message with no parameters and the provider's default signature.
    #[must_use]
    pub fn new(
        phone: impl Into<String>,
        template_code: impl Into<String>,
        dedup_key: impl Into<String>,
    ) -> Self {
        Self {
            phone: phone.into(),
            sign_name: String::new(),
            template_code: template_code.into(),
            params: Vec::new(),
            dedup_key: dedup_key.into(),
        }
    }

    /// The same message under another signature.
    #[must_use]
    pub fn sign_name(mut self, sign_name: impl Into<String>) -> Self {
        self.sign_name = sign_name.into();
        self
    }

    /// The same message with one more template variable, after the others.
    #[must_use]
    pub fn param(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.params.push((name.into(), value.into()));
        self
    }
}

/// What a provider answered to an accepted message.
///
/// Accepted means queued for delivery, not delivered: delivery is reported later, matched by
/// `provider_message_id` or by the message's `dedup_key`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SmsReceipt {
    /// The provider's id for this send (Aliyun `BizId`, Tencent `SerialNo`), when it gave one.
    pub provider_message_id: Option<String>,
}

/// Sends one SMS.
///
/// # Errors
/// Implementations MUST classify every failure: [`SmsError::Retryable`] when the same message
/// may go through later (5xx, timeouts, connection errors, the provider's internal errors),
/// [`SmsError::Throttled`] when the provider's flow control refused it,
/// [`SmsError::Rejected`] when sending it again cannot succeed (bad phone, unapproved template
/// or signature, authentication failure, insufficient balance). They MUST NOT retry on their
/// own: retrying is the dispatcher's decision.
#[async_trait]
pub trait SmsProvider: Send + Sync {
    /// Sends `msg` once.
    async fn send(&self, msg: &SmsMessage) -> Result<SmsReceipt, SmsError>;
}
