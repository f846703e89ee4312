//! [`LogSmsProvider`]: sends nothing, logs the message, for development.

use async_trait::async_trait;

use crate::error::SmsError;
use crate::message::{SmsMessage, SmsProvider, SmsReceipt};
use crate::phone::{Phone, mask_phone};

/// The name errors and logs give this provider.
const PROVIDER: &str = "log";

/// An [`SmsProvider`] that writes each message to the log (`info`, target `loyalty::sms`)
/// instead of sending it.
///
/// The phone number is masked ([`mask_phone`]); the template, signature, params and dedup key
/// are logged as they are, since reading a login code off the log is what a developer needs.
/// It validates the phone number as the real providers do, so a number they would reject is
/// rejected here too; everything else is accepted, with no receipt id.
#[derive(Debug, Clone, Copy, Default)]
pub struct LogSmsProvider;

#[async_trait]
impl SmsProvider for LogSmsProvider {
    async fn send(&self, msg: &SmsMessage) -> Result<SmsReceipt, SmsError> {
        let phone = mask_phone(&msg.phone);
        if Phone::parse(&msg.phone).is_none() {
            tracing::warn!(
                target: "loyalty::sms",
                provider = PROVIDER,
                phone = %phone,
                dedup_key = %msg.dedup_key,
                "SMS refused: invalid phone number"
            );
            return Err(SmsError::rejected(
                PROVIDER,
                SmsError::INVALID_PHONE,
                "the phone number is neither E.164 nor an 11-digit mainland number",
            ));
        }
        tracing::info!(
            target: "loyalty::sms",
            provider = PROVIDER,
            phone = %phone,
            sign_name = %msg.sign_name,
            template = %msg.template_code,
            params = ?msg.params,
            dedup_key = %msg.dedup_key,
            "SMS (logged, not sent)"
        );
        Ok(SmsReceipt::default())
    }
}
