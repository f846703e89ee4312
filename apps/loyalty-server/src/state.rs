//! What every handler can reach: the engine as the server wires it, the notification senders,
//! token signing, throttles, the idempotency keys in flight. The bottom of the server's
//! modules: it uses no extractor, handler or audience module, so those can all use it.

use crate::http::idempotency::InFlight;
use crate::notify::LogNotifier;
use crate::tokens::Tokens;
use async_trait::async_trait;
use loyalty_core::engine::Loyalty;
use loyalty_core::kernel::SystemClock;
use loyalty_core::notifications::{
    DeliveryError, OutgoingSms, OutgoingWechat, SmsGateway, WechatGateway,
};
use loyalty_seaorm::DatabaseConnection;
use loyalty_seaorm::SeaUnitOfWork;
use std::time::Duration;

/// The engine as the server wires it.
pub type Engine = Loyalty<SeaUnitOfWork, SystemClock, LogNotifier>;

/// The notification channels' senders, each send cut off at `limit`.
pub struct Senders {
    pub sms: Bounded<loyalty_notify::Gateway>,
    pub wechat: Bounded<Box<dyn WechatGateway>>,
}

impl Senders {
    #[must_use]
    pub fn gateways(&self) -> loyalty_core::notifications::Gateways<'_> {
        loyalty_core::notifications::Gateways {
            sms: &self.sms,
            wechat: &self.wechat,
        }
    }
}

/// A sender whose every send ends within `limit`; one that takes longer is a retryable
/// failure. Dispatchers start sends only in the first half of their lease, so with `limit`
/// below half the lease a send ends (and is settled) while the message is still theirs: the
/// lease never passes to another dispatcher mid-send, which would send the message again.
/// A WeChat send may make several requests (the access token, busy retries), so its
/// per-request timeouts alone do not bound it.
pub struct Bounded<G> {
    pub inner: G,
    pub limit: Duration,
}

impl<G> Bounded<G> {
    /// `inner` cut off at 45 % of the dispatchers' lease.
    pub fn within_lease(inner: G, lease: Duration) -> Self {
        Self {
            inner,
            limit: lease.mul_f64(0.45),
        }
    }
}

fn too_slow(limit: Duration) -> DeliveryError {
    DeliveryError::Retryable(format!(
        "timeout: no answer within {} ms",
        limit.as_millis()
    ))
}

#[async_trait]
impl<G: SmsGateway> SmsGateway for Bounded<G> {
    async fn send_sms(&self, sms: &OutgoingSms<'_>) -> Result<Option<String>, DeliveryError> {
        tokio::time::timeout(self.limit, self.inner.send_sms(sms))
            .await
            .unwrap_or_else(|_| Err(too_slow(self.limit)))
    }
}

#[async_trait]
impl WechatGateway for Bounded<Box<dyn WechatGateway>> {
    async fn send_subscribe(&self, msg: &OutgoingWechat<'_>) -> Result<(), DeliveryError> {
        tokio::time::timeout(self.limit, self.inner.send_subscribe(msg))
            .await
            .unwrap_or_else(|_| Err(too_slow(self.limit)))
    }
}

/// What every handler can reach.
pub struct AppState {
    pub loyalty: Engine,
    pub senders: std::sync::Arc<Senders>,
    /// The SMS provider's configured signature, saved into notification settings that name
    /// none (so SMS parts are counted with the signature they are sent under).
    pub sms_sign_name: Option<String>,
    /// Wakes this process's dispatcher (after HQ queues a message again).
    pub doorbell: std::sync::Arc<tokio::sync::Notify>,
    pub db: DatabaseConnection,
    pub tokens: Tokens,
    /// SHA-256 of the platform API key, when one is configured.
    pub platform_key: Option<[u8; 32]>,
    pub in_flight: InFlight,
    pub dev_member_login: bool,
    /// An argon2 hash of a random password, checked when a login names no account.
    pub decoy_hash: String,
    pub login_throttle: crate::throttle::LoginThrottle,
    pub sms_throttle: crate::throttle::ClientThrottle,
    /// Member lookups by phone per store account (a cashier cannot test every number).
    pub member_lookups: crate::throttle::Throttle<loyalty_core::kernel::StaffId>,
    pub member_codes: loyalty_core::members::MemberCodes,
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// Member sign-in through WeChat; `None` when `wechat.mode` is `off`.
    pub wechat: Option<std::sync::Arc<dyn loyalty_core::members::WeChatAuth>>,
}

impl AppState {
    /// The client's address for throttling: the peer, or the nearest untrusted address a
    /// trusted proxy forwarded (0.0.0.0 when neither is known).
    pub fn client_ip(&self, req: &actix_web::HttpRequest) -> std::net::IpAddr {
        crate::throttle::client_ip(req, &self.trusted_proxies)
            .unwrap_or(std::net::IpAddr::from([0, 0, 0, 0]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Stuck;

    #[async_trait]
    impl SmsGateway for Stuck {
        async fn send_sms(&self, _: &OutgoingSms<'_>) -> Result<Option<String>, DeliveryError> {
            std::future::pending().await
        }
    }

    #[async_trait]
    impl WechatGateway for Stuck {
        async fn send_subscribe(&self, _: &OutgoingWechat<'_>) -> Result<(), DeliveryError> {
            std::future::pending().await
        }
    }

    #[test]
    fn the_limit_is_below_half_the_lease() {
        let bounded = Bounded::within_lease(Stuck, Duration::from_secs(60));
        assert_eq!(bounded.limit, Duration::from_secs(27));
    }

    #[tokio::test]
    async fn a_send_that_never_answers_ends_as_retryable_at_the_limit() {
        let limit = Duration::from_millis(50);
        let sms = Bounded {
            inner: Stuck,
            limit,
        };
        let params = Vec::new();
        let outgoing = OutgoingSms {
            phone: "13800000000",
            sign_name: "演示茶饮",
            template_code: "SMS_1",
            params: &params,
            dedup_key: uuid::Uuid::nil(),
        };
        let sent = sms.send_sms(&outgoing).await;
        assert!(
            matches!(sent, Err(DeliveryError::Retryable(ref m)) if m.starts_with("timeout")),
            "{sent:?}"
        );
        let wechat: Bounded<Box<dyn WechatGateway>> = Bounded {
            inner: Box::new(Stuck),
            limit,
        };
        let msg = OutgoingWechat {
            openid: "o-1",
            template_id: "tpl",
            page: None,
            data: &params,
        };
        let sent = wechat.send_subscribe(&msg).await;
        assert!(matches!(sent, Err(DeliveryError::Retryable(_))), "{sent:?}");
    }
}
