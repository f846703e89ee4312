//! Login throttling: attempts per account from one client address, per account from all of
//! them (ten times as many, so failing on purpose from one address cannot lock an account
//! out, and guessing from many is still bounded), and per client address; answered with 429
//! and `Retry-After` past the limit. The client address is the peer's, or — only when the peer
//! is a configured proxy — the nearest untrusted address in `X-Forwarded-For`.

use crate::error::ApiError;
use actix_web::HttpRequest;
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use std::hash::Hash;
use std::net::IpAddr;
use std::num::NonZeroU32;

pub struct LoginThrottle {
    by_account: DefaultKeyedRateLimiter<(String, IpAddr)>,
    by_account_everywhere: DefaultKeyedRateLimiter<String>,
    by_client: DefaultKeyedRateLimiter<IpAddr>,
    clock: DefaultClock,
}

fn per_minute(n: u32) -> Quota {
    Quota::per_minute(NonZeroU32::new(n.max(1)).unwrap_or(NonZeroU32::MIN))
}

impl LoginThrottle {
    pub fn new(per_account_per_minute: u32, per_client_per_minute: u32) -> Self {
        Self {
            by_account: RateLimiter::keyed(per_minute(per_account_per_minute)),
            by_account_everywhere: RateLimiter::keyed(per_minute(
                per_account_per_minute.saturating_mul(10),
            )),
            by_client: RateLimiter::keyed(per_minute(per_client_per_minute)),
            clock: DefaultClock::default(),
        }
    }

    /// Counts an attempt for `account` from `client`.
    ///
    /// # Errors
    /// 429 `too_many_requests` with the seconds to wait.
    pub fn check(&self, account: &str, client: IpAddr) -> Result<(), ApiError> {
        let now = self.clock.now();
        let wait = |not_until: governor::NotUntil<_>| {
            ApiError::too_many_requests(not_until.wait_time_from(now).as_secs() + 1)
        };
        self.by_client.check_key(&client).map_err(wait)?;
        self.by_account
            .check_key(&(account.to_owned(), client))
            .map_err(wait)?;
        self.by_account_everywhere
            .check_key(&account.to_owned())
            .map_err(wait)?;
        Ok(())
    }

    /// Forgets keys whose limits have fully recovered (called from the background jobs).
    pub fn forget_stale(&self) {
        self.by_account.retain_recent();
        self.by_account_everywhere.retain_recent();
        self.by_client.retain_recent();
    }
}

/// Requests per key (a client address for SMS codes and SMS sign-in, a staff account for
/// member lookups by phone), answered with 429 and `Retry-After` past the limit.
pub struct Throttle<K: Hash + Eq + Clone> {
    limiter: DefaultKeyedRateLimiter<K>,
    clock: DefaultClock,
}

/// Requests per client address.
pub type ClientThrottle = Throttle<IpAddr>;

impl<K: Hash + Eq + Clone> Throttle<K> {
    pub fn per_hour(n: u32) -> Self {
        Self::with(Quota::per_hour(
            NonZeroU32::new(n.max(1)).unwrap_or(NonZeroU32::MIN),
        ))
    }

    pub fn per_minute(n: u32) -> Self {
        Self::with(per_minute(n))
    }

    fn with(quota: Quota) -> Self {
        Self {
            limiter: RateLimiter::keyed(quota),
            clock: DefaultClock::default(),
        }
    }

    /// # Errors
    /// 429 `too_many_requests` with the seconds to wait.
    pub fn check(&self, key: &K) -> Result<(), ApiError> {
        let now = self.clock.now();
        self.limiter
            .check_key(key)
            .map_err(|n| ApiError::too_many_requests(n.wait_time_from(now).as_secs() + 1))
    }

    /// Forgets keys whose limits have fully recovered (called from the background jobs).
    pub fn forget_stale(&self) {
        self.limiter.retain_recent();
    }
}

/// The client's address: `X-Forwarded-For` is believed only from `trusted` proxies.
pub fn client_ip(req: &HttpRequest, trusted: &[IpAddr]) -> Option<IpAddr> {
    let peer = req.peer_addr()?.ip();
    if !trusted.contains(&peer) {
        return Some(peer);
    }
    let forwarded = req
        .headers()
        .get("x-forwarded-for")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let nearest_untrusted = forwarded
        .rsplit(',')
        .filter_map(|hop| hop.trim().parse::<IpAddr>().ok())
        .find(|ip| !trusted.contains(ip));
    Some(nearest_untrusted.unwrap_or(peer))
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("an address")
    }

    #[test]
    fn forwarded_for_is_believed_only_from_trusted_proxies() {
        let from_client = TestRequest::default()
            .peer_addr("203.0.113.9:5000".parse().expect("addr"))
            .insert_header(("x-forwarded-for", "1.2.3.4"))
            .to_http_request();
        assert_eq!(
            client_ip(&from_client, &[ip("10.0.0.1")]),
            Some(ip("203.0.113.9"))
        );
        let via_proxy = TestRequest::default()
            .peer_addr("10.0.0.1:5000".parse().expect("addr"))
            .insert_header(("x-forwarded-for", "6.6.6.6, 198.51.100.7, 10.0.0.2"))
            .to_http_request();
        assert_eq!(
            client_ip(&via_proxy, &[ip("10.0.0.1"), ip("10.0.0.2")]),
            Some(ip("198.51.100.7"))
        );
    }

    #[test]
    fn an_account_is_refused_past_its_quota_with_a_wait() {
        let throttle = LoginThrottle::new(3, 100);
        for _ in 0..3 {
            throttle
                .check("m:alice", ip("192.0.2.1"))
                .expect("within quota");
        }
        let refused = throttle
            .check("m:alice", ip("192.0.2.1"))
            .expect_err("over quota");
        assert_eq!(refused.problem().code, "too_many_requests");
        throttle
            .check("m:bob", ip("192.0.2.1"))
            .expect("another account is not affected");
    }
}
