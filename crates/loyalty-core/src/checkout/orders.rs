use super::CheckoutService;
use crate::cards::{CardEntry, CardEntryKind, CardsError, CardsTx};
use crate::checkout::CardPaid;
use crate::checkout::OrdersTx;
use crate::checkout::PricedOrder;
use crate::checkout::{Context, Plan, plan};
use crate::checkout::{Order, OrderLine, OrderStatus};
use crate::checkout::{OrderFilter, OrderPosition};
use crate::coupons::CouponCode;
use crate::coupons::Verification;
use crate::coupons::refusal;
use crate::engine::write_once;
use crate::events::DomainEvent;
use crate::events::Notifier;
use crate::kernel::IdempotencyTx;
use crate::kernel::{
    CardId, InvalidValue, MemberId, MerchantId, MerchantTimeZone, Money, OrderId, Points, StaffId,
    StoreId, VerificationId,
};
use crate::kernel::{Clock, TxMode, UnitOfWork};
use crate::kernel::{Idempotent, Outcome};
use crate::members::Member;
use crate::members::member_of;
use crate::merchants::StoresTx;
use crate::merchants::merchant_of;
use crate::notifications::enqueue_with;
use crate::points::EarnTx;
use crate::points::{EarnExplanation, PurchaseLine, allocate};
use crate::points::{EntryDraft, credit, debit_recorded};
use crate::points::{EntryKind, LedgerEntry, Source};
use crate::settings::MerchantSettings;
use crate::settings::SettingsTx;
use crate::tiers::upgrade_on_growth;
use crate::{Error, Result};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// A line the till sends: what was bought, how many, at what unit price.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineInput {
    pub sku: Option<String>,
    pub category: Option<String>,
    pub quantity: i64,
    pub unit_price: Money,
}

/// A sale at the till. Either the engine prices its lines (tier discount, coupons, points
/// as cash: [`crate::pricing`]), or the till priced it and says what the member paid.
#[derive(Debug, Clone)]
pub struct CommitOrder {
    pub merchant_id: MerchantId,
    pub store_id: Option<StoreId>,
    pub member_id: MemberId,
    pub order_no: Option<String>,
    /// The till priced the order itself: what the member paid (the lines, optional then,
    /// share it in proportion). `None`: the engine prices the lines.
    pub amount_paid: Option<Money>,
    /// What was bought; required when the engine prices the order.
    pub lines: Vec<LineInput>,
    /// The member's coupons to use (engine-priced orders only).
    pub coupon_codes: Vec<CouponCode>,
    /// Points to use as cash (engine-priced orders only).
    pub points_to_use: Points,
    /// Part or all of what is due paid from one of the member's stored-value cards.
    pub card: Option<CardTender>,
    pub operator_id: Option<StaffId>,
}

/// Paying from a stored-value card (储值卡支付).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CardTender {
    pub card_id: CardId,
    /// How much the card pays; `None`: all it can, up to what is due.
    pub amount: Option<Money>,
}

/// Which orders to list: of some stores (all when empty), of a member, between two local
/// days of the merchant (both included), in a status.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OrderListing {
    pub stores: Vec<StoreId>,
    pub member: Option<MemberId>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub status: Option<OrderStatus>,
}

impl OrderListing {
    /// The instants the local days begin and end at in `zone`.
    fn filter(self, zone: MerchantTimeZone) -> Result<OrderFilter> {
        let start = |day: NaiveDate| {
            day.and_hms_opt(0, 0, 0)
                .and_then(|midnight| zone.instant_of(midnight))
        };
        let bad = |field: &'static str| InvalidValue::new(field, "is not a day of the calendar");
        Ok(OrderFilter {
            stores: self.stores,
            member: self.member,
            from: self.from.map(|d| start(d).ok_or(bad("from"))).transpose()?,
            until: self
                .to
                .map(|d| d.succ_opt().and_then(start).ok_or(bad("to")))
                .transpose()?,
            status: self.status,
        })
    }
}

