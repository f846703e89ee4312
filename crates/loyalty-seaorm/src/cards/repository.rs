use super::rows::{
    card_from, card_row, entry_from, entry_row, service_item_from, template_from, template_row,
};
use crate::cards::entities::{card_entries, card_templates, member_cards, service_items};
use crate::errors::StoreResult;
use crate::shared::{KeysetPage, MerchantKeyed, MerchantOwned, money_drifts};
use crate::uow::SeaTransaction;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use loyalty_core::cards::CardRepository;
use loyalty_core::cards::{CardEntry, CardTemplate, MemberCard, ServiceItem};
use loyalty_core::kernel::MoneyDrift;
use loyalty_core::kernel::StoreError;
use loyalty_core::kernel::{CardId, CardTemplateId, MemberId, MerchantId, ServiceItemId};
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, QueryTrait};
use tracing::instrument;
use uuid::Uuid;

/// Runs an update of one member card and answers its uses left after it (`None`: no row
/// was updated).
async fn uses_after(
    tx: &SeaTransaction,
    update: sea_orm::UpdateMany<member_cards::Entity>,
) -> Result<Option<i64>, StoreError> {
    let updated = update.exec_with_returning(&tx.txn).await.store()?;
    Ok(updated.first().and_then(|c| c.uses_left))
}

