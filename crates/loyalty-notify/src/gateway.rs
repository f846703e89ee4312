//! The engine's [`SmsGateway`] port on any [`SmsProvider`], and the provider chosen by
//! configuration.

use crate::aliyun::{AliyunConfig, AliyunSms};
use crate::error::{ConfigError, SmsError};
use crate::log::LogSmsProvider;
use crate::message::{SmsMessage, SmsProvider};
use crate::tencent::{TencentConfig, TencentSms};
use async_trait::async_trait;
use loyalty_core::notifications::{DeliveryError, OutgoingSms, SmsGateway};
use serde::Deserialize;

/// Which SMS provider sends, with its settings (`[sms]` in the server's configuration).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(tag = "provider", rename_all = "snake_case", deny_unknown_fields)]
pub enum SmsSettings {
    /// Messages go to the log (phone masked): development.
    #[default]
    Log,
    Aliyun(AliyunConfig),
    Tencent(TencentConfig),
}

impl SmsSettings {
    /// The signature messages go under when they name none (`sign_name` of the provider's
    /// settings); `None` for the log, or when the provider has none configured.
    #[must_use]
    pub fn default_sign_name(&self) -> Option<&str> {
        match self {
            Self::Log => None,
            Self::Aliyun(c) => c.sign_name.as_deref(),
            Self::Tencent(c) => c.sign_name.as_deref(),
        }
        .filter(|s| !s.trim().is_empty())
    }
}

/// An [`SmsProvider`] as the engine's [`SmsGateway`].
pub struct Gateway(Box<dyn SmsProvider>);

impl std::fmt::Debug for Gateway {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Gateway")
    }
}

impl Gateway {
    #[must_use]
    pub fn new(provider: impl SmsProvider + 'static) -> Self {
        Self(Box::new(provider))
    }

    /// The provider `settings` name.
    ///
    /// # Errors
    /// A provider whose settings are unusable (a base URL that does not parse).
    pub fn from_settings(settings: &SmsSettings) -> Result<Self, ConfigError> {
        Ok(match settings {
            SmsSettings::Log => Self::new(LogSmsProvider),
            SmsSettings::Aliyun(config) => Self::new(AliyunSms::new(config.clone())?),
            SmsSettings::Tencent(config) => Self::new(TencentSms::new(config.clone())?),
        })
    }
}

fn delivery_error(error: SmsError) -> DeliveryError {
    let text = error.to_string();
    match error {
        SmsError::Retryable { .. } => DeliveryError::Retryable(text),
        SmsError::Throttled { retry_after, .. } => DeliveryError::Throttled {
            message: text,
            retry_after,
        },
        SmsError::Rejected { .. } => DeliveryError::Rejected(text),
    }
}

#[async_trait]
impl SmsGateway for Gateway {
    async fn send_sms(&self, sms: &OutgoingSms<'_>) -> Result<Option<String>, DeliveryError> {
        let message = SmsMessage {
            phone: sms.phone.to_owned(),
            sign_name: sms.sign_name.to_owned(),
            template_code: sms.template_code.to_owned(),
            params: sms.params.to_vec(),
            dedup_key: sms.dedup_key.to_string(),
        };
        self.0
            .send(&message)
            .await
            .map(|receipt| receipt.provider_message_id)
            .map_err(delivery_error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_log_provider_takes_a_message_through_the_port() {
        let gateway = Gateway::from_settings(&SmsSettings::Log).expect("log provider");
        let params = vec![("code".to_owned(), "123456".to_owned())];
        let sent = gateway
            .send_sms(&OutgoingSms {
                phone: "13800138000",
                sign_name: "演示",
                template_code: "SMS_1",
                params: &params,
                dedup_key: uuid::Uuid::now_v7(),
            })
            .await;
        assert!(sent.is_ok());
        let bad = gateway
            .send_sms(&OutgoingSms {
                phone: "12",
                sign_name: "演示",
                template_code: "SMS_1",
                params: &params,
                dedup_key: uuid::Uuid::now_v7(),
            })
            .await;
        assert!(matches!(bad, Err(DeliveryError::Rejected(_))));
    }

    #[test]
    fn settings_name_the_provider() {
        let aliyun: SmsSettings = serde_json::from_str(
            r#"{"provider": "aliyun", "access_key_id": "LTAI", "access_key_secret": "s"}"#,
        )
        .expect("aliyun");
        assert!(matches!(aliyun, SmsSettings::Aliyun(_)));
        let bad: Result<SmsSettings, _> = serde_json::from_str(r#"{"provider": "carrier-pigeon"}"#);
        assert!(bad.is_err());
    }
}