/// What a card pays of a quoted order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuotedCard {
    pub card_id: CardId,
    pub amount: Money,
    pub principal: Money,
    pub bonus: Money,
    /// The card's balance after paying.
    pub balance_after: Money,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrderReceipt {
    pub order: Order,
    pub lines: Vec<OrderLine>,
    /// How the engine priced it; `None` for an order the till priced.
    pub pricing: Option<PricedOrder>,
    /// The spend entry of points used as cash.
    pub spent: Option<LedgerEntry>,
    /// The card's entry when part of the order was paid from a card.
    #[serde(default)]
    pub card_entry: Option<CardEntry>,
    /// The earn entry; `None` when the order earned nothing.
    pub earned: Option<LedgerEntry>,
    /// The member's balance after the order.
    pub balance_after: Points,
    pub explanation: EarnExplanation,
    /// The earning policy version that computed the points.
    pub policy_version: i64,
    /// The member's new tier when this order crossed a threshold.
    pub tier_upgraded_to: Option<String>,
}

/// A price preview: what committing the same order now would do, changing nothing.
#[derive(Debug, Clone)]
pub struct OrderQuote {
    pub pricing: PricedOrder,
    pub points_to_earn: Points,
    pub earning: EarnExplanation,
    pub policy_version: i64,
    pub balance: Points,
    /// What the card pays, when the order names one.
    pub card: Option<QuotedCard>,
}

fn validate_order_no(order_no: Option<&str>) -> Result<Option<String>> {
    match order_no.map(str::trim) {
        None => Ok(None),
        Some(no)
            if !no.is_empty() && no.len() <= 64 && no.chars().all(|c| c.is_ascii_graphic()) =>
        {
            Ok(Some(no.to_owned()))
        }
        Some(_) => {
            Err(InvalidValue::new("order_no", "must be 1 to 64 visible ASCII characters").into())
        }
    }
}

pub(crate) fn code(field: &'static str, value: Option<&String>) -> Result<Option<String>> {
    match value.map(|v| v.trim()) {
        None | Some("") => Ok(None),
        Some(v) if v.len() <= 64 && v.chars().all(|c| c.is_ascii_graphic()) => {
            Ok(Some(v.to_owned()))
        }
        Some(_) => Err(InvalidValue::new(field, "must be 1 to 64 visible ASCII characters").into()),
    }
}

/// The lines as the earning rule sees them: gross amounts, and the paid amount allocated
/// over them in proportion (to the fen, adding up exactly).
///
/// # Errors
/// `validation_failed` for a quantity outside 1..=100000, more than 500 lines, or a paid
/// amount above the lines' total.
pub fn price_lines(lines: &[LineInput], amount_paid: Money) -> Result<Vec<PurchaseLine>> {
    if lines.len() > 500 {
        return Err(InvalidValue::new("lines", "at most 500 lines").into());
    }
    let mut gross = Vec::with_capacity(lines.len());
    for line in lines {
        if !(1..=100_000).contains(&line.quantity) {
            return Err(InvalidValue::new("lines.quantity", "must be between 1 and 100000").into());
        }
        let fen = line
            .unit_price
            .fen()
            .checked_mul(line.quantity)
            .filter(|f| *f <= 100_000_000_000)
            .ok_or_else(|| InvalidValue::new("lines.unit_price", "is too large"))?;
        gross.push(Money::from_fen(fen)?);
    }
    if !lines.is_empty() {
        let total: i64 = gross.iter().map(|g| g.fen()).sum();
        if amount_paid.fen() > total {
            return Err(
                InvalidValue::new("amount_paid", "must not exceed the total of the lines").into(),
            );
        }
    }
    let paid = allocate(amount_paid, &gross);
    lines
        .iter()
        .zip(gross)
        .zip(paid)
        .map(|((line, gross), paid)| {
            Ok(PurchaseLine {
                sku: code("lines.sku", line.sku.as_ref())?,
                category: code("lines.category", line.category.as_ref())?,
                gross,
                paid,
            })
        })
        .collect()
}

