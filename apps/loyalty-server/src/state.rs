use crate::auth::Tokens;
use crate::idempotency::InFlight;
use crate::notify::LogNotifier;
use loyalty_core::ports::SystemClock;
use loyalty_core::usecases::Loyalty;
use loyalty_seaorm::DatabaseConnection;
use loyalty_seaorm::SeaUnitOfWork;

/// The engine as the server wires it.
pub type Engine = Loyalty<SeaUnitOfWork, SystemClock, LogNotifier>;

/// The notification channels' senders.
pub struct Senders {
    pub sms: loyalty_notify::Gateway,
    pub wechat: Box<dyn loyalty_core::ports::WechatGateway>,
}

impl Senders {
    #[must_use]
    pub fn gateways(&self) -> loyalty_core::usecases::Gateways<'_> {
        loyalty_core::usecases::Gateways {
            sms: &self.sms,
            wechat: self.wechat.as_ref(),
        }
    }
}

/// What every handler can reach.
pub struct AppState {
    pub loyalty: Engine,
    pub senders: std::sync::Arc<Senders>,
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
    pub member_codes: crate::member_code::MemberCodes,
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// Member sign-in through WeChat; `None` when `wechat.mode` is `off`.
    pub wechat: Option<std::sync::Arc<dyn loyalty_core::ports::WeChatAuth>>,
}
