use crate::cards::CardRepository;
use crate::checkout::OrderRepository;
use crate::coupons::CouponRepository;
use crate::kernel::IdempotencyRepository;
use crate::members::{LoginCodeRepository, MemberRepository};
use crate::merchants::{MerchantRepository, StaffRepository, StoreRepository};
use crate::notifications::OutboxRepository;
use crate::points::PointsRepository;
use crate::settings::SettingsRepository;
use crate::tiers::GrowthRepository;
use crate::wallet::WalletRepository;
use async_trait::async_trait;

/// A business key that must be unique; adapters name the one a write collided with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UniqueKey {
    MerchantCode,
    StoreName,
    StaffUsername,
    MemberPhone,
    MemberOpenid,
    MemberInviteCode,
    OrderNo,
    LedgerSource,
    IdempotencyKey,
    LoginCodeMinute,
    CouponCode,
    CouponSource,
    MemberCard,
    Other,
}

impl UniqueKey {
    #[must_use]
    pub const fn code(self) -> &'static str {
        match self {
            Self::MerchantCode => "merchant_code_taken",
            Self::StoreName => "store_name_taken",
            Self::StaffUsername => "username_taken",
            Self::MemberPhone => "member_exists",
            Self::MemberOpenid => "member_exists",
            Self::MemberInviteCode => "invite_code_taken",
            Self::OrderNo => "order_no_taken",
            Self::LedgerSource => "already_applied",
            Self::IdempotencyKey => "idempotency_in_flight",
            Self::LoginCodeMinute => "too_many_requests",
            Self::CouponCode => "conflict",
            Self::CouponSource => "already_applied",
            Self::MemberCard => "card_exists",
            Self::Other => "conflict",
        }
    }
}

impl std::fmt::Display for UniqueKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code())
    }
}

/// How storage failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Busy, a serialization failure, a deadlock, or a conditional write that found the row
    /// changed under it: running the whole use case again may succeed.
    #[error("contention: {0}")]
    Contention(String),
    /// A unique business key is taken.
    #[error("unique key {0} is taken")]
    Unique(UniqueKey),
    /// Anything else: a broken connection, a bug, a corrupt row.
    #[error("storage backend failed")]
    Backend(#[source] Box<dyn std::error::Error + Send + Sync>),
}

/// What a unit of work is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TxMode {
    /// Independent reads, each seeing the latest committed state, with no transaction
    /// around them (no `BEGIN`/`COMMIT` round trips). `commit` does nothing.
    Lookup,
    /// Reads that must agree with each other: one snapshot.
    Read,
    /// Writes: all or nothing. On SQLite they queue for the single writer.
    Write,
}

/// One transaction: every repository it hands out runs on it.
///
/// Dropping it without [`Transaction::commit`] rolls everything back.
///
/// Lock order: a use case that changes a member's points touches the member row first
/// (through [`PointsRepository::lock_account`], `deposit` or `withdraw`) and only then the
/// member's lots; so two transactions on one account queue on the member row.
#[async_trait]
pub trait Transaction: Send {
    fn merchants(&mut self) -> &mut dyn MerchantRepository;
    fn stores(&mut self) -> &mut dyn StoreRepository;
    fn staff(&mut self) -> &mut dyn StaffRepository;
    fn members(&mut self) -> &mut dyn MemberRepository;
    fn points(&mut self) -> &mut dyn PointsRepository;
    fn orders(&mut self) -> &mut dyn OrderRepository;
    fn idempotency(&mut self) -> &mut dyn IdempotencyRepository;
    fn login_codes(&mut self) -> &mut dyn LoginCodeRepository;
    fn settings(&mut self) -> &mut dyn SettingsRepository;
    fn growth(&mut self) -> &mut dyn GrowthRepository;
    fn outbox(&mut self) -> &mut dyn OutboxRepository;
    fn coupons(&mut self) -> &mut dyn CouponRepository;
    fn cards(&mut self) -> &mut dyn CardRepository;
    fn wallet(&mut self) -> &mut dyn WalletRepository;

    /// Makes every change of this transaction durable at once.
    ///
    /// # Errors
    /// [`StoreError::Contention`] when the database refused the commit for a conflict (the
    /// use case may run again); [`StoreError::Backend`] otherwise. Nothing is kept then.
    async fn commit(self: Box<Self>) -> Result<(), StoreError>;
}

/// Begins transactions.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait UnitOfWork: Send + Sync {
    /// # Errors
    /// [`StoreError::Contention`] when the database stayed locked past its busy timeout;
    /// [`StoreError::Backend`] when no connection could be had.
    async fn begin(&self, mode: TxMode) -> Result<Box<dyn Transaction>, StoreError>;
}