impl<U, C, N> CheckoutService<'_, U, C, N>
where
    U: UnitOfWork<Tx: CardsTx + EarnTx + IdempotencyTx + OrdersTx + StoresTx>,
    C: Clock,
    N: Notifier,
{
    /// Prices an order as committing it now would, and changes nothing.
    ///
    /// # Errors
    /// As [`Self::commit_order`] for an order the engine prices.
    #[tracing::instrument(level = "debug", skip_all, fields(merchant = %cmd.merchant_id, member = %cmd.member_id))]
    pub async fn quote(self, cmd: CommitOrder) -> Result<OrderQuote> {
        if !cmd.priced_by_engine() {
            return Err(
                InvalidValue::new("amount_paid", "a quote prices the lines: leave it out").into(),
            );
        }
        cmd.validate()?;
        let now = self.clock.now();
        let mut tx = self.uow.begin(TxMode::Lookup).await?;
        let merchant = merchant_of(&mut tx, cmd.merchant_id).await?;
        let store = crate::merchants::resolve_store(&mut tx, cmd.merchant_id, cmd.store_id).await?;
        let settings = tx.settings().settings(cmd.merchant_id).await?;
        let member = member_of(&mut tx, cmd.merchant_id, cmd.member_id).await?;
        let earned_today = earned_today(&mut tx, &settings, &merchant, &member, now).await?;
        let ctx = Context {
            merchant: &merchant,
            store: &store,
            settings: &settings,
            member: Some(&member),
            earned_today,
            now,
        };
        let plan = plan(&mut tx, &cmd, &ctx).await?;
        let card = plan
            .card
            .as_ref()
            .map(|c| -> Result<QuotedCard> {
                Ok(QuotedCard {
                    card_id: c.card.id,
                    amount: Money::from_fen(c.amount())?,
                    principal: Money::from_fen(c.principal)?,
                    bonus: Money::from_fen(c.bonus)?,
                    balance_after: Money::from_fen(c.card.balance().fen() - c.amount())?,
                })
            })
            .transpose()?;
        let pricing = plan.priced.ok_or(Error::NotFound(crate::checkout::ORDER))?;
        Ok(OrderQuote {
            pricing,
            points_to_earn: plan.earned.points,
            earning: plan.earned.explanation,
            policy_version: settings.earning.version,
            balance: member.points_balance,
            card,
        })
    }

    /// Commits an order in one transaction: the coupons it uses (compare-and-set: a coupon
    /// used meanwhile refuses the whole order), the points it spends as cash (soonest-expiring
    /// lots first), the points it earns, the order and its lines, a tier upgrade when a
    /// threshold is crossed, and the messages they cause.
    ///
    /// # Errors
    /// `validation_failed`, `member_not_found`, `store_not_found`, `coupon_not_found`,
    /// `coupon_used`, `coupon_expired`, `coupon_not_applicable`, `coupons_not_stackable`,
    /// `points_not_accepted`, `points_limit_exceeded`, `insufficient_points`,
    /// `order_no_taken`, `idempotency_key_reused`.
    #[tracing::instrument(level = "debug", skip_all, fields(merchant = %cmd.merchant_id, member = %cmd.member_id))]
    pub async fn commit(
        self,
        cmd: CommitOrder,
        idem: Option<&Idempotent>,
    ) -> Result<Outcome<OrderReceipt>> {
        let cmd = &cmd;
        write_once!(
            self,
            idem,
            check: (|| {
                cmd.validate()?;
                validate_order_no(cmd.order_no.as_deref())?;
                if let Some(paid) = cmd.amount_paid {
                    // Refused before any lookup, as it always was.
                    price_lines(&cmd.lines, paid)?;
                }
                Ok(())
            })(),
            prepare |lookup, _now| {
                // What the write needs to know is looked up first, outside the write transaction
                // (which, on SQLite, queues for the single writer). A request with the same key that
                // commits in between makes `remember` fail, and the retry replays it.
                let merchant = merchant_of(lookup, cmd.merchant_id).await?;
                let store =
                    crate::merchants::resolve_store(lookup, cmd.merchant_id, cmd.store_id).await?;
                let settings = lookup.settings().settings(cmd.merchant_id).await?;
                Ok((merchant, store, settings))
            },
            effect |tx, (merchant, store, settings), now| {
                commit_in(tx, cmd, &merchant, &store, &settings, now).await
            }
        )
    }

    /// # Errors
    /// `order_not_found`.
    #[tracing::instrument(level = "debug", skip_all, fields(merchant = %merchant_id, id = %id))]
    pub async fn order(self, merchant_id: MerchantId, id: OrderId) -> Result<Order> {
        let mut tx = self.uow.begin(TxMode::Lookup).await?;
        tx.orders()
            .order(merchant_id, id)
            .await?
            .ok_or(Error::NotFound(crate::checkout::ORDER))
    }

    /// A page of the merchant's orders that `listing` lets through, newest first, after
    /// `after`; the member's, when the listing names one (who must be the merchant's).
    ///
    /// # Errors
    /// `validation_failed` for a limit outside 1..=100 or days that end before they
    /// begin; `member_not_found`.
    #[tracing::instrument(level = "debug", skip_all, fields(merchant = %merchant_id))]
    pub async fn orders(
        self,
        merchant_id: MerchantId,
        listing: OrderListing,
        after: Option<OrderPosition>,
        limit: u64,
    ) -> Result<Vec<Order>> {
        if !(1..=100).contains(&limit) {
            return Err(InvalidValue::new("limit", "must be between 1 and 100").into());
        }
        if let (Some(from), Some(to)) = (listing.from, listing.to)
            && to < from
        {
            return Err(InvalidValue::new("to", "must not be before from").into());
        }
        let mut tx = self.uow.begin(TxMode::Lookup).await?;
        let merchant = merchant_of(&mut tx, merchant_id).await?;
        if let Some(member) = listing.member {
            member_of(&mut tx, merchant_id, member).await?;
        }
        let filter = listing.filter(merchant.time_zone)?;
        Ok(tx
            .orders()
            .orders_page(merchant_id, &filter, after, limit)
            .await?)
    }

    /// The order with its lines.
    ///
    /// # Errors
    /// `order_not_found`.
    #[tracing::instrument(level = "debug", skip_all, fields(merchant = %merchant_id, id = %id))]
    pub async fn order_with_lines(
        self,
        merchant_id: MerchantId,
        id: OrderId,
    ) -> Result<(Order, Vec<OrderLine>)> {
        let mut tx = self.uow.begin(TxMode::Lookup).await?;
        let order = tx
            .orders()
            .order(merchant_id, id)
            .await?
            .ok_or(Error::NotFound(crate::checkout::ORDER))?;
        let lines = tx.orders().lines_of(merchant_id, &[id]).await?;
        Ok((order, lines))
    }
}

