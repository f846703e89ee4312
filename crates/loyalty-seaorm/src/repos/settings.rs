use crate::entities::{
    card_entries, merchant_settings, merchant_settings_history, orders, points_ledger, tier_changes,
};
use crate::errors::{corrupt, store_error};
use crate::uow::SeaTransaction;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use loyalty_core::cards::CardEntryKind;
use loyalty_core::checkout::CheckoutSettings;
use loyalty_core::kernel::StoreError;
use loyalty_core::kernel::{MemberId, MerchantId, StaffId};
use loyalty_core::notifications::NotificationSettings;
use loyalty_core::points::EarningPolicy;
use loyalty_core::points::EntryKind;
use loyalty_core::points::ExpiryPolicy;
use loyalty_core::settings::SettingsRepository;
use loyalty_core::settings::{MerchantSettings, Setting, SettingKind, Versioned};
use loyalty_core::tiers::GrowthRepository;
use loyalty_core::tiers::{GrowthBasis, TierPolicy};
use loyalty_core::tiers::{TierChange, TierChangeReason};
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict, Query};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use serde::de::DeserializeOwned;
use uuid::Uuid;

fn parse<T: DeserializeOwned>(kind: &str, body: &str) -> Result<T, StoreError> {
    serde_json::from_str(body).map_err(|e| corrupt(kind, e))
}

fn versioned<T: DeserializeOwned>(
    row: &merchant_settings::Model,
) -> Result<Versioned<T>, StoreError> {
    Ok(Versioned {
        version: row.version,
        value: parse(&row.kind, &row.body)?,
        updated_at: row.updated_at,
        updated_by: row.updated_by.map(StaffId::from_uuid),
    })
}

fn body(setting: &Setting) -> Result<String, StoreError> {
    match setting {
        Setting::Earning(p) => serde_json::to_string(p),
        Setting::Expiry(p) => serde_json::to_string(p),
        Setting::Tiers(p) => serde_json::to_string(p),
        Setting::Notifications(p) => serde_json::to_string(p),
        Setting::Checkout(p) => serde_json::to_string(p),
    }
    .map_err(|e| corrupt("setting", e))
}

impl SeaTransaction {
    async fn settings_from_db(&self, merchant: MerchantId) -> Result<MerchantSettings, StoreError> {
        let rows = merchant_settings::Entity::find()
            .filter(merchant_settings::Column::MerchantId.eq(merchant.as_uuid()))
            .all(&self.txn)
            .await
            .map_err(store_error)?;
        let epoch = DateTime::<Utc>::UNIX_EPOCH;
        let default = |value| Versioned {
            version: 0,
            value,
            updated_at: epoch,
            updated_by: None,
        };
        let mut settings = MerchantSettings {
            earning: default(EarningPolicy::default()),
            expiry: Versioned {
                version: 0,
                value: ExpiryPolicy::default(),
                updated_at: epoch,
                updated_by: None,
            },
            tiers: None,
            notifications: Versioned {
                version: 0,
                value: NotificationSettings::default(),
                updated_at: epoch,
                updated_by: None,
            },
            checkout: Versioned {
                version: 0,
                value: CheckoutSettings::default(),
                updated_at: epoch,
                updated_by: None,
            },
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
                    .and_where(Expr::col(C::MerchantId).eq(merchant.as_uuid()))
                    .and_where(Expr::col(C::Kind).eq(kind))
                    .and_where(Expr::col(C::Version).eq(seen))
                    .returning(Query::returning().column(C::Version));
                self.txn.query_one(&update).await.map_err(store_error)?
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
                self.txn.query_one(&insert).await.map_err(store_error)?
            }
        };
        let Some(row) = returned else {
            return Ok(None);
        };
        let version: i64 = row.try_get_by_index(0).map_err(store_error)?;
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
        .map_err(store_error)?;
        Ok(Some(version))
    }

    async fn earning_version(
        &mut self,
        merchant: MerchantId,
        version: i64,
    ) -> Result<Option<Versioned<EarningPolicy>>, StoreError> {
        use merchant_settings_history::Column as C;
        let row = merchant_settings_history::Entity::find()
            .filter(C::MerchantId.eq(merchant.as_uuid()))
            .filter(C::Kind.eq(SettingKind::Earning.as_str()))
            .filter(C::Version.eq(version))
            .one(&self.txn)
            .await
            .map_err(store_error)?;
        row.map(|r| {
            Ok(Versioned {
                version: r.version,
                value: parse(&r.kind, &r.body)?,
                updated_at: r.created_at,
                updated_by: r.created_by.map(StaffId::from_uuid),
            })
        })
        .transpose()
    }

    async fn merchants_with(&mut self, kind: SettingKind) -> Result<Vec<MerchantId>, StoreError> {
        let ids: Vec<Uuid> = merchant_settings::Entity::find()
            .select_only()
            .column(merchant_settings::Column::MerchantId)
            .filter(merchant_settings::Column::Kind.eq(kind.as_str()))
            .order_by_asc(merchant_settings::Column::MerchantId)
            .into_tuple()
            .all(&self.txn)
            .await
            .map_err(store_error)?;
        Ok(ids.into_iter().map(MerchantId::from_uuid).collect())
    }
}

