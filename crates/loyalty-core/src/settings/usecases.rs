use super::SettingsService;
use crate::coupons::CouponsTx;
use crate::events::Notifier;
use crate::kernel::Transaction;
use crate::kernel::{Clock, TxMode, UnitOfWork};
use crate::kernel::{MerchantId, StaffId};
use crate::merchants::StoresTx;
use crate::points::EarningPolicy;
use crate::settings::SettingsTx;
use crate::settings::{MerchantSettings, Setting, Versioned};
use crate::{Error, Result};

impl<U, C, N> SettingsService<'_, U, C, N>
where
    U: UnitOfWork<Tx: CouponsTx + SettingsTx + StoresTx>,
    C: Clock,
    N: Notifier,
{
    /// # Errors
    /// Storage failures.
    #[tracing::instrument(level = "debug", skip_all, fields(merchant = %merchant_id))]
    pub async fn current(self, merchant_id: MerchantId) -> Result<MerchantSettings> {
        let mut tx = self.uow.begin(TxMode::Lookup).await?;
        Ok(tx.settings().settings(merchant_id).await?)
    }

    /// Saves a setting as its next version.
    ///
    /// # Errors
    /// `validation_failed` with the field at fault.
    #[tracing::instrument(level = "debug", skip_all, fields(merchant = %merchant_id))]
    pub async fn put(
        self,
        merchant_id: MerchantId,
        setting: Setting,
        by: Option<StaffId>,
    ) -> Result<i64> {
        self.put_over(merchant_id, setting, by, None).await
    }

    /// Saves a setting as its next version only if its current version is still `expected`
    /// (0: none saved yet), when given: two editors cannot overwrite each other unseen.
    ///
    /// # Errors
    /// `validation_failed` with the field at fault; `version_conflict` when the setting
    /// changed since the editor read it.
    #[tracing::instrument(level = "debug", skip_all, fields(merchant = %merchant_id))]
    pub async fn put_over(
        self,
        merchant_id: MerchantId,
        setting: Setting,
        by: Option<StaffId>,
        expected: Option<i64>,
    ) -> Result<i64> {
        setting.validate()?;
        let now = self.clock.now();
        let mut tx = self.uow.begin(TxMode::Write).await?;
        let (stores, templates) = setting.references();
        crate::merchants::stores_exist(&mut tx, merchant_id, stores).await?;
        for template in templates {
            crate::coupons::template_of(&mut tx, merchant_id, template).await?;
        }
        let version = tx
            .settings()
            .put_setting(merchant_id, &setting, by, expected, now)
            .await?
            .ok_or(Error::VersionConflict)?;
        tx.commit().await?;
        Ok(version)
    }

    /// The earning policy as it was at `version` (the version an entry records).
    ///
    /// # Errors
    /// `version_not_found`.
    #[tracing::instrument(level = "debug", skip_all, fields(merchant = %merchant_id))]
    pub async fn earning_version(
        self,
        merchant_id: MerchantId,
        version: i64,
    ) -> Result<Versioned<EarningPolicy>> {
        let mut tx = self.uow.begin(TxMode::Lookup).await?;
        tx.settings()
            .earning_version(merchant_id, version)
            .await?
            .ok_or(Error::NotFound(crate::settings::VERSION))
    }
}
