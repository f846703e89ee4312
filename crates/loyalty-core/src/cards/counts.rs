//! Count cards (记次卡) and the service items (项目) they serve: HQ keeps the items; a card
//! is sold at the till (an order of its price, through checkout, which adds its uses here);
//! staff verify a use (核销) at a store; a use is undone the same day at the same store.
//!
//! Uses never go below zero under concurrency by construction: a use is one conditional
//! `UPDATE … SET uses_left = uses_left - 1 WHERE uses_left > 0 AND (expires_at IS NULL OR
//! expires_at > now)`, its entry in the card's ledger in the same transaction, and an undo
//! is keyed by the use it undoes.

use super::CardsService;
use crate::cards::{CardEntry, CardEntryKind, CardKind, CardTemplate, CardsError, CardsTx};
use crate::cards::{MemberCard, ServiceItem, card_of, template_of};
use crate::cards::{PeriodRules, PeriodStart};
use crate::engine::write_once;
use crate::events::{DomainEvent, Notifier};
use crate::kernel::{
    CardId, InvalidValue, MemberId, MerchantId, MerchantTimeZone, Money, OrderId, ServiceItemId,
    StaffId, StoreId,
};
use crate::kernel::{Clock, IdempotencyTx, Transaction, TxMode, UnitOfWork};
use crate::kernel::{Idempotent, Outcome};
use crate::members::MembersTx;
use crate::merchants::{StoresTx, merchant_of};
use crate::notifications::enqueue_for;
use crate::settings::SettingsTx;
use crate::tiers::GrowTx;
use crate::{Error, Result};
use chrono::{DateTime, Datelike, Duration, Utc};
use uuid::Uuid;

/// A service item as HQ posts it.
#[derive(Debug, Clone)]
pub struct NewServiceItem {
    pub code: String,
    pub name: String,
    pub price: Option<Money>,
}

/// What HQ changes of a service item; `None` keeps it.
#[derive(Debug, Clone, Default)]
pub struct ServiceItemPatch {
    pub name: Option<String>,
    /// `Some(None)` takes the price off.
    pub price: Option<Option<Money>>,
    pub active: Option<bool>,
}

fn check_name(name: &str) -> Result<String> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 40 {
        return Err(InvalidValue::new("name", "1 to 40 characters").into());
    }
    Ok(name.to_owned())
}

impl NewServiceItem {
    fn validate(&self) -> Result<(String, String)> {
        let code = self.code.trim();
        if code.is_empty() || code.len() > 64 || !code.chars().all(|c| c.is_ascii_graphic()) {
            return Err(
                InvalidValue::new("code", "must be 1 to 64 visible ASCII characters").into(),
            );
        }
        Ok((code.to_owned(), check_name(&self.name)?))
    }
}

/// A use of a count card at a store (核销), for one of its service items.
#[derive(Debug, Clone)]
pub struct UseCard {
    pub merchant_id: MerchantId,
    pub member_id: MemberId,
    pub card_id: CardId,
    pub item_id: ServiceItemId,
    /// The merchant's default store when absent.
    pub store_id: Option<StoreId>,
    pub operator_id: Option<StaffId>,
}

/// Undoing a use: the same day, at the same store.
#[derive(Debug, Clone)]
pub struct UndoCardUse {
    pub merchant_id: MerchantId,
    pub member_id: MemberId,
    pub card_id: CardId,
    /// The use's ledger entry.
    pub use_id: Uuid,
    /// The merchant's default store when absent.
    pub store_id: Option<StoreId>,
    pub operator_id: Option<StaffId>,
}

/// The merchant's service item, or `service_item_not_found`.
async fn item_of(
    tx: &mut impl CardsTx,
    merchant: MerchantId,
    id: ServiceItemId,
) -> Result<ServiceItem> {
    tx.cards()
        .service_item(merchant, id)
        .await?
        .ok_or(Error::NotFound(crate::cards::SERVICE_ITEM))
}

/// Every item a count card template names is one of the merchant's, and active.
pub(crate) async fn items_exist(
    tx: &mut impl CardsTx,
    merchant: MerchantId,
    template: &crate::cards::CardRules,
) -> Result<()> {
    for item in template.items() {
        if !item_of(tx, merchant, *item).await?.active {
            return Err(CardsError::ServiceItemInactive.into());
        }
    }
    Ok(())
}