#[async_trait]
impl GrowthRepository for SeaTransaction {
    async fn growth(
        &mut self,
        merchant: MerchantId,
        member: MemberId,
        basis: GrowthBasis,
        since: Option<DateTime<Utc>>,
    ) -> Result<i64, StoreError> {
        Ok(self
            .growth_of(merchant, &[member], basis, since)
            .await?
            .first()
            .map_or(0, |(_, g)| *g))
    }

    async fn growth_of(
        &mut self,
        merchant: MerchantId,
        members: &[MemberId],
        basis: GrowthBasis,
        since: Option<DateTime<Utc>>,
    ) -> Result<Vec<(MemberId, i64)>, StoreError> {
        let mut found = Vec::with_capacity(members.len());
        for chunk in members.chunks(500) {
            let ids = chunk.iter().map(|m| m.as_uuid());
            let rows: Vec<(Uuid, Option<i64>)> = match basis {
                GrowthBasis::Spend => {
                    use orders::Column as C;
                    let mut query = orders::Entity::find()
                        .select_only()
                        .column(C::MemberId)
                        .expr(Expr::cust(
                            "CAST(SUM(amount_paid_fen - amount_refunded_fen) AS BIGINT)",
                        ))
                        .filter(C::MerchantId.eq(merchant.as_uuid()))
                        .filter(C::MemberId.is_in(ids));
                    if let Some(since) = since {
                        query = query.filter(C::CreatedAt.gte(since));
                    }
                    query
                        .group_by(C::MemberId)
                        .into_tuple()
                        .all(&self.txn)
                        .await
                        .map_err(store_error)?
                }
                GrowthBasis::PointsEarned => {
                    use points_ledger::Column as C;
                    let mut query = points_ledger::Entity::find()
                        .select_only()
                        .column(C::MemberId)
                        .expr(Expr::cust("CAST(SUM(delta) AS BIGINT)"))
                        .filter(C::MerchantId.eq(merchant.as_uuid()))
                        .filter(C::MemberId.is_in(ids))
                        .filter(
                            C::Kind.is_in([EntryKind::Earn.as_str(), EntryKind::Reverse.as_str()]),
                        );
                    if let Some(since) = since {
                        query = query.filter(C::CreatedAt.gte(since));
                    }
                    query
                        .group_by(C::MemberId)
                        .into_tuple()
                        .all(&self.txn)
                        .await
                        .map_err(store_error)?
                }
                // What members paid onto their cards (the bonus is not growth).
                GrowthBasis::TopUp => {
                    use card_entries::Column as C;
                    let mut query = card_entries::Entity::find()
                        .select_only()
                        .column(C::MemberId)
                        .expr(Expr::cust("CAST(SUM(principal_delta) AS BIGINT)"))
                        .filter(C::MerchantId.eq(merchant.as_uuid()))
                        .filter(C::MemberId.is_in(ids))
                        .filter(C::Kind.eq(CardEntryKind::TopUp.as_str()));
                    if let Some(since) = since {
                        query = query.filter(C::CreatedAt.gte(since));
                    }
                    query
                        .group_by(C::MemberId)
                        .into_tuple()
                        .all(&self.txn)
                        .await
                        .map_err(store_error)?
                }
            };
            found.extend(
                rows.into_iter()
                    .map(|(id, sum)| (MemberId::from_uuid(id), sum.unwrap_or(0))),
            );
        }
        Ok(found)
    }

    async fn insert_tier_change(&mut self, change: &TierChange) -> Result<(), StoreError> {
        tier_changes::Entity::insert(tier_changes::ActiveModel {
            id: Set(change.id),
            merchant_id: Set(change.merchant_id.as_uuid()),
            member_id: Set(change.member_id.as_uuid()),
            from_tier: Set(change.from_tier.clone()),
            to_tier: Set(change.to_tier.clone()),
            reason: Set(change.reason.as_str().to_owned()),
            growth: Set(change.growth),
            created_at: Set(change.created_at),
        })
        .exec_without_returning(&self.txn)
        .await
        .map_err(store_error)?;
        Ok(())
    }

    async fn tier_history(
        &mut self,
        merchant: MerchantId,
        member: MemberId,
        limit: u64,
    ) -> Result<Vec<TierChange>, StoreError> {
        use tier_changes::Column as C;
        let rows = tier_changes::Entity::find()
            .filter(C::MerchantId.eq(merchant.as_uuid()))
            .filter(C::MemberId.eq(member.as_uuid()))
            .order_by_desc(C::CreatedAt)
            .order_by_desc(C::Id)
            .limit(limit)
            .all(&self.txn)
            .await
            .map_err(store_error)?;
        rows.into_iter()
            .map(|r| {
                Ok(TierChange {
                    id: r.id,
                    merchant_id: r.merchant_id.into(),
                    member_id: r.member_id.into(),
                    from_tier: r.from_tier,
                    to_tier: r.to_tier,
                    reason: TierChangeReason::parse(&r.reason)
                        .ok_or_else(|| corrupt("tier change reason", &r.reason))?,
                    growth: r.growth,
                    created_at: r.created_at,
                })
            })
            .collect()
    }
}