/// Commits an order inside a write transaction the caller holds: what
/// [`CheckoutService::commit`] does once its key is claimed, and what selling a card does
/// before it adds the card's uses.
pub(super) async fn commit_in<T>(
    tx: &mut T,
    cmd: &CommitOrder,
    merchant: &crate::merchants::Merchant,
    store: &crate::merchants::Store,
    settings: &MerchantSettings,
    now: DateTime<Utc>,
) -> Result<(OrderReceipt, Vec<DomainEvent>)>
where
    T: CardsTx + EarnTx + OrdersTx + StoresTx,
{
    let order_no = validate_order_no(cmd.order_no.as_deref())?;
    let order_no = order_no.as_deref();
    let policy = &settings.earning.value;
    let tz = merchant.time_zone;
    // The member's lock, when the rules read the member (the engine's pricing, the daily
    // cap, a birthday, the tier): what they read then holds until commit (a concurrent
    // order of the member waits, and sees this one's points and growth). Without such
    // rules the balance update itself is the lock.
    let member = if cmd.priced_by_engine()
        || cmd.card.is_some()
        || policy.cap_per_day.is_some()
        || policy.birthday.is_some()
        || settings.tiers.is_some()
    {
        Some(
            tx.members()
                .lock_member(cmd.merchant_id, cmd.member_id)
                .await?
                .ok_or(Error::NotFound(crate::members::MEMBER))?,
        )
    } else {
        None
    };
    let earned_today = match &member {
        Some(m) => earned_today(tx, settings, merchant, m, now).await?,
        None => Points::ZERO,
    };
    let ctx = Context {
        merchant,
        store,
        settings,
        member: member.as_ref(),
        earned_today,
        now,
    };
    let plan = plan(tx, cmd, &ctx).await?;
    let order = new_order(cmd, order_no, store.id, &plan, now);
    let source = Source::new("order", order.id);
    let mut events = Vec::new();
    // Coupons first, then points: both under the member's lock taken above.
    use_coupons(tx, cmd, &order, &plan, now).await?;
    let spent = if order.points_used.is_positive() {
        let draft = EntryDraft {
            merchant_id: cmd.merchant_id,
            member_id: cmd.member_id,
            kind: EntryKind::Spend,
            reason_code: "order_points".into(),
            title: "积分抵现".into(),
            store_id: Some(store.id),
            source: source.clone(),
            operator_id: cmd.operator_id,
            policy_version: None,
        };
        let entry = debit_recorded(tx, &draft, order.points_used, &plan.spendable, now).await?;
        events.push(crate::points::spent_event(&entry, order.points_used));
        Some(entry)
    } else {
        None
    };
    let card_entry = match &plan.card {
        Some(charge) => {
            let entry = pay_from_card(tx, cmd, &order, charge, now).await?;
            events.push(DomainEvent::CardPaid {
                merchant_id: cmd.merchant_id,
                member_id: cmd.member_id,
                card_id: charge.card.id,
                name: charge.name.clone(),
                amount: Money::from_fen(charge.amount())?,
                balance_after: Money::from_fen(
                    entry.principal_after.fen() + entry.bonus_after.fen(),
                )?,
            });
            Some(entry)
        }
        None => None,
    };
    let entry = if plan.earned.points.is_positive() {
        let draft = EntryDraft {
            merchant_id: cmd.merchant_id,
            member_id: cmd.member_id,
            kind: EntryKind::Earn,
            reason_code: "order_earn".into(),
            title: "消费得积分".into(),
            store_id: Some(store.id),
            source: source.clone(),
            operator_id: cmd.operator_id,
            policy_version: Some(settings.earning.version),
        };
        let credited = credit(
            tx,
            &draft,
            plan.earned.points,
            settings.expiry.value.expires_at(now, tz),
            now,
        )
        .await?;
        events.push(DomainEvent::PointsEarned {
            merchant_id: cmd.merchant_id,
            member_id: cmd.member_id,
            points: credited.entry.delta,
            balance_after: credited.balance_after,
        });
        Some(credited)
    } else {
        None
    };
    let balance_after = match (&entry, &spent, &member) {
        (Some(c), _, _) => c.balance_after,
        (None, Some(e), _) => e.balance_after,
        (None, None, Some(m)) => m.points_balance,
        (None, None, None) => {
            member_of(tx, cmd.merchant_id, cmd.member_id)
                .await?
                .points_balance
        }
    };
    tx.orders().insert_order(&order).await?;
    let order_lines = order_lines(cmd, &order, &plan);
    if !order_lines.is_empty() {
        tx.orders().insert_lines(&order_lines).await?;
    }
    let upgrade = match &member {
        Some(member) => upgrade_on_growth(tx, member, settings.tiers.as_ref(), tz, now).await?,
        None => None,
    };
    let tier_upgraded_to = match &upgrade {
        Some(DomainEvent::TierUpgraded { to_tier, .. }) => Some(to_tier.clone()),
        _ => None,
    };
    events.extend(upgrade);
    enqueue_with(
        tx,
        cmd.merchant_id,
        &settings.notifications.value,
        tz,
        &events,
        now,
    )
    .await?;
    let receipt = OrderReceipt {
        order,
        lines: order_lines,
        pricing: plan.priced,
        spent,
        card_entry,
        earned: entry.map(|c| c.entry),
        balance_after,
        explanation: plan.earned.explanation,
        policy_version: settings.earning.version,
        tier_upgraded_to,
    };
    Ok((receipt, events))
}

