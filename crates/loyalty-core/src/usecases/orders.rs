use super::idempotency::{Idempotent, Outcome, remember, replay, replay_in_write};
use super::notify::enqueue_with;
use super::points_ops::{EntryDraft, credit, reverse};
use super::tiers::upgrade_on_growth;
use super::{Loyalty, with_retry};
use super::{member_of, merchant_of};
use crate::earning::{
    EarnExplanation, MemberContext, Purchase, PurchaseLine, allocate, earn_points,
};
use crate::events::DomainEvent;
use crate::model::{EntryKind, LedgerEntry, Order, OrderLine, OrderStatus, Refund, Source};
use crate::ports::{Clock, Notifier, TxMode, UnitOfWork};
use crate::types::{
    InvalidValue, MemberId, MerchantId, Money, OrderId, Points, RefundId, StaffId, StoreId,
};
use crate::{Error, Result};

/// A line the till sends: what was bought, how many, at what unit price.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineInput {
    pub sku: Option<String>,
    pub category: Option<String>,
    pub quantity: i64,
    pub unit_price: Money,
}

/// A sale at the till: the amount paid earns points by the merchant's policy.
#[derive(Debug, Clone)]
pub struct CommitOrder {
    pub merchant_id: MerchantId,
    pub store_id: Option<StoreId>,
    pub member_id: MemberId,
    pub order_no: Option<String>,
    pub amount_paid: Money,
    /// What was bought; optional, but category and item rules need it.
    pub lines: Vec<LineInput>,
    pub operator_id: Option<StaffId>,
}

#[derive(Debug, Clone)]
pub struct OrderReceipt {
    pub order: Order,
    pub lines: Vec<OrderLine>,
    /// The earn entry; `None` when the order earned nothing.
    pub earned: Option<LedgerEntry>,
    pub explanation: EarnExplanation,
    /// The earning policy version that computed the points.
    pub policy_version: i64,
    /// The member's new tier when this order crossed a threshold.
    pub tier_upgraded_to: Option<String>,
}

/// A refund of `amount` (all that is left when `None`).
#[derive(Debug, Clone)]
pub struct RefundOrder {
    pub merchant_id: MerchantId,
    pub order_id: OrderId,
    pub amount: Option<Money>,
    pub operator_id: Option<StaffId>,
}

#[derive(Debug, Clone)]
pub struct RefundReceipt {
    pub refund: Refund,
    pub order: Order,
    pub reversed: Option<LedgerEntry>,
}

