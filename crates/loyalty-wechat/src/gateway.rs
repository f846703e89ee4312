//! The core's [`WechatGateway`] port: subscribe messages through [`WeChatClient`], or to the
//! log in development.

use crate::{SubscribeMessage, WeChatClient, WeChatError};
use async_trait::async_trait;
use loyalty_core::notifications::{DeliveryError, OutgoingWechat, WechatGateway};
use std::time::Duration;

fn delivery_error(error: WeChatError) -> DeliveryError {
    let text = error.to_string();
    match error {
        WeChatError::RateLimited => DeliveryError::Throttled {
            message: text,
            retry_after: Some(Duration::from_secs(60)),
        },
        // Busy, a token WeChat keeps refusing after a refresh, the network, an unreadable answer.
        WeChatError::Busy { .. }
        | WeChatError::InvalidToken { .. }
        | WeChatError::Transport(_)
        | WeChatError::Decode { .. } => DeliveryError::Retryable(text),
        WeChatError::SubscriptionRefused => DeliveryError::NoSubscription(text),
        // Bad template data, unknown template or user, bad credentials.
        _ => DeliveryError::Rejected(text),
    }
}

#[async_trait]
impl WechatGateway for WeChatClient {
    async fn send_subscribe(&self, msg: &OutgoingWechat<'_>) -> Result<(), DeliveryError> {
        let mut message = SubscribeMessage::new(msg.openid, msg.template_id);
        message.page = msg.page.map(str::to_owned);
        message.data = msg.data.iter().cloned().collect();
        self.send_subscribe_message(&message)
            .await
            .map_err(delivery_error)
    }
}

/// Subscribe messages written to the log instead of sent (development; `wechat.mode = dev`).
#[derive(Debug, Clone, Copy, Default)]
pub struct LogWechatGateway;

#[async_trait]
impl WechatGateway for LogWechatGateway {
    async fn send_subscribe(&self, msg: &OutgoingWechat<'_>) -> Result<(), DeliveryError> {
        tracing::info!(target: "loyalty::notify", openid = msg.openid, template = msg.template_id, data = ?msg.data, "WeChat subscribe message");
        Ok(())
    }
}

/// No WeChat app configured: every message is refused for good, so HQ sees it failed.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoWechatGateway;

#[async_trait]
impl WechatGateway for NoWechatGateway {
    async fn send_subscribe(&self, _: &OutgoingWechat<'_>) -> Result<(), DeliveryError> {
        Err(DeliveryError::Rejected(
            "no WeChat mini-program is configured (wechat.mode = off)".into(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_are_classified_for_the_dispatcher() {
        assert!(matches!(
            delivery_error(WeChatError::RateLimited),
            DeliveryError::Throttled { .. }
        ));
        assert!(matches!(
            delivery_error(WeChatError::Busy { attempts: 3 }),
            DeliveryError::Retryable(_)
        ));
        assert!(matches!(
            delivery_error(WeChatError::SubscriptionRefused),
            DeliveryError::NoSubscription(_)
        ));
        assert!(matches!(
            delivery_error(WeChatError::Api {
                errcode: 47003,
                errmsg: "argument invalid".into()
            }),
            DeliveryError::Rejected(_)
        ));
    }
}
