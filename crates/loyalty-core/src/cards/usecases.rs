//! Stored-value cards (储值卡): HQ's card templates, a card opened for a member, top-ups at
//! the till with the plan's bonus, and the member's cards and their ledger.
//!
//! A top-up is exact under concurrency by construction: the balance changes by one
//! conditional `UPDATE` (which also holds the template's balance cap), and its ledger entry
//! has a unique business key (the payment's reference), in the same transaction as the
//! idempotency record and the notification.

use super::CardsService;
use crate::cards::CardRules;
use crate::cards::CardsTx;
use crate::cards::{CardEntry, CardEntryKind, CardTemplate, MemberCard};
use crate::engine::write_once;
use crate::events::DomainEvent;
use crate::events::Notifier;
use crate::kernel::IdempotencyTx;
use crate::kernel::check_reference;
use crate::kernel::{
    CardId, CardTemplateId, InvalidValue, MemberId, MerchantId, Money, StaffId, StoreId,
};
use crate::kernel::{Clock, Transaction, TxMode, UnitOfWork};
use crate::kernel::{Idempotent, Outcome};
use crate::members::MembersTx;
use crate::members::member_of;
use crate::merchants::StoresTx;
use crate::merchants::merchant_of;
use crate::notifications::enqueue_for;
use crate::settings::SettingsTx;
use crate::tiers::GrowTx;
use crate::tiers::GrowthBasis;
use crate::tiers::upgrade_on_growth;
use crate::{Error, Result};
use uuid::Uuid;

/// A card with its template (name, theme, plans).
#[derive(Debug, Clone)]
pub struct HeldCard {
    pub card: MemberCard,
    pub template: CardTemplate,
}

/// Opening a card of a template for a member (at the till, or by HQ).
#[derive(Debug, Clone)]
pub struct OpenCard {
    pub merchant_id: MerchantId,
    pub member_id: MemberId,
    pub template_id: CardTemplateId,
    pub store_id: Option<StoreId>,
    pub operator_id: Option<StaffId>,
}

/// Money paid in at the till onto a member's card.
#[derive(Debug, Clone)]
pub struct TopUpCard {
    pub merchant_id: MerchantId,
    pub member_id: MemberId,
    pub card_id: CardId,
    /// What the member paid: a plan's amount (with its bonus) or one in the custom range.
    pub amount: Money,
    /// The payment's reference at the till (the POS or payment terminal's transaction
    /// number): a payment tops up once, however often it is sent.
    pub payment_ref: Option<String>,
    pub store_id: Option<StoreId>,
    pub operator_id: Option<StaffId>,
}

impl TopUpCard {
    fn validate(&self) -> Result<()> {
        if self.amount == Money::ZERO {
            return Err(InvalidValue::new("amount", "must be more than 0").into());
        }
        match &self.payment_ref {
            Some(r) => check_reference("payment_ref", r),
            None => Ok(()),
        }
    }
}

/// Giving a top-up back to the payer (退充值): its principal and bonus come off the card.
#[derive(Debug, Clone)]
pub struct RefundTopUp {
    pub merchant_id: MerchantId,
    pub member_id: MemberId,
    pub card_id: CardId,
    /// The top-up's ledger entry.
    pub top_up: Uuid,
    pub store_id: Option<StoreId>,
    pub operator_id: Option<StaffId>,
}

/// The merchant's card template, or `card_template_not_found`.
pub(crate) async fn template_of(
    tx: &mut impl crate::cards::CardsTx,
    merchant: MerchantId,
    id: CardTemplateId,
) -> Result<CardTemplate> {
    tx.cards()
        .card_template(merchant, id)
        .await?
        .ok_or(Error::NotFound(crate::cards::CARD_TEMPLATE))
}

/// The member's card, or `card_not_found`.
pub(crate) async fn card_of(
    tx: &mut impl crate::cards::CardsTx,
    merchant: MerchantId,
    member: MemberId,
    id: CardId,
) -> Result<MemberCard> {
    tx.cards()
        .card(merchant, member, id)
        .await?
        .ok_or(Error::NotFound(crate::cards::CARD))
}

fn money(fen: i64) -> Result<Money> {
    Ok(Money::from_fen(fen)?)
}

