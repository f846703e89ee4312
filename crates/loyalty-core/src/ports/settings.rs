use super::StoreError;
use crate::earning::EarningPolicy;
use crate::model::TierChange;
use crate::settings::{MerchantSettings, Setting, SettingKind, Versioned};
use crate::tiers::GrowthBasis;
use crate::types::{MemberId, MerchantId, StaffId};
use async_trait::async_trait;
use chrono::{DateTime, Utc};

/// A merchant's rule settings, each kind versioned.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait SettingsRepository: Send {
    /// The current version of every kind; the engine's defaults (version 0) for a kind the
    /// merchant never saved, `None` tiers when it has no ladder.
    ///
    /// # Errors
    /// [`StoreError::Backend`] on failure (a stored setting that no longer parses included).
    async fn settings(&mut self, merchant: MerchantId) -> Result<MerchantSettings, StoreError>;

    /// Saves `setting` as the next version of its kind, keeps it in the history, and returns
    /// the version. Two saves at once get two different versions. With `expected`, only if
    /// the current version is still that (0: none saved yet); `None` when it is not.
    ///
    /// # Errors
    /// [`StoreError::Backend`] on failure.
    async fn put_setting(
        &mut self,
        merchant: MerchantId,
        setting: &Setting,
        by: Option<StaffId>,
        expected: Option<i64>,
        now: DateTime<Utc>,
    ) -> Result<Option<i64>, StoreError>;

    /// An earning policy as it was at `version`.
    ///
    /// # Errors
    /// [`StoreError::Backend`] on failure.
    async fn earning_version(
        &mut self,
        merchant: MerchantId,
        version: i64,
    ) -> Result<Option<Versioned<EarningPolicy>>, StoreError>;

    /// The merchants that saved a setting of `kind`.
    ///
    /// # Errors
    /// [`StoreError::Backend`] on failure.
    async fn merchants_with(&mut self, kind: SettingKind) -> Result<Vec<MerchantId>, StoreError>;
}

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