/// Points a refund takes back: the share of the earned points that the refunded total is of
/// the paid amount, rounded down, less what earlier refunds took. The last refund takes back
/// exactly the rest, so partial refunds add up to the earned points.
#[must_use]
pub fn points_to_reverse(
    earned: Points,
    paid: Money,
    refunded_after: Money,
    reversed_before: Points,
) -> Points {
    if paid.fen() == 0 {
        return Points::ZERO;
    }
    let share =
        i128::from(earned.value()) * i128::from(refunded_after.fen()) / i128::from(paid.fen());
    let share = i64::try_from(share)
        .unwrap_or(earned.value())
        .min(earned.value());
    Points::new((share - reversed_before.value()).max(0))
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

fn code(field: &'static str, value: Option<&String>) -> Result<Option<String>> {
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

impl<U: UnitOfWork, C: Clock, N: Notifier> Loyalty<U, C, N> {
    /// Records the order and its lines, credits the points it earns, and records the growth
    /// value it makes (upgrading the member's tier when a threshold is crossed), in one
    /// transaction.
    ///
    /// # Errors
    /// `validation_failed`, `member_not_found`, `store_not_found`, `order_no_taken`,
    /// `idempotency_key_reused`.
    pub async fn commit_order(
        &self,
        cmd: CommitOrder,
        idem: Option<Idempotent<'_, OrderReceipt>>,
    ) -> Result<Outcome<OrderReceipt>> {
        let order_no = validate_order_no(cmd.order_no.as_deref())?;
        let lines = price_lines(&cmd.lines, cmd.amount_paid)?;
        let outcome = with_retry!(|attempt| self.try_commit_order(
            &cmd,
            order_no.as_deref(),
            &lines,
            idem.as_ref(),
            attempt
        ))?;
        let (outcome, events) = match outcome {
            Outcome::Done((receipt, events)) => (Outcome::Done(receipt), events),
            Outcome::Replayed(stored) => (Outcome::Replayed(stored), Vec::new()),
        };
        self.publish(&events).await;
        Ok(outcome)
    }

    async fn try_commit_order(
        &self,
        cmd: &CommitOrder,
        order_no: Option<&str>,
        lines: &[PurchaseLine],
        idem: Option<&Idempotent<'_, OrderReceipt>>,
        attempt: u32,
    ) -> Result<Outcome<(OrderReceipt, Vec<DomainEvent>)>> {
        let now = self.clock.now();
        // What the write needs to know is looked up first, outside the write transaction
        // (which, on SQLite, queues for the single writer). A request with the same key that
        // commits in between makes `remember` fail, and the retry replays it.
        let (merchant, store, settings) = {
            let mut lookup = self.uow.begin(TxMode::Lookup).await?;
            if let Some(stored) = replay(&mut *lookup, idem).await? {
                return Ok(Outcome::Replayed(stored));
            }
            let merchant = merchant_of(&mut *lookup, cmd.merchant_id).await?;
            let store = Self::resolve_store(&mut *lookup, cmd.merchant_id, cmd.store_id).await?;
            let settings = lookup.settings().settings(cmd.merchant_id).await?;
            (merchant, store, settings)
        };
        let policy = &settings.earning.value;
        let tz = merchant.time_zone;
        let mut tx =
            match replay_in_write(self.uow.begin(TxMode::Write).await?, idem, attempt).await? {
                Ok(tx) => tx,
                Err(stored) => return Ok(Outcome::Replayed(stored)),
            };
        // The member's lock, when the rules read the member: the per-day cap and the growth
        // value read below then hold until commit (a concurrent order of the member waits,
        // and sees this one's points and growth). Without such rules the balance update
        // itself is the lock.
        let member = if policy.cap_per_day.is_some()
            || policy.birthday.is_some()
            || settings.tiers.is_some()
        {
            Some(
                tx.members()
                    .lock_member(cmd.merchant_id, cmd.member_id)
                    .await?
                    .ok_or(Error::NotFound("member"))?,
            )
        } else {
            None
        };
        let earned_today = match policy.cap_per_day {
            Some(_) => {
                tx.points()
                    .earned_since(
                        cmd.merchant_id,
                        cmd.member_id,
                        "order_earn",
                        tz.start_of_day(now),
                    )
                    .await?
            }
            None => Points::ZERO,
        };
        let tiers = settings.tiers.as_ref().map(|t| &t.value);
        let context = MemberContext {
            birthday: member.as_ref().and_then(|m| m.birthday),
            tier: tiers.and_then(|t| {
                t.factor(t.rank(member.as_ref().and_then(|m| m.tier_code.as_deref())))
            }),
            earned_today,
        };
        let gross_fen: i64 = lines.iter().map(|l| l.gross.fen()).sum();
        let earned = earn_points(
            policy,
            &Purchase {
                store_id: store.id,
                at: now,
                lines,
                amount_paid: cmd.amount_paid,
                amount_gross: if lines.is_empty() {
                    cmd.amount_paid
                } else {
                    Money::from_fen(gross_fen)?
                },
            },
            &context,
            tz,
        )?;
        let order = Order {
            id: OrderId::new(),
            merchant_id: cmd.merchant_id,
            store_id: store.id,
            member_id: cmd.member_id,
            order_no: order_no.map(str::to_owned),
            amount_paid: cmd.amount_paid,
            amount_refunded: Money::ZERO,
            points_earned: earned.points,
            points_reversed: Points::ZERO,
            status: OrderStatus::Paid,
            operator_id: cmd.operator_id,
            created_at: now,
        };
        let source = Source::new("order", order.id);
        let mut events = Vec::new();
        let entry = if earned.points.is_positive() {
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
            let entry = credit(
                &mut *tx,
                &draft,
                earned.points,
                settings.expiry.value.expires_at(now, tz),
                now,
            )
            .await?;
            events.push(DomainEvent::PointsEarned {
                merchant_id: entry.merchant_id,
                member_id: entry.member_id,
                points: entry.delta,
                balance_after: entry.balance_after,
            });
            Some(entry)
        } else {
            if member.is_none() {
                member_of(&mut *tx, cmd.merchant_id, cmd.member_id).await?;
            }
            None
        };
        tx.orders().insert_order(&order).await?;
        let order_lines: Vec<OrderLine> = cmd
            .lines
            .iter()
            .zip(lines)
            .zip(1..)
            .map(|((input, line), line_no)| OrderLine {
                merchant_id: cmd.merchant_id,
                order_id: order.id,
                line_no,
                sku: line.sku.clone(),
                category: line.category.clone(),
                quantity: input.quantity,
                unit_price: input.unit_price,
                gross: line.gross,
                paid: line.paid,
            })
            .collect();
        if !order_lines.is_empty() {
            tx.orders().insert_lines(&order_lines).await?;
        }
        let upgrade = match &member {
            Some(member) => {
                upgrade_on_growth(&mut *tx, member, settings.tiers.as_ref(), tz, now).await?
            }
            None => None,
        };
        let tier_upgraded_to = match &upgrade {
            Some(DomainEvent::TierUpgraded { to_tier, .. }) => Some(to_tier.clone()),
            _ => None,
        };
        events.extend(upgrade);
        enqueue_with(
            &mut *tx,
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
            earned: entry,
            explanation: earned.explanation,
            policy_version: settings.earning.version,
            tier_upgraded_to,
        };
        remember(&mut *tx, idem, &receipt, now).await?;
        tx.commit().await?;
        Ok(Outcome::Done((receipt, events)))
    }

    /// # Errors
    /// `order_not_found`.
    pub async fn order(&self, merchant_id: MerchantId, id: OrderId) -> Result<Order> {
        let mut tx = self.uow.begin(TxMode::Lookup).await?;
        tx.orders()
            .order(merchant_id, id)
            .await?
            .ok_or(Error::NotFound("order"))
    }

    /// Refunds all or part of an order and takes back the points it earned, proportionally.
    /// Points already spent are clawed back to zero (the shortfall is recorded) or the
    /// refund is refused, by the engine's policy.
    ///
    /// # Errors
    /// `order_not_found`, `refund_exceeds_paid`, `insufficient_points` (reject policy),
    /// `idempotency_key_reused`.
    pub async fn refund_order(
        &self,
        cmd: RefundOrder,
        idem: Option<Idempotent<'_, RefundReceipt>>,
    ) -> Result<Outcome<RefundReceipt>> {
        if cmd.amount == Some(Money::ZERO) {
            return Err(InvalidValue::new("amount", "must be more than 0.00").into());
        }
        let outcome = with_retry!(|attempt| self.try_refund(&cmd, idem.as_ref(), attempt))?;
        if let Outcome::Done(RefundReceipt {
            reversed: Some(entry),
            ..
        }) = &outcome
        {
            self.publish(&[DomainEvent::PointsReversed {
                merchant_id: entry.merchant_id,
                member_id: entry.member_id,
                points: Points::new(-entry.delta.value()),
                balance_after: entry.balance_after,
            }])
            .await;
        }
        Ok(outcome)
    }

    async fn try_refund(
        &self,
        cmd: &RefundOrder,
        idem: Option<&Idempotent<'_, RefundReceipt>>,
        attempt: u32,
    ) -> Result<Outcome<RefundReceipt>> {
        let now = self.clock.now();
        let mut lookup = self.uow.begin(TxMode::Lookup).await?;
        if let Some(stored) = replay(&mut *lookup, idem).await? {
            return Ok(Outcome::Replayed(stored));
        }
        let member_id = lookup
            .orders()
            .order(cmd.merchant_id, cmd.order_id)
            .await?
            .ok_or(Error::NotFound("order"))?
            .member_id;
        drop(lookup);
        let mut tx =
            match replay_in_write(self.uow.begin(TxMode::Write).await?, idem, attempt).await? {
                Ok(tx) => tx,
                Err(stored) => return Ok(Outcome::Replayed(stored)),
            };
        // Refunds of one order queue on the member's account; read the order again under it.
        tx.points()
            .lock_account(cmd.merchant_id, member_id)
            .await?
            .ok_or(Error::NotFound("member"))?;
        let order = tx
            .orders()
            .order(cmd.merchant_id, cmd.order_id)
            .await?
            .ok_or(Error::NotFound("order"))?;
        let refundable = Money::from_fen(order.amount_paid.fen() - order.amount_refunded.fen())?;
        let amount = cmd.amount.unwrap_or(refundable);
        if amount == Money::ZERO || amount > refundable {
            return Err(Error::RefundExceedsPaid {
                refundable: refundable.to_string(),
            });
        }
        let refunded_after = Money::from_fen(order.amount_refunded.fen() + amount.fen())?;
        let to_reverse = points_to_reverse(
            order.points_earned,
            order.amount_paid,
            refunded_after,
            order.points_reversed,
        );
        let refund_id = RefundId::new();
        let reversed = if to_reverse.is_positive() {
            let draft = EntryDraft {
                merchant_id: cmd.merchant_id,
                member_id,
                kind: EntryKind::Reverse,
                reason_code: "order_refund".into(),
                title: "退款扣回积分".into(),
                store_id: Some(order.store_id),
                source: Source::new("refund", refund_id),
                operator_id: cmd.operator_id,
                policy_version: None,
            };
            let earned = Source::new("order", order.id);
            Some(
                reverse(
                    &mut *tx,
                    &draft,
                    &earned,
                    to_reverse,
                    self.settings.refund_shortfall,
                    now,
                )
                .await?
                .0,
            )
        } else {
            None
        };
        let order = tx
            .orders()
            .add_refund_totals(cmd.merchant_id, order.id, amount, to_reverse)
            .await?
            .ok_or_else(|| Error::RefundExceedsPaid {
                refundable: refundable.to_string(),
            })?;
        let refund = Refund {
            id: refund_id,
            merchant_id: cmd.merchant_id,
            order_id: order.id,
            amount,
            points_reversed: reversed
                .as_ref()
                .map_or(Points::ZERO, |e| Points::new(-e.delta.value())),
            points_shortfall: reversed.as_ref().map_or(Points::ZERO, |e| e.shortfall),
            operator_id: cmd.operator_id,
            created_at: now,
        };
        tx.orders().insert_refund(&refund).await?;
        let receipt = RefundReceipt {
            refund,
            order,
            reversed,
        };
        remember(&mut *tx, idem, &receipt, now).await?;
        tx.commit().await?;
        Ok(Outcome::Done(receipt))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn money(s: &str) -> Money {
        s.parse().expect("valid")
    }

    #[test]
    fn partial_refunds_take_back_a_rounded_down_share_and_the_last_takes_the_rest() {
        let earned = Points::new(99);
        let paid = money("99.00");
        let first = points_to_reverse(earned, paid, money("10.50"), Points::ZERO);
        assert_eq!(first, Points::new(10));
        let second = points_to_reverse(earned, paid, money("50.00"), first);
        assert_eq!(second, Points::new(40));
        let last = points_to_reverse(earned, paid, paid, Points::new(50));
        assert_eq!(last, Points::new(49));
    }

    #[test]
    fn a_free_order_reverses_nothing() {
        assert_eq!(
            points_to_reverse(Points::new(5), Money::ZERO, Money::ZERO, Points::ZERO),
            Points::ZERO
        );
    }
}