/// An entry of a count or period card's uses (its money unchanged): `uses` is what it adds
/// or takes, the uses left after it (a count card's) and the item served.
fn uses_entry(
    card: &MemberCard,
    kind: CardEntryKind,
    source_ref: String,
    store: StoreId,
    operator: Option<StaffId>,
    now: DateTime<Utc>,
    (uses_delta, uses_after, item_id): (i64, Option<i64>, Option<ServiceItemId>),
) -> CardEntry {
    CardEntry {
        id: Uuid::now_v7(),
        merchant_id: card.merchant_id,
        card_id: card.id,
        member_id: card.member_id,
        kind,
        principal_delta: 0,
        bonus_delta: 0,
        principal_after: card.principal,
        bonus_after: card.bonus,
        source_ref,
        store_id: Some(store),
        operator_id: operator,
        created_at: now,
        uses_delta,
        uses_after,
        item_id,
    }
}

/// Adds what a sale (an order of the card's price) bought: opens the member's card of the
/// template when they hold none; a count card gets its uses (its validity runs from this
/// sale when that is later), a period card its period (after the one running, if any; from
/// now when it starts on sale, else at the first use). The entry is keyed by the order, so
/// a sale adds once. Called under the member's lock.
///
/// # Errors
/// `card_kind_mismatch` for a stored-value template; storage failures.
pub(crate) async fn sell_in(
    tx: &mut impl CardsTx,
    template: &CardTemplate,
    member: MemberId,
    order: OrderId,
    store: StoreId,
    operator: Option<StaffId>,
    now: DateTime<Utc>,
) -> Result<CardEntry> {
    if template.rules.kind == CardKind::StoredValue {
        return Err(CardsError::CardKindMismatch {
            what: "a stored-value card is topped up, not sold",
        }
        .into());
    }
    let merchant = template.merchant_id;
    let held = tx
        .cards()
        .member_cards(merchant, member)
        .await?
        .into_iter()
        .find(|c| c.template_id == template.id);
    let card = match held {
        Some(card) => card,
        None => {
            let card = MemberCard {
                id: CardId::new(),
                merchant_id: merchant,
                member_id: member,
                template_id: template.id,
                principal: Money::ZERO,
                bonus: Money::ZERO,
                opened_at: now,
                opened_by: operator,
                store_id: Some(store),
                uses_left: (template.rules.kind == CardKind::Count).then_some(0),
                expires_at: None,
                starts_at: None,
                periods_pending: 0,
            };
            tx.cards().insert_card(&card).await?;
            card
        }
    };
    let (uses, uses_after) = match (&template.rules.count, &template.rules.period) {
        (Some(count), _) => {
            let sold_until = count
                .valid_days
                .map(|days| now + Duration::days(i64::from(days)));
            let expires_at = match (card.expires_at, sold_until) {
                (Some(held), Some(sold)) if card.uses_left.unwrap_or(0) > 0 => Some(held.max(sold)),
                (_, sold) => sold,
            };
            let after = tx
                .cards()
                .add_uses(merchant, card.id, count.uses, expires_at)
                .await?
                .ok_or(Error::NotFound(crate::cards::CARD))?;
            (count.uses, Some(after))
        }
        (None, Some(period)) => {
            let running = card.starts_at.is_some() && card.expires_at.is_some_and(|e| e > now);
            let (starts_at, expires_at, pending) = match (running, period.starts) {
                // Stacked after the period running.
                (true, _) => (
                    card.starts_at,
                    card.expires_at.map(|e| period.length.end(e, 1)),
                    card.periods_pending,
                ),
                (false, PeriodStart::OnSale) => (Some(now), Some(period.length.end(now, 1)), 0),
                (false, PeriodStart::OnFirstUse) => (None, None, card.periods_pending + 1),
            };
            if !tx
                .cards()
                .set_period(merchant, card.id, starts_at, expires_at, pending)
                .await?
            {
                return Err(Error::NotFound(crate::cards::CARD));
            }
            (0, None)
        }
        (None, None) => {
            return Err(CardsError::CardKindMismatch {
                what: "the template sells nothing",
            }
            .into());
        }
    };
    let entry = uses_entry(
        &card,
        CardEntryKind::Sale,
        order.to_string(),
        store,
        operator,
        now,
        (uses, uses_after, None),
    );
    tx.cards().insert_card_entry(&entry).await?;
    Ok(entry)
}

