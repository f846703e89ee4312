//! Test support for the core and for crates that embed it: a transaction made of mockall
//! mocks, one per repository, that records whether it was committed.

use crate::cards::MockCardRepository;

use crate::coupons::MockCouponRepository;

use crate::settings::MockSettingsRepository;
use crate::tiers::MockGrowthRepository;

use crate::kernel::{MockIdempotencyRepository, StoreError, Transaction};

use crate::members::{MockLoginCodeRepository, MockMemberRepository};

use crate::merchants::{MockMerchantRepository, MockStaffRepository, MockStoreRepository};

use crate::checkout::MockOrderRepository;

use crate::notifications::MockOutboxRepository;

use crate::points::MockPointsRepository;

use crate::kernel::{MerchantId, MerchantTimeZone, MockClock, MockUnitOfWork};
use crate::merchants::Merchant;
use crate::settings::{MerchantSettings, Versioned};
use crate::wallet::MockWalletRepository;
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
    async fn commit(self) -> Result<(), StoreError> {
        if let Some(error) = self.commit_error {
            return Err(error());
        }
        self.committed.0.store(true, Ordering::SeqCst);
        Ok(())
    }
}

/// Each capability hands out its field's mock.
macro_rules! capability {
    ($($cap:path => $accessor:ident: $repo:path;)*) => {$(
        impl $cap for MockTransaction {
            fn $accessor(&mut self) -> &mut dyn $repo {
                &mut self.$accessor
            }
        }
    )*};
}

capability! {
    crate::kernel::IdempotencyTx => idempotency: crate::kernel::IdempotencyRepository;
    crate::merchants::MerchantsTx => merchants: crate::merchants::MerchantRepository;
    crate::merchants::StoresTx => stores: crate::merchants::StoreRepository;
    crate::merchants::StaffTx => staff: crate::merchants::StaffRepository;
    crate::members::MembersTx => members: crate::members::MemberRepository;
    crate::members::LoginCodesTx => login_codes: crate::members::LoginCodeRepository;
    crate::points::PointsTx => points: crate::points::PointsRepository;
    crate::tiers::GrowthTx => growth: crate::tiers::GrowthRepository;
    crate::coupons::CouponsTx => coupons: crate::coupons::CouponRepository;
    crate::checkout::OrdersTx => orders: crate::checkout::OrderRepository;
    crate::cards::CardsTx => cards: crate::cards::CardRepository;
    crate::wallet::WalletTx => wallet: crate::wallet::WalletRepository;
    crate::notifications::OutboxTx => outbox: crate::notifications::OutboxRepository;
    crate::settings::SettingsTx => settings: crate::settings::SettingsRepository;
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
    uow.expect_begin()
        .times(count)
        .returning(move |_| Ok(queue.next().expect("a transaction")));
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