#[async_trait]
impl CardRepository for SeaTransaction {
    #[instrument(level = "debug", skip_all, err(level = "debug"),
        fields(merchant = %t.merchant_id, id = %t.id))]
    async fn insert_card_template(&mut self, t: &CardTemplate) -> Result<(), StoreError> {
        self.insert(template_row(t)?).await
    }

    #[instrument(level = "debug", skip_all, err(level = "debug"),
        fields(merchant = %merchant, id = %id))]
    async fn card_template(
        &mut self,
        merchant: MerchantId,
        id: CardTemplateId,
    ) -> Result<Option<CardTemplate>, StoreError> {
        self.lookup::<card_templates::Entity>(merchant, id.as_uuid())
            .await?
            .map(template_from)
            .transpose()
    }

    #[instrument(level = "debug", skip_all, err(level = "debug"), fields(merchant = %merchant))]
    async fn card_templates(
        &mut self,
        merchant: MerchantId,
        before: Option<CardTemplateId>,
        limit: u64,
    ) -> Result<Vec<CardTemplate>, StoreError> {
        use card_templates::Column as C;
        let query = card_templates::Entity::find_of(merchant).newest_first(
            C::Id,
            before.map(|id| id.as_uuid()),
            limit,
        );
        self.all_as(query, template_from).await
    }

    #[instrument(level = "debug", skip_all, err(level = "debug"),
        fields(merchant = %merchant, id = %id))]
    async fn set_card_template_active(
        &mut self,
        merchant: MerchantId,
        id: CardTemplateId,
        active: bool,
    ) -> Result<bool, StoreError> {
        use card_templates::Column as C;
        let update = card_templates::Entity::update_in(merchant, id.as_uuid())
            .col_expr(C::Active, Expr::value(active));
        self.changed_one(update).await
    }

    #[instrument(level = "debug", skip_all, err(level = "debug"),
        fields(merchant = %c.merchant_id, member = %c.member_id, id = %c.id))]
    async fn insert_card(&mut self, c: &MemberCard) -> Result<(), StoreError> {
        self.insert(card_row(c)).await
    }

    #[instrument(level = "debug", skip_all, err(level = "debug"),
        fields(merchant = %merchant, member = %member, id = %id))]
    async fn card(
        &mut self,
        merchant: MerchantId,
        member: MemberId,
        id: CardId,
    ) -> Result<Option<MemberCard>, StoreError> {
        use member_cards::Column as C;
        member_cards::Entity::find_of(merchant)
            .filter(C::MemberId.eq(member.as_uuid()))
            .filter(C::Id.eq(id.as_uuid()))
            .one(&self.txn)
            .await
            .store()?
            .map(card_from)
            .transpose()
    }

    #[instrument(level = "debug", skip_all, err(level = "debug"),
        fields(merchant = %merchant, member = %member))]
    async fn member_cards(
        &mut self,
        merchant: MerchantId,
        member: MemberId,
    ) -> Result<Vec<MemberCard>, StoreError> {
        use member_cards::Column as C;
        let query = member_cards::Entity::find_of(merchant)
            .filter(C::MemberId.eq(member.as_uuid()))
            .order_by_asc(C::Id);
        self.all_as(query, card_from).await
    }

    #[instrument(level = "debug", skip_all, err(level = "debug"),
        fields(merchant = %merchant, card = %card))]
    async fn add_to_card(
        &mut self,
        merchant: MerchantId,
        card: CardId,
        principal: i64,
        bonus: i64,
        max_balance: Option<i64>,
    ) -> Result<Option<(i64, i64)>, StoreError> {
        use member_cards::Column as C;
        let mut update = member_cards::Entity::update_in(merchant, card.as_uuid())
            .col_expr(C::PrincipalFen, Expr::col(C::PrincipalFen).add(principal))
            .col_expr(C::BonusFen, Expr::col(C::BonusFen).add(bonus));
        if let Some(max) = max_balance {
            update = update.filter(
                Expr::col(C::PrincipalFen)
                    .add(Expr::col(C::BonusFen))
                    .add(principal + bonus)
                    .lte(max),
            );
        }
        let updated = update.exec_with_returning(&self.txn).await.store()?;
        Ok(updated.first().map(|c| (c.principal_fen, c.bonus_fen)))
    }

    #[instrument(level = "debug", skip_all, err(level = "debug"),
        fields(merchant = %merchant, card = %card))]
    async fn take_from_card(
        &mut self,
        merchant: MerchantId,
        member: MemberId,
        card: CardId,
        principal: i64,
        bonus: i64,
    ) -> Result<Option<(i64, i64)>, StoreError> {
        use member_cards::Column as C;
        let updated = member_cards::Entity::update_in(merchant, card.as_uuid())
            .col_expr(C::PrincipalFen, Expr::col(C::PrincipalFen).sub(principal))
            .col_expr(C::BonusFen, Expr::col(C::BonusFen).sub(bonus))
            .filter(C::MemberId.eq(member.as_uuid()))
            .filter(C::PrincipalFen.gte(principal))
            .filter(C::BonusFen.gte(bonus))
            .exec_with_returning(&self.txn)
            .await
            .store()?;
        Ok(updated.first().map(|c| (c.principal_fen, c.bonus_fen)))
    }

    #[instrument(level = "debug", skip_all, err(level = "debug"),
        fields(merchant = %e.merchant_id, card = %e.card_id, id = %e.id))]
    async fn insert_card_entry(&mut self, e: &CardEntry) -> Result<(), StoreError> {
        self.insert(entry_row(e)).await
    }

    #[instrument(level = "debug", skip_all, err(level = "debug"),
        fields(merchant = %item.merchant_id, id = %item.id))]
    async fn insert_service_item(&mut self, item: &ServiceItem) -> Result<(), StoreError> {
        self.insert(service_items::ActiveModel {
            id: Set(item.id.as_uuid()),
            merchant_id: Set(item.merchant_id.as_uuid()),
            code: Set(item.code.clone()),
            name: Set(item.name.clone()),
            price_fen: Set(item.price.map(|p| p.fen())),
            active: Set(item.active),
            created_at: Set(item.created_at),
        })
        .await
    }

    #[instrument(level = "debug", skip_all, err(level = "debug"),
        fields(merchant = %merchant, id = %id))]
    async fn service_item(
        &mut self,
        merchant: MerchantId,
        id: ServiceItemId,
    ) -> Result<Option<ServiceItem>, StoreError> {
        service_items::Entity::find_of(merchant)
            .filter(service_items::Column::Id.eq(id.as_uuid()))
            .one(&self.txn)
            .await
            .store()?
            .map(service_item_from)
            .transpose()
    }

    #[instrument(level = "debug", skip_all, err(level = "debug"), fields(merchant = %merchant))]
    async fn service_items(
        &mut self,
        merchant: MerchantId,
        before: Option<ServiceItemId>,
        limit: u64,
    ) -> Result<Vec<ServiceItem>, StoreError> {
        let query = service_items::Entity::find_of(merchant).newest_first(
            service_items::Column::Id,
            before.map(|b| b.as_uuid()),
            limit,
        );
        self.all_as(query, service_item_from).await
    }

    #[instrument(level = "debug", skip_all, err(level = "debug"),
        fields(merchant = %item.merchant_id, id = %item.id))]
    async fn update_service_item(&mut self, item: &ServiceItem) -> Result<bool, StoreError> {
        use service_items::Column as C;
        let result = service_items::Entity::update_in(item.merchant_id, item.id.as_uuid())
            .col_expr(C::Name, Expr::value(item.name.clone()))
            .col_expr(C::PriceFen, Expr::value(item.price.map(|p| p.fen())))
            .col_expr(C::Active, Expr::value(item.active))
            .exec(&self.txn)
            .await
            .store()?;
        Ok(result.rows_affected == 1)
    }

    #[instrument(level = "debug", skip_all, err(level = "debug"),
        fields(merchant = %merchant, card = %card))]
    async fn add_uses(
        &mut self,
        merchant: MerchantId,
        card: CardId,
        uses: i64,
        expires_at: Option<DateTime<Utc>>,
    ) -> Result<Option<i64>, StoreError> {
        use member_cards::Column as C;
        let update = member_cards::Entity::update_in(merchant, card.as_uuid())
            .col_expr(
                C::UsesLeft,
                Expr::expr(Expr::col(C::UsesLeft).if_null(0)).add(uses),
            )
            .col_expr(C::ExpiresAt, Expr::value(expires_at));
        uses_after(self, update).await
    }

    #[instrument(level = "debug", skip_all, err(level = "debug"),
        fields(merchant = %merchant, card = %card))]
    async fn take_use(
        &mut self,
        merchant: MerchantId,
        member: MemberId,
        card: CardId,
        now: DateTime<Utc>,
    ) -> Result<Option<i64>, StoreError> {
        use member_cards::Column as C;
        let update = member_cards::Entity::update_in(merchant, card.as_uuid())
            .col_expr(C::UsesLeft, Expr::col(C::UsesLeft).sub(1))
            .filter(C::MemberId.eq(member.as_uuid()))
            .filter(C::UsesLeft.gt(0))
            .filter(
                sea_orm::Condition::any()
                    .add(C::ExpiresAt.is_null())
                    .add(C::ExpiresAt.gt(now)),
            );
        uses_after(self, update).await
    }

    #[instrument(level = "debug", skip_all, err(level = "debug"),
        fields(merchant = %merchant, card = %card))]
    async fn give_use_back(
        &mut self,
        merchant: MerchantId,
        card: CardId,
    ) -> Result<Option<i64>, StoreError> {
        use member_cards::Column as C;
        let update = member_cards::Entity::update_in(merchant, card.as_uuid())
            .col_expr(C::UsesLeft, Expr::col(C::UsesLeft).add(1))
            .filter(C::UsesLeft.is_not_null());
        uses_after(self, update).await
    }

    #[instrument(level = "debug", skip_all, err(level = "debug"),
        fields(merchant = %merchant, card = %card))]
    async fn set_period(
        &mut self,
        merchant: MerchantId,
        card: CardId,
        starts_at: Option<DateTime<Utc>>,
        expires_at: Option<DateTime<Utc>>,
        periods_pending: i64,
    ) -> Result<bool, StoreError> {
        use member_cards::Column as C;
        let result = member_cards::Entity::update_in(merchant, card.as_uuid())
            .col_expr(C::StartsAt, Expr::value(starts_at))
            .col_expr(C::ExpiresAt, Expr::value(expires_at))
            .col_expr(C::PeriodsPending, Expr::value(periods_pending))
            .exec(&self.txn)
            .await
            .store()?;
        Ok(result.rows_affected == 1)
    }

    #[instrument(level = "debug", skip_all, err(level = "debug"), fields(merchant = %merchant))]
    async fn announce_expiring_cards(
        &mut self,
        merchant: MerchantId,
        now: DateTime<Utc>,
        horizon: DateTime<Utc>,
        limit: u64,
    ) -> Result<Vec<MemberCard>, StoreError> {
        use member_cards::Column as C;
        let not_told = || {
            sea_orm::Condition::any()
                .add(C::ExpiryAnnouncedFor.is_null())
                .add(Expr::col(C::ExpiryAnnouncedFor).ne(Expr::col(C::ExpiresAt)))
        };
        let due = member_cards::Entity::find_of(merchant)
            .select_only()
            .column(C::Id)
            .filter(C::ExpiresAt.gt(now))
            .filter(C::ExpiresAt.lte(horizon))
            .filter(not_told())
            .limit(limit)
            .into_query();
        let told = member_cards::Entity::update_many()
            .col_expr(C::ExpiryAnnouncedFor, Expr::col(C::ExpiresAt))
            .filter(C::MerchantId.eq(merchant.as_uuid()))
            .filter(C::Id.in_subquery(due))
            .filter(not_told())
            .exec_with_returning(&self.txn)
            .await
            .store()?;
        told.into_iter().map(card_from).collect()
    }

    #[instrument(level = "debug", skip_all, err(level = "debug"),
        fields(merchant = %merchant, card = %card))]
    async fn uses_since(
        &mut self,
        merchant: MerchantId,
        card: CardId,
        since: DateTime<Utc>,
    ) -> Result<i64, StoreError> {
        use card_entries::Column as C;
        let used: Option<i64> = card_entries::Entity::find_of(merchant)
            .select_only()
            .expr(Expr::cust("CAST(COALESCE(-SUM(uses_delta), 0) AS BIGINT)"))
            .filter(C::CardId.eq(card.as_uuid()))
            .filter(C::Kind.is_in([
                loyalty_core::cards::CardEntryKind::Use.as_str(),
                loyalty_core::cards::CardEntryKind::UseUndone.as_str(),
            ]))
            .filter(C::CreatedAt.gte(since))
            .into_tuple()
            .one(&self.txn)
            .await
            .store()?;
        Ok(used.unwrap_or(0))
    }

    #[instrument(level = "debug", skip_all, err(level = "debug"), fields(merchant = %merchant))]
    async fn card_entry_by_source(
        &mut self,
        merchant: MerchantId,
        kind: loyalty_core::cards::CardEntryKind,
        source_ref: &str,
    ) -> Result<Option<CardEntry>, StoreError> {
        card_entries::Entity::find_of(merchant)
            .filter(card_entries::Column::Kind.eq(kind.as_str()))
            .filter(card_entries::Column::SourceRef.eq(source_ref))
            .one(&self.txn)
            .await
            .store()?
            .map(entry_from)
            .transpose()
    }

    #[instrument(level = "debug", skip_all, err(level = "debug"),
        fields(merchant = %merchant, card = %card, id = %id))]
    async fn card_entry(
        &mut self,
        merchant: MerchantId,
        card: CardId,
        id: Uuid,
    ) -> Result<Option<CardEntry>, StoreError> {
        card_entries::Entity::find_of(merchant)
            .filter(card_entries::Column::CardId.eq(card.as_uuid()))
            .filter(card_entries::Column::Id.eq(id))
            .one(&self.txn)
            .await
            .store()?
            .map(entry_from)
            .transpose()
    }

    #[instrument(level = "debug", skip_all, err(level = "debug"))]
    async fn card_drifts(&mut self) -> Result<Vec<MoneyDrift>, StoreError> {
        const SQL: &str = "SELECT t.merchant_id, t.id, t.principal_fen, t.bonus_fen, t.principal_sum, t.bonus_sum FROM (\
            SELECT c.merchant_id, c.id, c.principal_fen, c.bonus_fen, \
              CAST(COALESCE((SELECT SUM(e.principal_delta) FROM card_entries e WHERE e.merchant_id = c.merchant_id AND e.card_id = c.id), 0) AS BIGINT) AS principal_sum, \
              CAST(COALESCE((SELECT SUM(e.bonus_delta) FROM card_entries e WHERE e.merchant_id = c.merchant_id AND e.card_id = c.id), 0) AS BIGINT) AS bonus_sum \
            FROM member_cards c) t \
            WHERE t.principal_fen <> t.principal_sum OR t.bonus_fen <> t.bonus_sum";
        // A count card's uses left against the sum of its entries' uses.
        const USES: &str = "SELECT t.merchant_id, t.id, t.uses_left, CAST(0 AS BIGINT), t.uses_sum, CAST(0 AS BIGINT) FROM (\
            SELECT c.merchant_id, c.id, c.uses_left, \
              CAST(COALESCE((SELECT SUM(e.uses_delta) FROM card_entries e WHERE e.merchant_id = c.merchant_id AND e.card_id = c.id), 0) AS BIGINT) AS uses_sum \
            FROM member_cards c WHERE c.uses_left IS NOT NULL) t \
            WHERE t.uses_left <> t.uses_sum";
        let mut drifts = money_drifts(self, SQL, |id| {
            format!("card {}", id.map(|i| i.to_string()).unwrap_or_default())
        })
        .await?;
        drifts.extend(
            money_drifts(self, USES, |id| {
                format!(
                    "card {} uses",
                    id.map(|i| i.to_string()).unwrap_or_default()
                )
            })
            .await?,
        );
        Ok(drifts)
    }

    #[instrument(level = "debug", skip_all, err(level = "debug"))]
    async fn card_order_drifts(&mut self) -> Result<Vec<MoneyDrift>, StoreError> {
        use crate::checkout::entities::{orders, refunds};
        use std::collections::HashMap;
        let kinds = [
            loyalty_core::cards::CardEntryKind::Payment.as_str(),
            loyalty_core::cards::CardEntryKind::Refund.as_str(),
        ];
        let mut drifts = Vec::new();
        let mut after: Option<Uuid> = None;
        loop {
            let mut page = orders::Entity::find().filter(orders::Column::CardId.is_not_null());
            if let Some(after) = after {
                page = page.filter(orders::Column::Id.gt(after));
            }
            let paid = page
                .order_by_asc(orders::Column::Id)
                .limit(crate::shared::IN_LIST_CHUNK as u64)
                .all(&self.txn)
                .await
                .store()?;
            let Some(last) = paid.last() else { break };
            after = Some(last.id);
            // Each entry's source (the order, or one of its refunds) names its order.
            let ids: Vec<Uuid> = paid.iter().map(|o| o.id).collect();
            let mut order_of: HashMap<String, Uuid> =
                ids.iter().map(|id| (id.to_string(), *id)).collect();
            let given_back: Vec<(Uuid, Uuid)> = refunds::Entity::find()
                .select_only()
                .column(refunds::Column::Id)
                .column(refunds::Column::OrderId)
                .filter(refunds::Column::OrderId.is_in(ids))
                .into_tuple()
                .all(&self.txn)
                .await
                .store()?;
            order_of.extend(given_back.into_iter().map(|(r, o)| (r.to_string(), o)));
            let sources: Vec<String> = order_of.keys().cloned().collect();
            let mut moved: HashMap<Uuid, (i64, i64)> = HashMap::new();
            for chunk in sources.chunks(crate::shared::IN_LIST_CHUNK) {
                let entries: Vec<(String, i64, i64)> = card_entries::Entity::find()
                    .select_only()
                    .column(card_entries::Column::SourceRef)
                    .column(card_entries::Column::PrincipalDelta)
                    .column(card_entries::Column::BonusDelta)
                    .filter(card_entries::Column::Kind.is_in(kinds))
                    .filter(card_entries::Column::SourceRef.is_in(chunk.iter().cloned()))
                    .into_tuple()
                    .all(&self.txn)
                    .await
                    .store()?;
                for (source, principal, bonus) in entries {
                    if let Some(order) = order_of.get(&source) {
                        let sum = moved.entry(*order).or_default();
                        *sum = (sum.0 - principal, sum.1 - bonus);
                    }
                }
            }
            for o in &paid {
                let held = (
                    o.card_principal_fen - o.card_principal_returned_fen,
                    o.card_bonus_fen - o.card_bonus_returned_fen,
                );
                let ledger = moved.get(&o.id).copied().unwrap_or_default();
                if held != ledger {
                    drifts.push(MoneyDrift {
                        merchant_id: o.merchant_id.into(),
                        account: format!("order {} card", o.id),
                        held,
                        ledger_sum: ledger,
                    });
                }
            }
        }
        Ok(drifts)
    }

    #[instrument(level = "debug", skip_all, err(level = "debug"),
        fields(merchant = %merchant, card = %card))]
    async fn card_entries(
        &mut self,
        merchant: MerchantId,
        card: CardId,
        before: Option<Uuid>,
        limit: u64,
    ) -> Result<Vec<CardEntry>, StoreError> {
        use card_entries::Column as C;
        let query = card_entries::Entity::find_of(merchant)
            .filter(C::CardId.eq(card.as_uuid()))
            .newest_first(C::Id, before, limit);
        self.all_as(query, entry_from).await
    }
}
