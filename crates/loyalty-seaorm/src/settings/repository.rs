use super::rows::{body, unsaved, versioned};
use crate::errors::StoreResult;
use crate::settings::entities::{merchant_settings, merchant_settings_history};
use crate::shared::{MerchantOwned, from_json};
use crate::uow::SeaTransaction;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use loyalty_core::checkout::CheckoutSettings;
use loyalty_core::kernel::StoreError;
use loyalty_core::kernel::{MerchantId, StaffId};
use loyalty_core::notifications::NotificationSettings;
use loyalty_core::points::EarningPolicy;
use loyalty_core::points::ExpiryPolicy;
use loyalty_core::settings::SettingsRepository;
use loyalty_core::settings::{MerchantSettings, Setting, SettingKind, Versioned};
use loyalty_core::tiers::TierPolicy;
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict, Query};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use tracing::instrument;
use uuid::Uuid;

impl SeaTransaction {
    async fn settings_from_db(&self, merchant: MerchantId) -> Result<MerchantSettings, StoreError> {
        let rows = merchant_settings::Entity::find_of(merchant)
            .all(&self.txn)
            .await
            .store()?;
        let mut settings = MerchantSettings {
            earning: unsaved(EarningPolicy::default()),
            expiry: unsaved(ExpiryPolicy::default()),
            tiers: None,
            notifications: unsaved(NotificationSettings::default()),
            checkout: unsaved(CheckoutSettings::default()),
        };
        for row in &rows {
            match SettingKind::parse(&row.kind) {
                Some(SettingKind::Earning) => settings.earning = versioned(row)?,
                Some(SettingKind::Expiry) => settings.expiry = versioned(row)?,
                Some(SettingKind::Tiers) => settings.tiers = Some(versioned::<TierPolicy>(row)?),
                Some(SettingKind::Notifications) => settings.notifications = versioned(row)?,
                Some(SettingKind::Checkout) => settings.checkout = versioned(row)?,
                None => {}
            }
        }
        Ok(settings)
    }
}

#[async_trait]
impl SettingsRepository for SeaTransaction {
    #[instrument(level = "debug", skip_all, err(level = "debug"), fields(merchant = %merchant))]
    async fn settings(&mut self, merchant: MerchantId) -> Result<MerchantSettings, StoreError> {
        if self.cached_reads
            && let Some(settings) = self.cache.settings(merchant)
        {
            return Ok(settings);
        }
        let generation = self.cache.generation(merchant);
        let settings = self.settings_from_db(merchant).await?;
        if self.cached_reads {
            self.cache.put_settings(generation, merchant, &settings);
        }
        Ok(settings)
    }

    #[instrument(level = "debug", skip_all, err(level = "debug"), fields(merchant = %merchant))]
    async fn put_setting(
        &mut self,
        merchant: MerchantId,
        setting: &Setting,
        by: Option<StaffId>,
        expected: Option<i64>,
        now: DateTime<Utc>,
    ) -> Result<Option<i64>, StoreError> {
        use merchant_settings::Column as C;
        self.forget.push(merchant);
        let kind = setting.kind().as_str();
        let body = body(setting)?;
        let returned = match expected {
            // Only over the version the editor saw.
            Some(seen) if seen > 0 => {
                let mut update = Query::update();
                update
                    .table(merchant_settings::Entity)
                    .value(C::Version, Expr::col(C::Version).add(1))
                    .value(C::Body, body.clone())
                    .value(C::UpdatedAt, now)
                    .value(C::UpdatedBy, by.map(|b| b.as_uuid()))
                    .and_where(merchant_settings::Entity::bare_merchant_is(merchant))
                    .and_where(Expr::col(C::Kind).eq(kind))
                    .and_where(Expr::col(C::Version).eq(seen))
                    .returning(Query::returning().column(C::Version));
                self.txn.query_one(&update).await.store()?
            }
            // One statement takes the next version, so two saves never get the same one; an
            // editor who saw none saved inserts only if none was meanwhile.
            _ => {
                let mut insert = Query::insert();
                insert
                    .into_table(merchant_settings::Entity)
                    .columns([
                        C::MerchantId,
                        C::Kind,
                        C::Version,
                        C::Body,
                        C::UpdatedAt,
                        C::UpdatedBy,
                    ])
                    .values_panic([
                        merchant.as_uuid().into(),
                        kind.into(),
                        1i64.into(),
                        body.clone().into(),
                        now.into(),
                        by.map(|b| b.as_uuid()).into(),
                    ])
                    .on_conflict(if expected.is_some() {
                        OnConflict::columns([C::MerchantId, C::Kind])
                            .do_nothing()
                            .to_owned()
                    } else {
                        OnConflict::columns([C::MerchantId, C::Kind])
                            .value(
                                C::Version,
                                Expr::col((merchant_settings::Entity, C::Version)).add(1),
                            )
                            .update_columns([C::Body, C::UpdatedAt, C::UpdatedBy])
                            .to_owned()
                    })
                    .returning(Query::returning().column(C::Version));
                self.txn.query_one(&insert).await.store()?
            }
        };
        let Some(row) = returned else {
            return Ok(None);
        };
        let version: i64 = row.try_get_by_index(0).store()?;
        merchant_settings_history::Entity::insert(merchant_settings_history::ActiveModel {
            merchant_id: Set(merchant.as_uuid()),
            kind: Set(kind.to_owned()),
            version: Set(version),
            body: Set(body),
            created_at: Set(now),
            created_by: Set(by.map(|b| b.as_uuid())),
        })
        .exec_without_returning(&self.txn)
        .await
        .store()?;
        Ok(Some(version))
    }

    #[instrument(level = "debug", skip_all, err(level = "debug"), fields(merchant = %merchant))]
    async fn earning_version(
        &mut self,
        merchant: MerchantId,
        version: i64,
    ) -> Result<Option<Versioned<EarningPolicy>>, StoreError> {
        use merchant_settings_history::Column as C;
        let row = merchant_settings_history::Entity::find_of(merchant)
            .filter(C::Kind.eq(SettingKind::Earning.as_str()))
            .filter(C::Version.eq(version))
            .one(&self.txn)
            .await
            .store()?;
        row.map(|r| {
            Ok(Versioned {
                version: r.version,
                value: from_json(&r.body, &r.kind)?,
                updated_at: r.created_at,
                updated_by: r.created_by.map(StaffId::from_uuid),
            })
        })
        .transpose()
    }

    #[instrument(level = "debug", skip_all, err(level = "debug"))]
    async fn merchants_with(&mut self, kind: SettingKind) -> Result<Vec<MerchantId>, StoreError> {
        let ids: Vec<Uuid> = merchant_settings::Entity::find()
            .select_only()
            .column(merchant_settings::Column::MerchantId)
            .filter(merchant_settings::Column::Kind.eq(kind.as_str()))
            .order_by_asc(merchant_settings::Column::MerchantId)
            .into_tuple()
            .all(&self.txn)
            .await
            .store()?;
        Ok(ids.into_iter().map(MerchantId::from_uuid).collect())
    }
}
