//! The access-token cache: refreshed before expiry, one refresh in flight at a time.

use std::future::Future;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use crate::clock::Clock;
use crate::config::Secret;
use crate::error::WeChatError;

/// The longest refresh margin: a token is replaced at least this long before it expires.
const MAX_MARGIN: Duration = Duration::from_secs(300);
/// Token lifetimes above this are treated as this (guards `Instant` arithmetic).
const MAX_LIFE: Duration = Duration::from_secs(24 * 3600);

/// How long before expiry a token of lifetime `life` is refreshed: 10 % of the lifetime,
/// at most 5 minutes. For WeChat's usual 7200 s that is 300 s.
#[must_use]
pub(crate) fn refresh_margin(life: Duration) -> Duration {
    (life / 10).min(MAX_MARGIN)
}

/// A token as the token endpoint handed it out.
pub(crate) struct FetchedToken {
    pub(crate) token: String,
    pub(crate) expires_in: Duration,
}

struct Cached {
    token: Secret,
    refresh_at: Instant,
}

/// Holds at most one token.
///
/// Contract: [`TokenCache::get_or_refresh`] runs `fetch` only while holding the refresh lock
/// and only after re-checking the cache, so concurrent callers on a cold or stale cache cause
/// one fetch, not one each.
pub(crate) struct TokenCache {
    clock: Arc<dyn Clock>,
    current: Mutex<Option<Cached>>,
    refresh: tokio::sync::Mutex<()>,
}

impl TokenCache {
    pub(crate) fn new(clock: Arc<dyn Clock>) -> Self {
        Self {
            clock,
            current: Mutex::new(None),
            refresh: tokio::sync::Mutex::new(()),
        }
    }

    /// The cached token, if it is not yet due for refresh.
    fn fresh(&self) -> Option<String> {
        let now = self.clock.now();
        let guard = self.current.lock().unwrap_or_else(PoisonError::into_inner);
        guard
            .as_ref()
            .filter(|c| now < c.refresh_at)
            .map(|c| c.token.expose().to_owned())
    }

    /// The cached token, or a new one from `fetch` if there is none or it is due for refresh.
    ///
    /// # Errors
    /// Whatever `fetch` returns; the cache is left as it was. Callers queued behind a failed
    /// fetch each try once more in turn.
    pub(crate) async fn get_or_refresh<F, Fut>(&self, fetch: F) -> Result<String, WeChatError>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<FetchedToken, WeChatError>>,
    {
        if let Some(token) = self.fresh() {
            return Ok(token);
        }
        let _refreshing = self.refresh.lock().await;
        if let Some(token) = self.fresh() {
            return Ok(token);
        }
        // Lifetime is counted from before the request: the conservative end.
        let requested_at = self.clock.now();
        let fetched = fetch().await?;
        let life = fetched.expires_in.min(MAX_LIFE);
        let refresh_at = requested_at + life.saturating_sub(refresh_margin(life));
        *self.current.lock().unwrap_or_else(PoisonError::into_inner) = Some(Cached {
            token: Secret::new(fetched.token.clone()),
            refresh_at,
        });
        Ok(fetched.token)
    }

    /// Drops the cached token if it is still `stale`. A token that another task already
    /// replaced is kept, so a burst of rejections causes one refresh.
    pub(crate) fn invalidate(&self, stale: &str) {
        let mut guard = self.current.lock().unwrap_or_else(PoisonError::into_inner);
        if guard.as_ref().is_some_and(|c| c.token.expose() == stale) {
            *guard = None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_margin_is_five_minutes_for_a_two_hour_token() {
        assert_eq!(
            refresh_margin(Duration::from_secs(7200)),
            Duration::from_secs(300)
        );
    }

    #[test]
    fn the_margin_is_a_tenth_of_a_short_lifetime() {
        assert_eq!(
            refresh_margin(Duration::from_secs(600)),
            Duration::from_secs(60)
        );
    }
}