/// What the member's orders earned today, for the daily cap (nothing to read without one).
async fn earned_today(
    tx: &mut impl crate::points::PointsTx,
    settings: &MerchantSettings,
    merchant: &crate::merchants::Merchant,
    member: &Member,
    now: DateTime<Utc>,
) -> Result<Points> {
    match settings.earning.value.cap_per_day {
        Some(_) => Ok(tx
            .points()
            .earned_since(
                merchant.id,
                member.id,
                "order_earn",
                merchant.time_zone.start_of_day(now),
            )
            .await?),
        None => Ok(Points::ZERO),
    }
}

fn new_order(
    cmd: &CommitOrder,
    order_no: Option<&str>,
    store_id: StoreId,
    plan: &Plan,
    now: DateTime<Utc>,
) -> Order {
    let priced = plan.priced.as_ref();
    Order {
        id: OrderId::new(),
        merchant_id: cmd.merchant_id,
        store_id,
        member_id: cmd.member_id,
        order_no: order_no.map(str::to_owned),
        gross: plan.gross,
        tier_discount: priced.map_or(Money::ZERO, |p| p.tier_discount),
        coupon_discount: priced.map_or(Money::ZERO, |p| p.coupon_discount),
        points_used: priced.map_or(Points::ZERO, |p| p.points_used),
        points_discount: priced.map_or(Money::ZERO, |p| p.points_discount),
        amount_paid: plan.amount_paid,
        amount_refunded: Money::ZERO,
        card: plan.card.as_ref().map(|c| CardPaid {
            card_id: c.card.id,
            principal: Money::from_fen(c.principal).unwrap_or(Money::ZERO),
            bonus: Money::from_fen(c.bonus).unwrap_or(Money::ZERO),
            principal_returned: Money::ZERO,
            bonus_returned: Money::ZERO,
        }),
        points_earned: plan.earned.points,
        points_reversed: Points::ZERO,
        points_returned: Points::ZERO,
        status: OrderStatus::Paid,
        operator_id: cmd.operator_id,
        created_at: now,
    }
}

