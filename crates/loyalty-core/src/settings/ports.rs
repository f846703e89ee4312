use crate::kernel::StoreError;
use crate::kernel::{MerchantId, StaffId};
use crate::points::EarningPolicy;
use crate::settings::{MerchantSettings, Setting, SettingKind, Versioned};
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

/// A transaction that reaches merchants' rule settings.
pub trait SettingsTx: crate::kernel::Transaction {
    fn settings(&mut self) -> &mut dyn SettingsRepository;
}
