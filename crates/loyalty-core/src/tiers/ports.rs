use crate::kernel::StoreError;
use crate::kernel::{MemberId, MerchantId};
use crate::tiers::GrowthBasis;
use crate::tiers::TierChange;
use async_trait::async_trait;
use chrono::{DateTime, Utc};

/// Growth value and tier history. Growth value is not stored apart: it is what the orders
/// (spend, net of refunds) and the ledger (points earned, net of reversals) say, so it can
/// never disagree with them and costs an order no write.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait GrowthRepository: Send {
    /// The member's growth value on `basis` from what happened since `since` (all time when
    /// `None`): spend of orders made since then, net of their refunds; points earned since
    /// then, net of reversals since then.
    ///
    /// # Errors
    /// [`StoreError::Backend`] on failure.
    async fn growth(
        &mut self,
        merchant: MerchantId,
        member: MemberId,
        basis: GrowthBasis,
        since: Option<DateTime<Utc>>,
    ) -> Result<i64, StoreError>;

    /// The growth values of several members at once (members without growth are absent).
    ///
    /// # Errors
    /// [`StoreError::Backend`] on failure.
    async fn growth_of(
        &mut self,
        merchant: MerchantId,
        members: &[MemberId],
        basis: GrowthBasis,
        since: Option<DateTime<Utc>>,
    ) -> Result<Vec<(MemberId, i64)>, StoreError>;

    /// # Errors
    /// [`StoreError::Backend`] on failure.
    async fn insert_tier_change(&mut self, change: &TierChange) -> Result<(), StoreError>;

    /// The member's tier changes, newest first.
    ///
    /// # Errors
    /// [`StoreError::Backend`] on failure.
    async fn tier_history(
        &mut self,
        merchant: MerchantId,
        member: MemberId,
        limit: u64,
    ) -> Result<Vec<TierChange>, StoreError>;
}

/// A transaction that reaches growth values and tier history.
pub trait GrowthTx: crate::kernel::Transaction {
    fn growth(&mut self) -> &mut dyn GrowthRepository;
}

/// What growth reaches: the member's growth and tier history, and telling the member of an
/// upgrade.
pub trait GrowTx: GrowthTx + crate::notifications::NotifyTx {}

impl<T: GrowthTx + crate::notifications::NotifyTx> GrowTx for T {}