/// Takes one use off a count card, or says why it cannot.
async fn take_count_use(
    tx: &mut impl CardsTx,
    cmd: &UseCard,
    card: CardId,
    now: DateTime<Utc>,
) -> Result<i64> {
    if let Some(after) = tx
        .cards()
        .take_use(cmd.merchant_id, cmd.member_id, card, now)
        .await?
    {
        return Ok(after);
    }
    // Refused: say why, as the card is now.
    let now_is = card_of(tx, cmd.merchant_id, cmd.member_id, cmd.card_id).await?;
    Err(match now_is.expires_at {
        Some(at) if at <= now => CardsError::CardExpired {
            at: at.to_rfc3339(),
        },
        _ => CardsError::CardUsedUp,
    }
    .into())
}

/// Checks a use of a period card against its period and limits, under the member's lock
/// (so uses of one card are counted in turn), starting the period at a first use.
async fn use_period(
    tx: &mut (impl CardsTx + MembersTx),
    cmd: &UseCard,
    period: &PeriodRules,
    zone: MerchantTimeZone,
    now: DateTime<Utc>,
) -> Result<()> {
    tx.members()
        .lock_member(cmd.merchant_id, cmd.member_id)
        .await?
        .ok_or(Error::NotFound(crate::members::MEMBER))?;
    let card = card_of(tx, cmd.merchant_id, cmd.member_id, cmd.card_id).await?;
    let expires = match (card.starts_at, card.expires_at) {
        (Some(_), Some(expires)) => expires,
        _ if card.periods_pending > 0 => {
            let periods = u32::try_from(card.periods_pending).unwrap_or(u32::MAX);
            let expires = period.length.end(now, periods);
            tx.cards()
                .set_period(cmd.merchant_id, card.id, Some(now), Some(expires), 0)
                .await?;
            expires
        }
        _ => now,
    };
    if expires <= now {
        return Err(CardsError::CardExpired {
            at: expires.to_rfc3339(),
        }
        .into());
    }
    let today = zone.local_date(now);
    let week = today - Duration::days(i64::from(today.weekday().num_days_from_monday()));
    for (limit, day, per) in [
        (period.uses_per_day, today, "day"),
        (period.uses_per_week, week, "week"),
    ] {
        let Some(limit) = limit else { continue };
        let since = day
            .and_hms_opt(0, 0, 0)
            .and_then(|midnight| zone.instant_of(midnight))
            .unwrap_or(now);
        if tx
            .cards()
            .uses_since(cmd.merchant_id, card.id, since)
            .await?
            >= i64::from(limit)
        {
            return Err(CardsError::UseLimitReached { per }.into());
        }
    }
    Ok(())
}

impl<U, C, N> CardsService<'_, U, C, N>
where
    U: UnitOfWork<Tx: CardsTx + GrowTx + IdempotencyTx + StoresTx>,
    C: Clock,
    N: Notifier,
{
    /// Tells members of the count cards whose uses lapse, and the period cards whose period
    /// ends, within the merchant's `card_notice_days`, for merchants that set up the
    /// `card_expiring_soon` scene: each end once (a card bought again is told of its new
    /// end), however often and wherever it runs (the mark and the message commit together).
    /// Returns how many cards were announced.
    ///
    /// # Errors
    /// Storage failures.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn announce_expiring(self, batch: u64) -> Result<u64> {
        let merchants = crate::notifications::merchants_telling(
            &self.uow,
            crate::notifications::Scene::CardExpiringSoon,
        )
        .await?;
        let mut announced = 0;
        for (merchant, settings) in merchants {
            let days = settings.checkout.value.card_notice_days;
            if days == 0 {
                continue;
            }
            loop {
                let now = self.clock.now();
                let horizon = now + Duration::days(i64::from(days));
                let mut tx = self.uow.begin(TxMode::Write).await?;
                let cards = tx
                    .cards()
                    .announce_expiring_cards(merchant.id, now, horizon, batch.max(1))
                    .await?;
                let mut events = Vec::with_capacity(cards.len());
                for card in &cards {
                    let template = template_of(&mut tx, merchant.id, card.template_id).await?;
                    if let Some(expires_at) = card.expires_at {
                        events.push(DomainEvent::CardExpiringSoon {
                            merchant_id: merchant.id,
                            member_id: card.member_id,
                            card_id: card.id,
                            name: template.rules.name.clone(),
                            expires_at,
                            uses_left: card.uses_left,
                        });
                    }
                }
                enqueue_for(&mut tx, &merchant, &settings, &events, now).await?;
                tx.commit().await?;
                announced += cards.len() as u64;
                self.publish(&events).await;
                if (cards.len() as u64) < batch.max(1) {
                    break;
                }
            }
        }
        Ok(announced)
    }
}

