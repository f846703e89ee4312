//! Test support for the core and for crates that embed it: a transaction made of mockall
//! mocks, one per repository, that records whether it was committed.

use crate::cards::{CardRepository, MockCardRepository};

use crate::coupons::{CouponRepository, MockCouponRepository};

use crate::settings::{MockSettingsRepository, SettingsRepository};
use crate::tiers::{GrowthRepository, MockGrowthRepository};

use crate::kernel::{IdempotencyRepository, MockIdempotencyRepository, StoreError, Transaction};

use crate::members::{
    LoginCodeRepository, MemberRepository, MockLoginCodeRepository, MockMemberRepository,
};

use crate::merchants::{
    MerchantRepository, MockMerchantRepository, MockStaffRepository, MockStoreRepository,
    StaffRepository, StoreRepository,
};

use crate::checkout::{MockOrderRepository, OrderRepository};

use crate::notifications::{MockOutboxRepository, OutboxRepository};

use crate::points::{MockPointsRepository, PointsRepository};

use crate::kernel::{MerchantId, MerchantTimeZone, MockClock, MockUnitOfWork};
use crate::merchants::Merchant;
use crate::settings::{MerchantSettings, Versioned};
use crate::wallet::{MockWalletRepository, WalletRepository};
use async_trait::async_trait;
use chrono::{DateTime, TimeZone, Utc};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// A [`Transaction`] whose repositories are mocks. Set expectations on the fields, hand it
/// out from a `MockUnitOfWork`, then ask [`CommitFlag::is_set`] whether it was committed.
#[derive(Default)]
pub struct MockTransaction {
    pub merchants: MockMerchantRepository,
    pub stores: MockStoreRepository,
    pub staff: MockStaffRepository,
    pub members: MockMemberRepository,
    pub points: MockPointsRepository,
    pub orders: MockOrderRepository,
    pub idempotency: MockIdempotencyRepository,
    pub login_codes: MockLoginCodeRepository,
    pub settings: MockSettingsRepository,
    pub growth: MockGrowthRepository,
    pub outbox: MockOutboxRepository,
    pub coupons: MockCouponRepository,
    pub cards: MockCardRepository,
    pub wallet: MockWalletRepository,
    pub committed: CommitFlag,
    /// What `commit` answers; `None` commits.
    pub commit_error: Option<fn() -> StoreError>,
}

/// Shared with the test so it can look after the transaction is gone.
#[derive(Debug, Clone, Default)]
pub struct CommitFlag(Arc<AtomicBool>);

impl CommitFlag {
    #[must_use]
    pub fn is_set(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}

#[async_trait]
impl Transaction for MockTransaction {
    fn merchants(&mut self) -> &mut dyn MerchantRepository {
        &mut self.merchants
    }
    fn stores(&mut self) -> &mut dyn StoreRepository {
        &mut self.stores
    }
    fn staff(&mut self) -> &mut dyn StaffRepository {
        &mut self.staff
    }
    fn members(&mut self) -> &mut dyn MemberRepository {
        &mut self.members
    }
    fn points(&mut self) -> &mut dyn PointsRepository {
        &mut self.points
    }
    fn orders(&mut self) -> &mut dyn OrderRepository {
        &mut self.orders
    }
    fn idempotency(&mut self) -> &mut dyn IdempotencyRepository {
        &mut self.idempotency
    }
    fn login_codes(&mut self) -> &mut dyn LoginCodeRepository {
        &mut self.login_codes
    }
    fn settings(&mut self) -> &mut dyn SettingsRepository {
        &mut self.settings
    }
    fn growth(&mut self) -> &mut dyn GrowthRepository {
        &mut self.growth
    }
    fn outbox(&mut self) -> &mut dyn OutboxRepository {
        &mut self.outbox
    }
    fn coupons(&mut self) -> &mut dyn CouponRepository {
        &mut self.coupons
    }
    fn cards(&mut self) -> &mut dyn CardRepository {
        &mut self.cards
    }
    fn wallet(&mut self) -> &mut dyn WalletRepository {
        &mut self.wallet
    }
    async fn commit(self: Box<Self>) -> Result<(), StoreError> {
        if let Some(error) = self.commit_error {
            return Err(error());
        }
        self.committed.0.store(true, Ordering::SeqCst);
        Ok(())
    }
}

/// The engine's default settings, saved as version 1 at `at`, without tiers.
#[must_use]
pub fn default_settings(at: chrono::DateTime<chrono::Utc>) -> MerchantSettings {
    MerchantSettings {
        earning: Versioned {
            version: 1,
            value: crate::points::EarningPolicy::default(),
            updated_at: at,
            updated_by: None,
        },
        expiry: Versioned {
            version: 1,
            value: crate::points::ExpiryPolicy::default(),
            updated_at: at,
            updated_by: None,
        },
        tiers: None,
        notifications: Versioned {
            version: 0,
            value: crate::notifications::NotificationSettings::default(),
            updated_at: at,
            updated_by: None,
        },
        checkout: Versioned {
            version: 0,
            value: crate::checkout::CheckoutSettings::default(),
            updated_at: at,
            updated_by: None,
        },
    }
}

/// A clock that stands still until a test moves it.
#[derive(Debug, Clone)]
pub struct ManualClock(Arc<std::sync::Mutex<chrono::DateTime<chrono::Utc>>>);

impl ManualClock {
    #[must_use]
    pub fn at(now: chrono::DateTime<chrono::Utc>) -> Self {
        Self(Arc::new(std::sync::Mutex::new(now)))
    }

    pub fn advance(&self, by: chrono::Duration) {
        let mut now = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        *now += by;
    }
}

impl crate::kernel::Clock for ManualClock {
    fn now(&self) -> chrono::DateTime<chrono::Utc> {
        *self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// A notifier that keeps every event it is given, for tests that count them.
#[derive(Debug, Clone, Default)]
pub struct RecordingNotifier(Arc<std::sync::Mutex<Vec<crate::events::DomainEvent>>>);

impl RecordingNotifier {
    #[must_use]
    pub fn events(&self) -> Vec<crate::events::DomainEvent> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }
}

#[async_trait]
impl crate::events::Notifier for RecordingNotifier {
    async fn notify(
        &self,
        event: &crate::events::DomainEvent,
    ) -> Result<(), crate::events::NotifyError> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push(event.clone());
        Ok(())
    }
}

/// A fixed moment the use-case tests run at.
#[must_use]
pub fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 23, 8, 0, 0)
        .single()
        .expect("valid")
}

/// A clock that always answers [`now`].
#[must_use]
pub fn clock() -> MockClock {
    let mut clock = MockClock::new();
    clock.expect_now().returning(now);
    clock
}

/// A unit of work that hands out `txs` in order, and no more.
#[must_use]
pub fn uow_with(txs: Vec<MockTransaction>) -> MockUnitOfWork {
    let mut uow = MockUnitOfWork::new();
    let count = txs.len();
    let mut queue = txs.into_iter();
    uow.expect_begin().times(count).returning(move |_| {
        let tx: Box<dyn Transaction> = Box::new(queue.next().expect("a transaction"));
        Ok(tx)
    });
    uow
}

/// A merchant in the default time zone, created at [`now`].
#[must_use]
pub fn merchant(id: MerchantId) -> Merchant {
    Merchant {
        id,
        code: "demo".into(),
        name: "Demo".into(),
        time_zone: MerchantTimeZone::default(),
        created_at: now(),
    }
}
