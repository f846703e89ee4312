//! A short-lived per-process cache of what nearly every request looks up and rarely changes:
//! a merchant, its stores, its rule settings and the token status of its staff and members
//! (what checking a bearer token reads). Only lookups ([`TxMode::Lookup`]) read
//! through it; reads inside transactions always go to the database. A change made through
//! this process drops the merchant's entries once it has committed; a change made by another
//! process shows here after at most the time to live. Entries hold what the database said,
//! so a stale entry can only delay a change, never invent one.
//!
//! [`TxMode::Lookup`]: loyalty_core::kernel::TxMode::Lookup

use loyalty_core::kernel::{MerchantId, StoreId};
use loyalty_core::merchants::{Merchant, Store};
use loyalty_core::settings::MerchantSettings;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

struct Entry<T> {
    at: Instant,
    value: T,
}

/// A store by merchant and id; `None` for the merchant's default store.
type StoreKey = (MerchantId, Option<StoreId>);

/// An account's token version, and whether it is shut (a staff account disabled, a
/// member erased).
pub(crate) type TokenStatus = (i64, bool);

/// The cached lookups of one unit of work (one process).
pub struct LookupCache {
    ttl: Duration,
    merchants: Mutex<HashMap<MerchantId, Entry<Merchant>>>,
    stores: Mutex<HashMap<StoreKey, Entry<Store>>>,
    settings: Mutex<HashMap<MerchantId, Entry<MerchantSettings>>>,
    /// By merchant and account id (staff and member ids never collide).
    tokens: Mutex<HashMap<(MerchantId, uuid::Uuid), Entry<TokenStatus>>>,
    /// Raised by every `forget`: a lookup that read before a change committed must not put
    /// what it read after the change dropped the entries.
    generations: Mutex<HashMap<MerchantId, u64>>,
}

fn get<K: Eq + std::hash::Hash, T: Clone>(
    map: &Mutex<HashMap<K, Entry<T>>>,
    key: &K,
    ttl: Duration,
) -> Option<T> {
    let map = map
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    map.get(key)
        .filter(|e| e.at.elapsed() < ttl)
        .map(|e| e.value.clone())
}

fn put<K: Eq + std::hash::Hash, T>(map: &Mutex<HashMap<K, Entry<T>>>, key: K, value: T) {
    let mut map = map
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    // Bounded: a busy platform with many merchants starts over rather than growing.
    if map.len() >= 10_000 {
        map.clear();
    }
    map.insert(
        key,
        Entry {
            at: Instant::now(),
            value,
        },
    );
}

impl LookupCache {
    /// A cache whose entries live `ttl` (zero: nothing is cached).
    #[must_use]
    pub fn new(ttl: Duration) -> Self {
        Self {
            ttl,
            merchants: Mutex::default(),
            stores: Mutex::default(),
            settings: Mutex::default(),
            tokens: Mutex::default(),
            generations: Mutex::default(),
        }
    }

    /// Read before looking a merchant's things up in the database; pass to the `put_*`.
    pub(crate) fn generation(&self, merchant: MerchantId) -> u64 {
        self.generations
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(&merchant)
            .copied()
            .unwrap_or(0)
    }

    pub(crate) fn enabled(&self) -> bool {
        !self.ttl.is_zero()
    }

    pub(crate) fn merchant(&self, id: MerchantId) -> Option<Merchant> {
        get(&self.merchants, &id, self.ttl)
    }

    pub(crate) fn put_merchant(&self, generation: u64, merchant: &Merchant) {
        if self.generation(merchant.id) == generation {
            put(&self.merchants, merchant.id, merchant.clone());
        }
    }

    pub(crate) fn store(&self, merchant: MerchantId, id: Option<StoreId>) -> Option<Store> {
        get(&self.stores, &(merchant, id), self.ttl)
    }

    pub(crate) fn put_store(
        &self,
        generation: u64,
        merchant: MerchantId,
        id: Option<StoreId>,
        store: &Store,
    ) {
        if self.generation(merchant) == generation {
            put(&self.stores, (merchant, id), store.clone());
        }
    }

    pub(crate) fn settings(&self, merchant: MerchantId) -> Option<MerchantSettings> {
        get(&self.settings, &merchant, self.ttl)
    }

    pub(crate) fn put_settings(
        &self,
        generation: u64,
        merchant: MerchantId,
        settings: &MerchantSettings,
    ) {
        if self.generation(merchant) == generation {
            put(&self.settings, merchant, settings.clone());
        }
    }

    pub(crate) fn token_status(
        &self,
        merchant: MerchantId,
        account: uuid::Uuid,
    ) -> Option<TokenStatus> {
        get(&self.tokens, &(merchant, account), self.ttl)
    }

    pub(crate) fn put_token_status(
        &self,
        generation: u64,
        merchant: MerchantId,
        account: uuid::Uuid,
        status: TokenStatus,
    ) {
        if self.generation(merchant) == generation {
            put(&self.tokens, (merchant, account), status);
        }
    }

    /// Drops everything cached of `merchant` (after a change to it has committed), and makes
    /// lookups that read before now unable to put what they read.
    pub(crate) fn forget(&self, merchant: MerchantId) {
        *self
            .generations
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .entry(merchant)
            .or_insert(0) += 1;
        self.merchants
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .remove(&merchant);
        self.stores
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .retain(|(m, _), _| *m != merchant);
        self.settings
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .remove(&merchant);
        self.tokens
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .retain(|(m, _), _| *m != merchant);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use loyalty_core::kernel::MerchantTimeZone;

    fn merchant() -> Merchant {
        Merchant {
            id: MerchantId::new(),
            code: "m".into(),
            name: "M".into(),
            time_zone: MerchantTimeZone::default(),
            created_at: chrono::Utc::now(),
        }
    }

    #[test]
    fn entries_live_their_time_and_go_when_forgotten() {
        let cache = LookupCache::new(Duration::from_secs(60));
        let m = merchant();
        assert_eq!(cache.merchant(m.id), None);
        cache.put_merchant(cache.generation(m.id), &m);
        assert_eq!(cache.merchant(m.id), Some(m.clone()));
        cache.forget(m.id);
        assert_eq!(cache.merchant(m.id), None);
        // A lookup that read before the change cannot put its stale value after it.
        let before = cache.generation(m.id);
        cache.forget(m.id);
        cache.put_merchant(before, &m);
        assert_eq!(cache.merchant(m.id), None);
        // An account's token status goes with its merchant's other entries.
        let account = uuid::Uuid::now_v7();
        cache.put_token_status(cache.generation(m.id), m.id, account, (3, false));
        assert_eq!(cache.token_status(m.id, account), Some((3, false)));
        cache.forget(m.id);
        assert_eq!(cache.token_status(m.id, account), None);
        let expired = LookupCache::new(Duration::ZERO);
        expired.put_merchant(0, &m);
        assert_eq!(expired.merchant(m.id), None);
        assert!(!expired.enabled());
    }
}