fn order_lines(cmd: &CommitOrder, order: &Order, plan: &Plan) -> Vec<OrderLine> {
    cmd.lines
        .iter()
        .zip(&plan.lines)
        .zip(1..)
        .map(|((input, line), line_no)| {
            let priced = plan.priced.as_ref().and_then(|p| {
                p.lines
                    .get(usize::try_from(line_no - 1).unwrap_or(usize::MAX))
            });
            OrderLine {
                merchant_id: cmd.merchant_id,
                order_id: order.id,
                line_no,
                sku: line.sku.clone(),
                category: line.category.clone(),
                quantity: input.quantity,
                unit_price: input.unit_price,
                gross: line.gross,
                tier_discount: priced.map_or(Money::ZERO, |p| p.tier_discount),
                coupon_discount: priced.map_or(Money::ZERO, |p| p.coupon_discount),
                points_discount: priced.map_or(Money::ZERO, |p| p.points_discount),
                points_used: priced.map_or(Points::ZERO, |p| p.points_used),
                points_earned: plan
                    .line_points
                    .get(usize::try_from(line_no - 1).unwrap_or(usize::MAX))
                    .copied()
                    .unwrap_or(Points::ZERO),
                paid: line.paid,
                refunded_quantity: 0,
            }
        })
        .collect()
}

/// Marks the order's coupons used (each by compare-and-set) and logs their verification
/// at the order's store.
async fn use_coupons(
    tx: &mut impl crate::coupons::CouponsTx,
    cmd: &CommitOrder,
    order: &Order,
    plan: &Plan,
    now: DateTime<Utc>,
) -> Result<()> {
    for coupon in &plan.coupons {
        if !tx
            .coupons()
            .use_coupon(
                cmd.merchant_id,
                coupon.id,
                order.store_id,
                Some(order.id),
                now,
            )
            .await?
        {
            let now_is = tx
                .coupons()
                .coupons_by_ids(cmd.merchant_id, &[coupon.id])
                .await?
                .pop()
                .ok_or(Error::NotFound(crate::coupons::COUPON))?;
            return Err(refusal(&now_is, now));
        }
        tx.coupons()
            .insert_verification(&Verification {
                id: VerificationId::new(),
                merchant_id: cmd.merchant_id,
                coupon_id: coupon.id,
                code: coupon.code.clone(),
                member_id: coupon.member_id,
                store_id: order.store_id,
                staff_id: cmd.operator_id,
                order_id: Some(order.id),
                created_at: now,
                undone_at: None,
                undone_by: None,
            })
            .await?;
    }
    Ok(())
}

/// Takes the order's part off the card (one conditional update: never below zero) and
/// writes the card's entry, keyed by the order.
async fn pay_from_card(
    tx: &mut impl CardsTx,
    cmd: &CommitOrder,
    order: &Order,
    charge: &crate::checkout::CardCharge,
    now: DateTime<Utc>,
) -> Result<CardEntry> {
    let (principal_after, bonus_after) = tx
        .cards()
        .take_from_card(
            cmd.merchant_id,
            cmd.member_id,
            charge.card.id,
            charge.principal,
            charge.bonus,
        )
        .await?
        .ok_or_else(|| CardsError::InsufficientCardBalance {
            balance: charge.card.balance().to_string(),
            amount: Money::from_fen(charge.amount())
                .unwrap_or(Money::ZERO)
                .to_string(),
        })?;
    let entry = CardEntry {
        id: uuid::Uuid::now_v7(),
        merchant_id: cmd.merchant_id,
        card_id: charge.card.id,
        member_id: cmd.member_id,
        kind: CardEntryKind::Payment,
        principal_delta: -charge.principal,
        bonus_delta: -charge.bonus,
        principal_after: Money::from_fen(principal_after)?,
        bonus_after: Money::from_fen(bonus_after)?,
        source_ref: order.id.to_string(),
        store_id: Some(order.store_id),
        operator_id: cmd.operator_id,
        created_at: now,
        uses_delta: 0,
        uses_after: None,
        item_id: None,
    };
    tx.cards().insert_card_entry(&entry).await?;
    Ok(entry)
}
