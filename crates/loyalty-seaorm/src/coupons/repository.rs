use super::rows::{
    coupon_from, coupon_row, template_from, template_row, usable, verification_from,
    verification_row,
};
use super::statements::{announce_update, expire_due_update, segment_query};
use crate::coupons::entities::{coupon_templates, coupon_verifications, coupons};
use crate::errors::StoreResult;
use crate::shared::{IN_LIST_CHUNK, INSERT_CHUNK, KeysetPage, MerchantKeyed, MerchantOwned};
use crate::uow::SeaTransaction;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use loyalty_core::coupons::CouponCode;
use loyalty_core::coupons::{Coupon, CouponSource, CouponStatus, CouponTemplate, Verification};
use loyalty_core::coupons::{CouponRepository, MemberSegment};
use loyalty_core::kernel::StoreError;
use loyalty_core::kernel::{
    CouponId, CouponTemplateId, MemberId, MerchantId, OrderId, StaffId, StoreId, VerificationId,
};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};
use tracing::instrument;
use uuid::Uuid;

impl SeaTransaction {
    /// Marks the verification `which` picks undone, only while it is not: one row or none.
    async fn mark_undone(
        &self,
        merchant: MerchantId,
        which: Condition,
        by: Option<StaffId>,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        use coupon_verifications::Column as C;
        let update = coupon_verifications::Entity::update_of(merchant)
            .col_expr(C::UndoneAt, Expr::value(now))
            .col_expr(C::UndoneBy, Expr::value(by.map(|s| s.as_uuid())))
            .filter(which)
            .filter(C::UndoneAt.is_null());
        self.changed_one(update).await
    }
}

