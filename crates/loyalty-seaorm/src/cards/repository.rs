use crate::cards::entities::{card_entries, card_templates, member_cards};
use crate::errors::{StoreResult, corrupt};
use crate::shared::{
    KeysetPage, MerchantKeyed, MerchantOwned, from_json, money, money_drifts, to_json,
};
use crate::uow::SeaTransaction;
use async_trait::async_trait;
use loyalty_core::cards::CardRules;
use loyalty_core::cards::{CardEntry, CardEntryKind, CardTemplate, MemberCard};
use loyalty_core::cards::{CardRepository, MoneyDrift};
use loyalty_core::kernel::StoreError;
use loyalty_core::kernel::{CardId, CardTemplateId, MemberId, MerchantId, StaffId, StoreId};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ActiveValue::Set, ColumnTrait, QueryFilter, QueryOrder};
use tracing::instrument;
use uuid::Uuid;

fn template_from(t: card_templates::Model) -> Result<CardTemplate, StoreError> {
    let rules: CardRules = from_json(&t.rules, "card template rules")?;
    Ok(CardTemplate {
        id: t.id.into(),
        merchant_id: t.merchant_id.into(),
        rules,
        active: t.active,
        created_by: t.created_by.map(StaffId::from_uuid),
        created_at: t.created_at,
    })
}

fn card_from(c: member_cards::Model) -> Result<MemberCard, StoreError> {
    Ok(MemberCard {
        id: c.id.into(),
        merchant_id: c.merchant_id.into(),
        member_id: c.member_id.into(),
        template_id: c.template_id.into(),
        principal: money(c.principal_fen, "card principal")?,
        bonus: money(c.bonus_fen, "card bonus")?,
        opened_at: c.opened_at,
        opened_by: c.opened_by.map(StaffId::from_uuid),
        store_id: c.store_id.map(StoreId::from_uuid),
    })
}

fn entry_from(e: card_entries::Model) -> Result<CardEntry, StoreError> {
    Ok(CardEntry {
        id: e.id,
        merchant_id: e.merchant_id.into(),
        card_id: e.card_id.into(),
        member_id: e.member_id.into(),
        kind: CardEntryKind::parse(&e.kind).ok_or_else(|| corrupt("card entry kind", &e.kind))?,
        principal_delta: e.principal_delta,
        bonus_delta: e.bonus_delta,
        principal_after: money(e.principal_after, "card entry principal")?,
        bonus_after: money(e.bonus_after, "card entry bonus")?,
        source_ref: e.source_ref,
        store_id: e.store_id.map(StoreId::from_uuid),
        operator_id: e.operator_id.map(StaffId::from_uuid),
        created_at: e.created_at,
    })
}

#[async_trait]
impl CardRepository for SeaTransaction {
    #[instrument(level = "debug", skip_all, err(level = "debug"),
        fields(merchant = %t.merchant_id, id = %t.id))]
    async fn insert_card_template(&mut self, t: &CardTemplate) -> Result<(), StoreError> {
        let row = card_templates::ActiveModel {
            id: Set(t.id.as_uuid()),
            merchant_id: Set(t.merchant_id.as_uuid()),
            name: Set(t.rules.name.clone()),
            kind: Set(t.rules.kind.as_str().to_owned()),
            rules: Set(to_json(&t.rules, "card rules")?),
            active: Set(t.active),
            created_by: Set(t.created_by.map(|s| s.as_uuid())),
            created_at: Set(t.created_at),
        };
        self.insert(row).await
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
        let row = member_cards::ActiveModel {
            id: Set(c.id.as_uuid()),
            merchant_id: Set(c.merchant_id.as_uuid()),
            member_id: Set(c.member_id.as_uuid()),
            template_id: Set(c.template_id.as_uuid()),
            principal_fen: Set(c.principal.fen()),
            bonus_fen: Set(c.bonus.fen()),
            opened_at: Set(c.opened_at),
            opened_by: Set(c.opened_by.map(|s| s.as_uuid())),
            store_id: Set(c.store_id.map(|s| s.as_uuid())),
        };
        self.insert(row).await
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
        fields(merchant = %e.merchant_id, card = %e.card_id, id = %e.id))]
    async fn insert_card_entry(&mut self, e: &CardEntry) -> Result<(), StoreError> {
        let row = card_entries::ActiveModel {
            id: Set(e.id),
            merchant_id: Set(e.merchant_id.as_uuid()),
            card_id: Set(e.card_id.as_uuid()),
            member_id: Set(e.member_id.as_uuid()),
            kind: Set(e.kind.as_str().to_owned()),
            principal_delta: Set(e.principal_delta),
            bonus_delta: Set(e.bonus_delta),
            principal_after: Set(e.principal_after.fen()),
            bonus_after: Set(e.bonus_after.fen()),
            source_ref: Set(e.source_ref.clone()),
            store_id: Set(e.store_id.map(|s| s.as_uuid())),
            operator_id: Set(e.operator_id.map(|s| s.as_uuid())),
            created_at: Set(e.created_at),
        };
        self.insert(row).await
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
