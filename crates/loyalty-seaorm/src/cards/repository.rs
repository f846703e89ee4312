use super::rows::{card_from, card_row, entry_from, entry_row, template_from, template_row};
use crate::cards::entities::{card_entries, card_templates, member_cards};
use crate::errors::StoreResult;
use crate::shared::{KeysetPage, MerchantKeyed, MerchantOwned, money_drifts};
use crate::uow::SeaTransaction;
use async_trait::async_trait;
use loyalty_core::cards::CardRepository;
use loyalty_core::cards::{CardEntry, CardTemplate, MemberCard};
use loyalty_core::kernel::MoneyDrift;
use loyalty_core::kernel::StoreError;
use loyalty_core::kernel::{CardId, CardTemplateId, MemberId, MerchantId};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, QueryFilter, QueryOrder};
use tracing::instrument;
use uuid::Uuid;

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
        money_drifts(self, SQL, |id| {
            format!("card {}", id.map(|i| i.to_string()).unwrap_or_default())
        })
        .await
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