impl<U, C, N> CardsService<'_, U, C, N>
where
    U: UnitOfWork<Tx: CardsTx + GrowTx + IdempotencyTx + StoresTx>,
    C: Clock,
    N: Notifier,
{
    /// Creates a card template (HQ).
    ///
    /// # Errors
    /// `validation_failed`.
    #[tracing::instrument(level = "debug", skip_all, fields(merchant = %merchant_id))]
    pub async fn create_template(
        self,
        merchant_id: MerchantId,
        rules: CardRules,
        by: Option<StaffId>,
    ) -> Result<CardTemplate> {
        rules.validate()?;
        let mut lookup = self.uow.begin(TxMode::Lookup).await?;
        crate::cards::counts::items_exist(&mut lookup, merchant_id, &rules).await?;
        drop(lookup);
        let template = CardTemplate {
            id: CardTemplateId::new(),
            merchant_id,
            rules,
            active: true,
            created_by: by,
            created_at: self.clock.now(),
        };
        let mut tx = self.uow.begin(TxMode::Write).await?;
        tx.cards().insert_card_template(&template).await?;
        tx.commit().await?;
        Ok(template)
    }

    /// The merchant's card templates, newest first.
    ///
    /// # Errors
    /// Storage failures only.
    #[tracing::instrument(level = "debug", skip_all, fields(merchant = %merchant_id))]
    pub async fn templates(
        self,
        merchant_id: MerchantId,
        before: Option<CardTemplateId>,
        limit: u64,
    ) -> Result<Vec<CardTemplate>> {
        let mut tx = self.uow.begin(TxMode::Lookup).await?;
        Ok(tx
            .cards()
            .card_templates(merchant_id, before, limit)
            .await?)
    }

    /// # Errors
    /// `card_template_not_found`.
    #[tracing::instrument(level = "debug", skip_all, fields(merchant = %merchant_id, id = %id))]
    pub async fn template(
        self,
        merchant_id: MerchantId,
        id: CardTemplateId,
    ) -> Result<CardTemplate> {
        let mut tx = self.uow.begin(TxMode::Lookup).await?;
        template_of(&mut tx, merchant_id, id).await
    }

    /// Stops (or restarts) opening cards from a template (HQ); cards opened stay usable and
    /// can still be topped up.
    ///
    /// # Errors
    /// `card_template_not_found`.
    #[tracing::instrument(level = "debug", skip_all, fields(merchant = %merchant_id, id = %id))]
    pub async fn set_template_active(
        self,
        merchant_id: MerchantId,
        id: CardTemplateId,
        active: bool,
    ) -> Result<CardTemplate> {
        let mut tx = self.uow.begin(TxMode::Write).await?;
        if !tx
            .cards()
            .set_card_template_active(merchant_id, id, active)
            .await?
        {
            return Err(Error::NotFound(crate::cards::CARD_TEMPLATE));
        }
        let template = template_of(&mut tx, merchant_id, id).await?;
        tx.commit().await?;
        Ok(template)
    }

    /// Opens a card of an active template for a member; a member holds one card of a
    /// template.
    ///
    /// # Errors
    /// `member_not_found`, `store_not_found`, `card_template_not_found`,
    /// `card_template_inactive`, `card_exists`.
    #[tracing::instrument(level = "debug", skip_all, fields(merchant = %cmd.merchant_id, member = %cmd.member_id))]
    pub async fn open(self, cmd: OpenCard) -> Result<HeldCard> {
        let mut tx = self.uow.begin(TxMode::Write).await?;
        member_of(&mut tx, cmd.merchant_id, cmd.member_id).await?;
        crate::merchants::stores_exist(&mut tx, cmd.merchant_id, cmd.store_id).await?;
        let template = template_of(&mut tx, cmd.merchant_id, cmd.template_id).await?;
        if !template.active {
            return Err(crate::cards::CardsError::CardTemplateInactive.into());
        }
        if template.rules.kind != crate::cards::CardKind::StoredValue {
            return Err(crate::cards::CardsError::CardKindMismatch {
                what: "a count card is sold at the till, not opened",
            }
            .into());
        }
        let card = MemberCard {
            id: CardId::new(),
            merchant_id: cmd.merchant_id,
            member_id: cmd.member_id,
            template_id: template.id,
            principal: Money::ZERO,
            bonus: Money::ZERO,
            opened_at: self.clock.now(),
            opened_by: cmd.operator_id,
            store_id: cmd.store_id,
            uses_left: None,
            expires_at: None,
            starts_at: None,
            periods_pending: 0,
        };
        tx.cards().insert_card(&card).await?;
        tx.commit().await?;
        Ok(HeldCard { card, template })
    }

    /// Tops a member's card up: the amount paid and the plan's bonus go onto the card, in
    /// its ledger, and the member is told (scene `top_up`). Under a tier ladder by top-up,
    /// the amount paid (not the bonus) is growth, and crossing a threshold upgrades at once.
    ///
    /// # Errors
    /// `validation_failed`, `store_not_found`, `card_not_found`, `top_up_not_offered`,
    /// `card_balance_limit`,
    /// `already_applied` (the payment reference topped up before),
    /// `idempotency_key_reused`.
    #[tracing::instrument(level = "debug", skip_all, fields(merchant = %cmd.merchant_id, member = %cmd.member_id))]
    pub async fn top_up(
        self,
        cmd: TopUpCard,
        idem: Option<&Idempotent>,
    ) -> Result<Outcome<CardEntry>> {
        let entry_id = Uuid::now_v7();
        write_once!(
            self,
            idem,
            check: cmd.validate(),
            prepare |lookup, _now| {
                let merchant = merchant_of(lookup, cmd.merchant_id).await?;
                crate::merchants::stores_exist(lookup, cmd.merchant_id, cmd.store_id).await?;
                Ok((merchant, lookup.settings().settings(cmd.merchant_id).await?))
            },
            effect |tx, (merchant, settings), now| {
                // Tiers by top-up: the member's row first, so concurrent top-ups sum in turn and
                // one crossing a threshold upgrades once (the lock order of every growth).
                let grows = settings
                    .tiers
                    .as_ref()
                    .is_some_and(|t| t.value.basis == GrowthBasis::TopUp);
                let member = if grows {
                    Some(
                        tx.members()
                            .lock_member(cmd.merchant_id, cmd.member_id)
                            .await?
                            .ok_or(Error::NotFound(crate::members::MEMBER))?,
                    )
                } else {
                    None
                };
                let card = card_of(tx, cmd.merchant_id, cmd.member_id, cmd.card_id).await?;
                let template = template_of(tx, cmd.merchant_id, card.template_id).await?;
                let top = template
                    .rules
                    .top_up(cmd.amount)
                    .map_err(|_| crate::cards::CardsError::TopUpNotOffered)?;
                let max = template.rules.max_balance;
                let (principal_after, bonus_after) = tx
                    .cards()
                    .add_to_card(
                        cmd.merchant_id,
                        card.id,
                        top.principal.fen(),
                        top.bonus.fen(),
                        max.map(Money::fen),
                    )
                    .await?
                    .ok_or_else(|| crate::cards::CardsError::CardBalanceLimit {
                        max: max.map(|m| m.to_string()).unwrap_or_default(),
                    })?;
                let entry = CardEntry {
                    id: entry_id,
                    merchant_id: cmd.merchant_id,
                    card_id: card.id,
                    member_id: cmd.member_id,
                    kind: CardEntryKind::TopUp,
                    principal_delta: top.principal.fen(),
                    bonus_delta: top.bonus.fen(),
                    principal_after: money(principal_after)?,
                    bonus_after: money(bonus_after)?,
                    source_ref: cmd
                        .payment_ref
                        .clone()
                        .unwrap_or_else(|| entry_id.to_string()),
                    store_id: cmd.store_id,
                    operator_id: cmd.operator_id,
                    created_at: now,
                    uses_delta: 0,
                    uses_after: None,
                    item_id: None,
                };
                tx.cards().insert_card_entry(&entry).await?;
                let mut events = vec![DomainEvent::CardToppedUp {
                    merchant_id: cmd.merchant_id,
                    member_id: cmd.member_id,
                    card_id: card.id,
                    name: template.rules.name.clone(),
                    amount: top.principal,
                    bonus: top.bonus,
                    balance_after: money(principal_after + bonus_after)?,
                }];
                if let Some(member) = &member {
                    let tiers = settings.tiers.as_ref();
                    events.extend(
                        upgrade_on_growth(tx, member, tiers, merchant.time_zone, now).await?,
                    );
                }
                enqueue_for(tx, &merchant, &settings, &events, now).await?;
                Ok((entry, events))
            }
        )
    }

    /// Refunds a top-up while what it put on the card is still there: its principal (back to
    /// the payer, outside the engine) and its bonus come off the card in one conditional
    /// update, and the card's ledger says so, keyed by the top-up (so it is refunded once).
    /// Under a tier ladder by top-up the refunded principal no longer counts as growth.
    ///
    /// # Errors
    /// `store_not_found`, `card_not_found`, `top_up_not_found` (not a top-up of this card),
    /// `top_up_spent` (the card holds less of its principal or bonus), `already_applied`
    /// (refunded before), `idempotency_key_reused`.
    #[tracing::instrument(level = "debug", skip_all, fields(merchant = %cmd.merchant_id, member = %cmd.member_id))]
    pub async fn refund_top_up(
        self,
        cmd: RefundTopUp,
        idem: Option<&Idempotent>,
    ) -> Result<Outcome<CardEntry>> {
        let entry_id = Uuid::now_v7();
        write_once!(
            self,
            idem,
            check: Ok::<(), Error>(()),
            prepare |lookup, _now| {
                crate::merchants::stores_exist(lookup, cmd.merchant_id, cmd.store_id).await?;
                Ok(cmd.store_id)
            },
            effect |tx, store, now| {
                let card = card_of(tx, cmd.merchant_id, cmd.member_id, cmd.card_id).await?;
                let top_up = tx
                    .cards()
                    .card_entry(cmd.merchant_id, card.id, cmd.top_up)
                    .await?
                    .filter(|e| e.kind == CardEntryKind::TopUp)
                    .ok_or(Error::NotFound(crate::cards::TOP_UP))?;
                let (principal, bonus) = (top_up.principal_delta, top_up.bonus_delta);
                let (principal_after, bonus_after) = tx
                    .cards()
                    .take_from_card(cmd.merchant_id, cmd.member_id, card.id, principal, bonus)
                    .await?
                    .ok_or_else(|| crate::cards::CardsError::TopUpSpent {
                        principal: card.principal.to_string(),
                        bonus: card.bonus.to_string(),
                    })?;
                let entry = CardEntry {
                    id: entry_id,
                    merchant_id: cmd.merchant_id,
                    card_id: card.id,
                    member_id: cmd.member_id,
                    kind: CardEntryKind::TopUpRefund,
                    principal_delta: -principal,
                    bonus_delta: -bonus,
                    principal_after: money(principal_after)?,
                    bonus_after: money(bonus_after)?,
                    source_ref: top_up.id.to_string(),
                    store_id: store.or(top_up.store_id),
                    operator_id: cmd.operator_id,
                    created_at: now,
                    uses_delta: 0,
                    uses_after: None,
                    item_id: None,
                };
                tx.cards().insert_card_entry(&entry).await?;
                Ok((entry, Vec::new()))
            }
        )
    }

    /// Every card whose balances disagree with the sum of its ledger, and every order whose
    /// card part disagrees with the card entries it made (empty when all is well).
    ///
    /// # Errors
    /// Storage failures.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn drifts(self) -> Result<Vec<crate::kernel::MoneyDrift>> {
        let mut tx = self.uow.begin(TxMode::Read).await?;
        let mut drifts = tx.cards().card_drifts().await?;
        drifts.extend(tx.cards().card_order_drifts().await?);
        Ok(drifts)
    }

    /// The member's cards with their templates, oldest first.
    ///
    /// # Errors
    /// `member_not_found`.
    #[tracing::instrument(level = "debug", skip_all, fields(merchant = %merchant_id, member = %member_id))]
    pub async fn member_cards(
        self,
        merchant_id: MerchantId,
        member_id: MemberId,
    ) -> Result<Vec<HeldCard>> {
        let mut tx = self.uow.begin(TxMode::Read).await?;
        member_of(&mut tx, merchant_id, member_id).await?;
        let cards = tx.cards().member_cards(merchant_id, member_id).await?;
        let mut held = Vec::with_capacity(cards.len());
        for card in cards {
            let template = template_of(&mut tx, merchant_id, card.template_id).await?;
            held.push(HeldCard { card, template });
        }
        Ok(held)
    }

    /// One of the member's cards, with its newest ledger entries (before `before`, at most
    /// `limit`).
    ///
    /// # Errors
    /// `card_not_found` (also for another member's card).
    #[tracing::instrument(level = "debug", skip_all, fields(merchant = %merchant_id, member = %member_id))]
    pub async fn ledger(
        self,
        merchant_id: MerchantId,
        member_id: MemberId,
        card_id: CardId,
        before: Option<Uuid>,
        limit: u64,
    ) -> Result<(HeldCard, Vec<CardEntry>)> {
        let mut tx = self.uow.begin(TxMode::Read).await?;
        let card = card_of(&mut tx, merchant_id, member_id, card_id).await?;
        let template = template_of(&mut tx, merchant_id, card.template_id).await?;
        let entries = tx
            .cards()
            .card_entries(merchant_id, card_id, before, limit)
            .await?;
        Ok((HeldCard { card, template }, entries))
    }
}