#[async_trait]
impl CouponRepository for SeaTransaction {
    #[instrument(level = "debug", skip_all, err(level = "debug"),
        fields(merchant = %t.merchant_id, id = %t.id))]
    async fn insert_template(&mut self, t: &CouponTemplate) -> Result<(), StoreError> {
        self.insert(template_row(t)?).await
    }

    #[instrument(level = "debug", skip_all, err(level = "debug"),
        fields(merchant = %merchant, id = %id))]
    async fn template(
        &mut self,
        merchant: MerchantId,
        id: CouponTemplateId,
    ) -> Result<Option<CouponTemplate>, StoreError> {
        self.lookup::<coupon_templates::Entity>(merchant, id.as_uuid())
            .await?
            .map(template_from)
            .transpose()
    }

    #[instrument(level = "debug", skip_all, err(level = "debug"), fields(merchant = %merchant))]
    async fn templates(
        &mut self,
        merchant: MerchantId,
        before: Option<CouponTemplateId>,
        limit: u64,
    ) -> Result<Vec<CouponTemplate>, StoreError> {
        use coupon_templates::Column as C;
        let query = coupon_templates::Entity::find_of(merchant).newest_first(
            C::Id,
            before.map(|id| id.as_uuid()),
            limit,
        );
        self.all_as(query, template_from).await
    }

    #[instrument(level = "debug", skip_all, err(level = "debug"),
        fields(merchant = %merchant, id = %id))]
    async fn set_template_active(
        &mut self,
        merchant: MerchantId,
        id: CouponTemplateId,
        active: bool,
    ) -> Result<bool, StoreError> {
        use coupon_templates::Column as C;
        let update = coupon_templates::Entity::update_in(merchant, id.as_uuid())
            .col_expr(C::Active, Expr::value(active));
        self.changed_one(update).await
    }

    #[instrument(level = "debug", skip_all, err(level = "debug"),
        fields(merchant = %merchant, template = %template))]
    async fn reserve_stock(
        &mut self,
        merchant: MerchantId,
        template: CouponTemplateId,
        count: i64,
    ) -> Result<Option<i64>, StoreError> {
        use coupon_templates::Column as C;
        let updated = coupon_templates::Entity::update_in(merchant, template.as_uuid())
            .col_expr(C::Issued, Expr::col(C::Issued).add(count))
            .filter(C::Active.eq(true))
            .filter(
                Condition::any()
                    .add(C::Stock.is_null())
                    .add(Expr::col(C::Issued).add(count).lte(Expr::col(C::Stock))),
            )
            .exec_with_returning(&self.txn)
            .await
            .store()?;
        Ok(updated.first().map(|t| t.issued))
    }

    #[instrument(level = "debug", skip_all, err(level = "debug"),
        fields(merchant = %merchant, template = %template, member = %member))]
    async fn count_held(
        &mut self,
        merchant: MerchantId,
        template: CouponTemplateId,
        member: MemberId,
        since: Option<DateTime<Utc>>,
    ) -> Result<i64, StoreError> {
        use coupons::Column as C;
        let mut query = coupons::Entity::find_of(merchant)
            .filter(C::TemplateId.eq(template.as_uuid()))
            .filter(C::MemberId.eq(member.as_uuid()));
        if let Some(since) = since {
            query = query.filter(C::ClaimedAt.gte(since));
        }
        let count: Option<i64> = query
            .select_only()
            .expr(Expr::cust("CAST(COUNT(*) AS BIGINT)"))
            .into_tuple()
            .one(&self.txn)
            .await
            .store()?;
        Ok(count.unwrap_or(0))
    }

    #[instrument(level = "debug", skip_all, err(level = "debug"),
        fields(merchant = %merchant, template = %template))]
    async fn holders_of(
        &mut self,
        merchant: MerchantId,
        template: CouponTemplateId,
        source: CouponSource,
        source_ref: &str,
        members: &[MemberId],
    ) -> Result<Vec<MemberId>, StoreError> {
        use coupons::Column as C;
        let mut found = Vec::new();
        for chunk in members.chunks(IN_LIST_CHUNK) {
            let rows: Vec<Uuid> = coupons::Entity::find_of(merchant)
                .select_only()
                .column(C::MemberId)
                .filter(C::TemplateId.eq(template.as_uuid()))
                .filter(C::MemberId.is_in(chunk.iter().map(|m| m.as_uuid())))
                .filter(C::Source.eq(source.as_str()))
                .filter(C::SourceRef.eq(source_ref))
                .into_tuple()
                .all(&self.txn)
                .await
                .store()?;
            found.extend(rows.into_iter().map(MemberId::from_uuid));
        }
        Ok(found)
    }

    #[instrument(level = "debug", skip_all, err(level = "debug"),
        fields(merchant = %merchant, template = %template))]
    async fn counts_held(
        &mut self,
        merchant: MerchantId,
        template: CouponTemplateId,
        members: &[MemberId],
    ) -> Result<Vec<(MemberId, i64)>, StoreError> {
        use coupons::Column as C;
        let mut found = Vec::new();
        for chunk in members.chunks(IN_LIST_CHUNK) {
            let rows: Vec<(Uuid, i64)> = coupons::Entity::find_of(merchant)
                .select_only()
                .column(C::MemberId)
                .expr(Expr::cust("CAST(COUNT(*) AS BIGINT)"))
                .filter(C::TemplateId.eq(template.as_uuid()))
                .filter(C::MemberId.is_in(chunk.iter().map(|m| m.as_uuid())))
                .group_by(C::MemberId)
                .into_tuple()
                .all(&self.txn)
                .await
                .store()?;
            found.extend(rows.into_iter().map(|(m, n)| (MemberId::from_uuid(m), n)));
        }
        Ok(found)
    }

    #[instrument(level = "debug", skip_all, err(level = "debug"))]
    async fn insert_coupons(&mut self, list: &[Coupon]) -> Result<(), StoreError> {
        for chunk in list.chunks(INSERT_CHUNK) {
            let rows = chunk.iter().map(coupon_row);
            coupons::Entity::insert_many(rows)
                .exec_without_returning(&self.txn)
                .await
                .store()?;
        }
        Ok(())
    }

    #[instrument(level = "debug", skip_all, err(level = "debug"), fields(merchant = %merchant))]
    async fn coupon_by_code(
        &mut self,
        merchant: MerchantId,
        code: &CouponCode,
    ) -> Result<Option<Coupon>, StoreError> {
        coupons::Entity::find_of(merchant)
            .filter(coupons::Column::Code.eq(code.as_str()))
            .one(&self.txn)
            .await
            .store()?
            .map(coupon_from)
            .transpose()
    }

    #[instrument(level = "debug", skip_all, err(level = "debug"), fields(merchant = %merchant))]
    async fn coupons_by_ids(
        &mut self,
        merchant: MerchantId,
        ids: &[CouponId],
    ) -> Result<Vec<Coupon>, StoreError> {
        let query = coupons::Entity::find_of(merchant)
            .filter(coupons::Column::Id.is_in(ids.iter().map(|c| c.as_uuid())));
        self.all_as(query, coupon_from).await
    }

    #[instrument(level = "debug", skip_all, err(level = "debug"),
        fields(merchant = %merchant, order = %order))]
    async fn coupons_used_by(
        &mut self,
        merchant: MerchantId,
        order: OrderId,
    ) -> Result<Vec<Coupon>, StoreError> {
        let query = coupons::Entity::find_of(merchant)
            .filter(coupons::Column::UsedOrderId.eq(order.as_uuid()));
        self.all_as(query, coupon_from).await
    }

    #[instrument(level = "debug", skip_all, err(level = "debug"),
        fields(merchant = %merchant, member = %member))]
    async fn member_coupons(
        &mut self,
        merchant: MerchantId,
        member: MemberId,
        statuses: &[CouponStatus],
        before: Option<CouponId>,
        limit: u64,
    ) -> Result<Vec<Coupon>, StoreError> {
        use coupons::Column as C;
        let mut query = coupons::Entity::find_of(merchant).filter(C::MemberId.eq(member.as_uuid()));
        if !statuses.is_empty() {
            query = query.filter(C::Status.is_in(statuses.iter().map(|s| s.as_str())));
        }
        let query = query.newest_first(C::Id, before.map(|id| id.as_uuid()), limit);
        self.all_as(query, coupon_from).await
    }

    #[instrument(level = "debug", skip_all, err(level = "debug"),
        fields(merchant = %merchant, coupon = %coupon, store = %store))]
    async fn use_coupon(
        &mut self,
        merchant: MerchantId,
        coupon: CouponId,
        store: StoreId,
        order: Option<OrderId>,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        use coupons::Column as C;
        let update = coupons::Entity::update_in(merchant, coupon.as_uuid())
            .col_expr(C::Status, Expr::value(CouponStatus::Used.as_str()))
            .col_expr(C::UsedAt, Expr::value(now))
            .col_expr(C::UsedStoreId, Expr::value(store.as_uuid()))
            .col_expr(C::UsedOrderId, Expr::value(order.map(|o| o.as_uuid())))
            .filter(C::Status.is_in(usable()))
            .filter(C::ValidFrom.lte(now))
            .filter(C::ValidUntil.gt(now));
        self.changed_one(update).await
    }

    #[instrument(level = "debug", skip_all, err(level = "debug"),
        fields(merchant = %merchant, coupon = %coupon))]
    async fn give_back(
        &mut self,
        merchant: MerchantId,
        coupon: CouponId,
        order: Option<OrderId>,
        to: CouponStatus,
    ) -> Result<bool, StoreError> {
        use coupons::Column as C;
        let mut update = coupons::Entity::update_in(merchant, coupon.as_uuid())
            .col_expr(C::Status, Expr::value(to.as_str()))
            .col_expr(C::UsedAt, Expr::value(Option::<DateTime<Utc>>::None))
            .col_expr(C::UsedStoreId, Expr::value(Option::<Uuid>::None))
            .col_expr(C::UsedOrderId, Expr::value(Option::<Uuid>::None))
            .filter(C::Status.eq(CouponStatus::Used.as_str()));
        update = match order {
            Some(order) => update.filter(C::UsedOrderId.eq(order.as_uuid())),
            None => update.filter(C::UsedOrderId.is_null()),
        };
        let update = update;
        self.changed_one(update).await
    }

    #[instrument(level = "debug", skip_all, err(level = "debug"),
        fields(merchant = %merchant, coupon = %coupon))]
    async fn revoke(&mut self, merchant: MerchantId, coupon: CouponId) -> Result<bool, StoreError> {
        use coupons::Column as C;
        let update = coupons::Entity::update_in(merchant, coupon.as_uuid())
            .col_expr(C::Status, Expr::value(CouponStatus::Revoked.as_str()))
            .filter(C::Status.is_in(usable()));
        self.changed_one(update).await
    }

    #[instrument(level = "debug", skip_all, err(level = "debug"))]
    async fn expire_due(&mut self, now: DateTime<Utc>, limit: u64) -> Result<u64, StoreError> {
        let result = expire_due_update(now, limit)
            .exec(&self.txn)
            .await
            .store()?;
        Ok(result.rows_affected)
    }

    #[instrument(level = "debug", skip_all, err(level = "debug"), fields(merchant = %merchant))]
    async fn announce_expiring(
        &mut self,
        merchant: MerchantId,
        now: DateTime<Utc>,
        horizon: DateTime<Utc>,
        limit: u64,
    ) -> Result<Vec<Coupon>, StoreError> {
        let update = announce_update(merchant, now, horizon, limit);
        let rows = self.txn.query_all(&update).await.store()?;
        let ids = rows
            .into_iter()
            .map(|row| Ok(CouponId::from_uuid(row.try_get_by_index(0).store()?)))
            .collect::<Result<Vec<_>, StoreError>>()?;
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        self.coupons_by_ids(merchant, &ids).await
    }

    #[instrument(level = "debug", skip_all, err(level = "debug"),
        fields(merchant = %v.merchant_id, coupon = %v.coupon_id, id = %v.id))]
    async fn insert_verification(&mut self, v: &Verification) -> Result<(), StoreError> {
        self.insert(verification_row(v)).await
    }

    #[instrument(level = "debug", skip_all, err(level = "debug"),
        fields(merchant = %merchant, id = %id))]
    async fn verification(
        &mut self,
        merchant: MerchantId,
        id: VerificationId,
    ) -> Result<Option<Verification>, StoreError> {
        self.lookup::<coupon_verifications::Entity>(merchant, id.as_uuid())
            .await?
            .map(verification_from)
            .transpose()
    }

    #[instrument(level = "debug", skip_all, err(level = "debug"),
        fields(merchant = %merchant, id = %id))]
    async fn undo_verification(
        &mut self,
        merchant: MerchantId,
        id: VerificationId,
        by: Option<StaffId>,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let which = Condition::all().add(coupon_verifications::Column::Id.eq(id.as_uuid()));
        self.mark_undone(merchant, which, by, now).await
    }

    #[instrument(level = "debug", skip_all, err(level = "debug"),
        fields(merchant = %merchant, order = %order, coupon = %coupon))]
    async fn undo_order_verification(
        &mut self,
        merchant: MerchantId,
        order: OrderId,
        coupon: CouponId,
        by: Option<StaffId>,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        use coupon_verifications::Column as C;
        let which = Condition::all()
            .add(C::OrderId.eq(order.as_uuid()))
            .add(C::CouponId.eq(coupon.as_uuid()));
        self.mark_undone(merchant, which, by, now).await
    }

    #[instrument(level = "debug", skip_all, err(level = "debug"), fields(merchant = %merchant))]
    async fn verifications(
        &mut self,
        merchant: MerchantId,
        store: Option<StoreId>,
        before: Option<VerificationId>,
        limit: u64,
    ) -> Result<Vec<Verification>, StoreError> {
        use coupon_verifications::Column as C;
        let mut query = coupon_verifications::Entity::find_of(merchant);
        if let Some(store) = store {
            query = query.filter(C::StoreId.eq(store.as_uuid()));
        }
        let query = query.newest_first(C::Id, before.map(|id| id.as_uuid()), limit);
        self.all_as(query, verification_from).await
    }

    #[instrument(level = "debug", skip_all, err(level = "debug"), fields(merchant = %merchant))]
    async fn segment_members(
        &mut self,
        merchant: MerchantId,
        segment: &MemberSegment,
        after: Option<MemberId>,
        limit: u64,
    ) -> Result<Vec<MemberId>, StoreError> {
        let query = segment_query(merchant, segment, after, limit);
        let rows: Vec<Uuid> = query.into_tuple().all(&self.txn).await.store()?;
        Ok(rows.into_iter().map(MemberId::from_uuid).collect())
    }
}