impl<U, C, N> CardsService<'_, U, C, N>
where
    U: UnitOfWork<Tx: CardsTx + GrowTx + IdempotencyTx + StoresTx>,
    C: Clock,
    N: Notifier,
{
    /// Adds a service item to the merchant's list (HQ).
    ///
    /// # Errors
    /// `validation_failed`, `service_item_code_taken`.
    #[tracing::instrument(level = "debug", skip_all, fields(merchant = %merchant_id))]
    pub async fn create_service_item(
        self,
        merchant_id: MerchantId,
        new: NewServiceItem,
    ) -> Result<ServiceItem> {
        let (code, name) = new.validate()?;
        let item = ServiceItem {
            id: ServiceItemId::new(),
            merchant_id,
            code,
            name,
            price: new.price,
            active: true,
            created_at: self.clock.now(),
        };
        let mut tx = self.uow.begin(TxMode::Write).await?;
        tx.cards().insert_service_item(&item).await?;
        tx.commit().await?;
        Ok(item)
    }

    /// The merchant's service items, newest first.
    ///
    /// # Errors
    /// Storage failures only.
    #[tracing::instrument(level = "debug", skip_all, fields(merchant = %merchant_id))]
    pub async fn service_items(
        self,
        merchant_id: MerchantId,
        before: Option<ServiceItemId>,
        limit: u64,
    ) -> Result<Vec<ServiceItem>> {
        let mut tx = self.uow.begin(TxMode::Lookup).await?;
        Ok(tx.cards().service_items(merchant_id, before, limit).await?)
    }

    /// Renames, prices or stops (restarts) a service item (HQ).
    ///
    /// # Errors
    /// `validation_failed`, `service_item_not_found`.
    #[tracing::instrument(level = "debug", skip_all, fields(merchant = %merchant_id, id = %id))]
    pub async fn update_service_item(
        self,
        merchant_id: MerchantId,
        id: ServiceItemId,
        patch: ServiceItemPatch,
    ) -> Result<ServiceItem> {
        let name = patch.name.as_deref().map(check_name).transpose()?;
        let mut tx = self.uow.begin(TxMode::Write).await?;
        let mut item = item_of(&mut tx, merchant_id, id).await?;
        if let Some(name) = name {
            item.name = name;
        }
        if let Some(price) = patch.price {
            item.price = price;
        }
        if let Some(active) = patch.active {
            item.active = active;
        }
        if !tx.cards().update_service_item(&item).await? {
            return Err(Error::NotFound(crate::cards::SERVICE_ITEM));
        }
        tx.commit().await?;
        Ok(item)
    }

    /// Verifies one use of a member's count card at a store (核销) for one of its items: one
    /// conditional update (two stores using the last use at once: one succeeds), an entry in
    /// the card's ledger with the store, the staff member and the item, and the member is
    /// told (scene `card_use`).
    ///
    /// # Errors
    /// `store_not_found`, `card_not_found`, `service_item_not_found`, `card_kind_mismatch`
    /// (not a count card), `item_not_on_card`, `service_item_inactive`, `card_expired`,
    /// `card_used_up`, `idempotency_key_reused`.
    #[tracing::instrument(level = "debug", skip_all, fields(merchant = %cmd.merchant_id, member = %cmd.member_id))]
    pub async fn use_card(
        self,
        cmd: UseCard,
        idem: Option<&Idempotent>,
    ) -> Result<Outcome<CardEntry>> {
        let entry_id = Uuid::now_v7();
        write_once!(
            self,
            idem,
            check: Ok::<(), Error>(()),
            prepare |lookup, _now| {
                let merchant = merchant_of(lookup, cmd.merchant_id).await?;
                let store =
                    crate::merchants::resolve_store(lookup, cmd.merchant_id, cmd.store_id).await?;
                let item = item_of(lookup, cmd.merchant_id, cmd.item_id).await?;
                let settings = lookup.settings().settings(cmd.merchant_id).await?;
                Ok((merchant, settings, item, store.id))
            },
            effect |tx, (merchant, settings, item, store), now| {
                let card = card_of(tx, cmd.merchant_id, cmd.member_id, cmd.card_id).await?;
                let template = template_of(tx, cmd.merchant_id, card.template_id).await?;
                if template.rules.kind == CardKind::StoredValue {
                    return Err(CardsError::CardKindMismatch {
                        what: "a stored-value card pays, it is not used",
                    }
                    .into());
                }
                if !template.rules.items().contains(&item.id) {
                    return Err(CardsError::ItemNotOnCard.into());
                }
                if !item.active {
                    return Err(CardsError::ServiceItemInactive.into());
                }
                let uses_after = match template.rules.period.as_ref() {
                    Some(period) if template.rules.kind == CardKind::Period => {
                        use_period(tx, &cmd, period, merchant.time_zone, now).await?;
                        None
                    }
                    _ => Some(take_count_use(tx, &cmd, card.id, now).await?),
                };
                let entry = CardEntry {
                    id: entry_id,
                    source_ref: entry_id.to_string(),
                    ..uses_entry(
                        &card,
                        CardEntryKind::Use,
                        String::new(),
                        store,
                        cmd.operator_id,
                        now,
                        (-1, uses_after, Some(item.id)),
                    )
                };
                tx.cards().insert_card_entry(&entry).await?;
                let events = vec![DomainEvent::CardUsed {
                    merchant_id: cmd.merchant_id,
                    member_id: cmd.member_id,
                    card_id: card.id,
                    name: template.rules.name.clone(),
                    item: item.name.clone(),
                    uses_left: uses_after,
                }];
                enqueue_for(tx, &merchant, &settings, &events, now).await?;
                Ok((entry, events))
            }
        )
    }

    /// Undoes a use the same local day at the same store: the use comes back to the card,
    /// once (the undo is keyed by the use).
    ///
    /// # Errors
    /// `card_not_found`, `card_use_not_found`, `undo_window_closed` (another day or
    /// another store), `already_applied` (undone before), `idempotency_key_reused`.
    #[tracing::instrument(level = "debug", skip_all, fields(merchant = %cmd.merchant_id, member = %cmd.member_id))]
    pub async fn undo_use(
        self,
        cmd: UndoCardUse,
        idem: Option<&Idempotent>,
    ) -> Result<Outcome<CardEntry>> {
        write_once!(
            self,
            idem,
            check: Ok::<(), Error>(()),
            prepare |lookup, _now| {
                let zone = merchant_of(lookup, cmd.merchant_id).await?.time_zone;
                let store =
                    crate::merchants::resolve_store(lookup, cmd.merchant_id, cmd.store_id).await?;
                Ok((zone, store.id))
            },
            effect |tx, (zone, store), now| {
                let card = card_of(tx, cmd.merchant_id, cmd.member_id, cmd.card_id).await?;
                let used = tx
                    .cards()
                    .card_entry(cmd.merchant_id, card.id, cmd.use_id)
                    .await?
                    .filter(|e| e.kind == CardEntryKind::Use)
                    .ok_or(Error::NotFound(crate::cards::CARD_USE))?;
                if used.store_id != Some(store)
                    || zone.local_date(used.created_at) != zone.local_date(now)
                {
                    return Err(CardsError::UndoWindowClosed.into());
                }
                // A count card gets its use back; a period card's use no longer counts.
                let uses_after = match card.uses_left {
                    Some(_) => Some(
                        tx.cards()
                            .give_use_back(cmd.merchant_id, card.id)
                            .await?
                            .ok_or(Error::NotFound(crate::cards::CARD))?,
                    ),
                    None => None,
                };
                let entry = uses_entry(
                    &card,
                    CardEntryKind::UseUndone,
                    used.id.to_string(),
                    store,
                    cmd.operator_id,
                    now,
                    (1, uses_after, used.item_id),
                );
                tx.cards().insert_card_entry(&entry).await?;
                Ok((entry, Vec::new()))
            }
        )
    }
}
