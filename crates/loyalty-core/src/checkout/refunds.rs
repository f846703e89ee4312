//! Refunds (退款): of the whole order, of lines and quantities, or of an amount. Each takes
//! back the points the refunded part earned (by lines: what those lines earned; by amount:
//! the refunded share of the order's points), gives back the points it spent as cash (with
//! the expiry they had), and a refund of the whole order gives back its coupons while they
//! are valid; every total moves by conditional updates, so no refund exceeds what was paid
//! and none applies twice.

use super::CheckoutService;
use crate::cards::{CardEntry, CardEntryKind, CardsTx, share_back};
use crate::checkout::OrdersTx;
use crate::checkout::RefundTotals;
use crate::checkout::{Order, OrderLine, OrderStatus, Refund, RefundLine};
use crate::coupons::CouponStatus;
use crate::coupons::CouponsTx;
use crate::engine::write_once;
use crate::events::DomainEvent;
use crate::events::Notifier;
use crate::kernel::IdempotencyTx;
use crate::kernel::{Clock, UnitOfWork};
use crate::kernel::{Idempotent, Outcome};
use crate::kernel::{InvalidValue, MerchantId, Money, OrderId, Points, RefundId, StaffId};
use crate::points::PointsTx;
use crate::points::{EntryDraft, give_back_spent, reverse};
use crate::points::{EntryKind, LedgerEntry, Source};
use crate::settings::SettingsTx;
use crate::{Error, Result};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Units of one line to refund.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RefundLineInput {
    pub line_no: i32,
    pub quantity: i64,
}

/// What to refund: everything left (no amount, no lines), some units of lines, or an
/// amount (for an order without lines, or a goodwill refund).
#[derive(Debug, Clone)]
pub struct RefundOrder {
    pub merchant_id: MerchantId,
    pub order_id: OrderId,
    pub amount: Option<Money>,
    pub lines: Vec<RefundLineInput>,
    pub operator_id: Option<StaffId>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RefundReceipt {
    pub refund: Refund,
    pub order: Order,
    /// The reverse entry of earned points taken back.
    pub reversed: Option<LedgerEntry>,
    /// The entries giving spent points back: the returns, and the debt repayments and
    /// expiries (of points whose lot is past its expiry) they made.
    pub returned: Vec<LedgerEntry>,
    /// The member's balance after the refund (when it moved points).
    pub balance_after: Option<Points>,
    /// The card's entry when the refund gave money back to the card the order was paid from.
    #[serde(default)]
    pub card_entry: Option<CardEntry>,
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

/// `floor(rest × amount / refundable)`: a refund's share of points still to take back, when
/// the money left to refund is `refundable`.
fn share_of_rest(rest: Points, amount: Money, refundable: Money) -> Points {
    if refundable.fen() == 0 {
        return rest;
    }
    let share = i128::from(rest.value()) * i128::from(amount.fen()) / i128::from(refundable.fen());
    Points::new(
        i64::try_from(share)
            .unwrap_or(rest.value())
            .min(rest.value()),
    )
}

/// What a refund gives back, decided from the order and its lines as they are under the
/// member's lock.
struct Decided {
    amount: Money,
    points_returned: Points,
    /// Earned points to take back, for a refund by lines (what those units earned); `None`
    /// for the proportional rule of a refund by amount.
    points_reversed: Option<Points>,
    lines: Vec<RefundLine>,
    whole: bool,
}

fn fen(value: i64) -> Result<Money> {
    Ok(Money::from_fen(value)?)
}

fn decide(cmd: &RefundOrder, order: &Order, lines: &[OrderLine]) -> Result<Decided> {
    let exceeds = || -> Error {
        crate::checkout::CheckoutError::RefundExceedsPaid {
            refundable: Money::from_fen(order.amount_paid.fen() - order.amount_refunded.fen())
                .unwrap_or(Money::ZERO)
                .to_string(),
        }
        .into()
    };
    if order.status == OrderStatus::Refunded {
        return Err(exceeds());
    }
    let refundable = fen(order.amount_paid.fen() - order.amount_refunded.fen())?;
    let points_left = Points::new(order.points_used.value() - order.points_returned.value());
    if !cmd.lines.is_empty() {
        let mut out = Vec::with_capacity(cmd.lines.len());
        let mut reversed = 0;
        for input in &cmd.lines {
            let line = lines
                .iter()
                .find(|l| l.line_no == input.line_no)
                .ok_or_else(|| InvalidValue::new("lines.line_no", "is not a line of the order"))?;
            if input.quantity < 1 || input.quantity > line.quantity - line.refunded_quantity {
                return Err(exceeds());
            }
            let after = line.refunded_quantity + input.quantity;
            let amount = line.share_of(line.paid.fen(), after)
                - line.share_of(line.paid.fen(), line.refunded_quantity);
            let points = line.share_of(line.points_used.value(), after)
                - line.share_of(line.points_used.value(), line.refunded_quantity);
            reversed += line.share_of(line.points_earned.value(), after)
                - line.share_of(line.points_earned.value(), line.refunded_quantity);
            out.push(RefundLine {
                line_no: line.line_no,
                quantity: input.quantity,
                amount: fen(amount)?,
                points_returned: Points::new(points),
            });
        }
        let amount = fen(out.iter().map(|l| l.amount.fen()).sum())?;
        let points = Points::new(out.iter().map(|l| l.points_returned.value()).sum());
        let whole = lines.iter().all(|l| {
            let now = out
                .iter()
                .filter(|r| r.line_no == l.line_no)
                .map(|r| r.quantity)
                .sum::<i64>();
            l.refunded_quantity + now >= l.quantity
        });
        if amount > refundable || points > points_left {
            return Err(exceeds());
        }
        // Orders from before lines carried their earned points (all zero then) fall back
        // to the proportional rule.
        let lines_carry_points = lines.iter().map(|l| l.points_earned.value()).sum::<i64>()
            == order.points_earned.value();
        return Ok(Decided {
            amount,
            points_returned: if whole { points_left } else { points },
            points_reversed: lines_carry_points.then_some(Points::new(reversed)),
            lines: out,
            whole,
        });
    }
    match cmd.amount {
        None => Ok(Decided {
            amount: refundable,
            points_returned: points_left,
            points_reversed: None,
            lines: Vec::new(),
            whole: true,
        }),
        Some(amount) if amount == Money::ZERO || amount > refundable => Err(exceeds()),
        Some(amount) => {
            let after = order.amount_refunded.fen() + amount.fen();
            let whole = after >= order.amount_paid.fen();
            let points = if whole {
                points_left
            } else if lines.iter().any(|l| l.refunded_quantity > 0) {
                // The same rules as for earned points: after lines were refunded, a share of
                // what is left; otherwise of the whole.
                share_of_rest(points_left, amount, refundable)
            } else {
                points_to_reverse(
                    order.points_used,
                    order.amount_paid,
                    fen(after)?,
                    order.points_returned,
                )
            };
            Ok(Decided {
                amount,
                points_returned: points,
                points_reversed: None,
                lines: Vec::new(),
                whole,
            })
        }
    }
}

impl<U, C, N> CheckoutService<'_, U, C, N>
where
    U: UnitOfWork<Tx: CardsTx + CouponsTx + IdempotencyTx + OrdersTx + PointsTx + SettingsTx>,
    C: Clock,
    N: Notifier,
{
    /// Refunds all or part of an order. Earned points are taken back proportionally (those
    /// already spent by the merchant's `points_shortfall` policy: clawed back to zero with
    /// the shortfall recorded, or the refund refused); points spent as cash come back; a
    /// refund of the whole order gives back its coupons that are still valid (when the
    /// merchant's `return_coupons_on_refund` says so). Growth value follows by itself: it is
    /// summed from orders net of refunds.
    ///
    /// # Errors
    /// `order_not_found`, `validation_failed`, `refund_exceeds_paid`, `insufficient_points`
    /// (reject policy), `idempotency_key_reused`.
    #[tracing::instrument(level = "debug", skip_all, fields(merchant = %cmd.merchant_id))]
    pub async fn refund(
        self,
        cmd: RefundOrder,
        idem: Option<&Idempotent>,
    ) -> Result<Outcome<RefundReceipt>> {
        let cmd = &cmd;
        write_once!(
            self,
            idem,
            check: (|| {
                if cmd.amount.is_some() && !cmd.lines.is_empty() {
                    return Err(InvalidValue::new(
                        "amount",
                        "refund by lines or by amount, not both",
                    )
                    .into());
                }
                if cmd.amount == Some(Money::ZERO) {
                    return Err(InvalidValue::new("amount", "must be more than 0.00").into());
                }
                if cmd.lines.len() > 500 {
                    return Err(InvalidValue::new("lines", "at most 500 lines").into());
                }
                let mut seen: Vec<i32> = cmd.lines.iter().map(|l| l.line_no).collect();
                seen.sort_unstable();
                seen.dedup();
                if seen.len() != cmd.lines.len() {
                    return Err(InvalidValue::new("lines.line_no", "names a line twice").into());
                }
                Ok(())
            })(),
            prepare |lookup, _now| {
                let order = lookup
                    .orders()
                    .order(cmd.merchant_id, cmd.order_id)
                    .await?
                    .ok_or(Error::NotFound(crate::checkout::ORDER))?;
                Ok((
                    order.member_id,
                    lookup.settings().settings(cmd.merchant_id).await?,
                ))
            },
            effect |tx, (member_id, settings), now| {
                let checkout = &settings.checkout.value;
                // Refunds of one order queue on the member's account; read the order again under it.
                tx.points()
                    .lock_account(cmd.merchant_id, member_id)
                    .await?
                    .ok_or(Error::NotFound(crate::members::MEMBER))?;
                let order = tx
                    .orders()
                    .order(cmd.merchant_id, cmd.order_id)
                    .await?
                    .ok_or(Error::NotFound(crate::checkout::ORDER))?;
                // A count card's uses are not taken back by a refund: an order that sold one
                // is refused rather than leave the member both the money and the uses.
                if tx
                    .cards()
                    .card_entry_by_source(cmd.merchant_id, CardEntryKind::Sale, &order.id.to_string())
                    .await?
                    .is_some()
                {
                    return Err(crate::cards::CardsError::CardSaleNotRefundable.into());
                }
                let lines = tx.orders().lines_of(cmd.merchant_id, &[order.id]).await?;
                let decided = decide(cmd, &order, &lines)?;
                for line in &decided.lines {
                    if !tx
                        .orders()
                        .refund_units(cmd.merchant_id, order.id, line.line_no, line.quantity)
                        .await?
                    {
                        return Err(crate::checkout::CheckoutError::RefundExceedsPaid {
                            refundable: "0.00".into(),
                        }.into());
                    }
                }
                let refunded_after = fen(order.amount_refunded.fen() + decided.amount.fen())?;
                let unreversed =
                    Points::new(order.points_earned.value() - order.points_reversed.value());
                let to_reverse = match (decided.whole, decided.points_reversed) {
                    (true, _) => unreversed,
                    // By lines: what those units earned (an earlier refund by amount may have taken
                    // some already: never more than is left).
                    (false, Some(by_lines)) => by_lines.min(unreversed),
                    // By amount after lines were refunded: the share of what is left, so the money
                    // those lines took back is not counted twice.
                    (false, None) if lines.iter().any(|l| l.refunded_quantity > 0) => {
                        share_of_rest(
                            unreversed,
                            decided.amount,
                            Money::from_fen(order.amount_paid.fen() - order.amount_refunded.fen())?,
                        )
                    }
                    (false, None) => points_to_reverse(
                        order.points_earned,
                        order.amount_paid,
                        refunded_after,
                        order.points_reversed,
                    ),
                };
                // The card's share of the refund, of principal and bonus alike, by the running
                // totals: refunds in any steps give the card back exactly what it paid.
                let (card_principal, card_bonus) = order.card.map_or((0, 0), |c| {
                    share_back(
                        (c.principal.fen(), c.bonus.fen()),
                        (c.principal_returned.fen(), c.bonus_returned.fen()),
                        order.amount_paid.fen(),
                        refunded_after.fen(),
                        decided.whole,
                    )
                });
                let refund_id = RefundId::new();
                let draft = |kind, reason: &str, title: &str| EntryDraft {
                    merchant_id: cmd.merchant_id,
                    member_id,
                    kind,
                    reason_code: reason.into(),
                    title: title.into(),
                    store_id: Some(order.store_id),
                    source: Source::new("refund", refund_id),
                    operator_id: cmd.operator_id,
                    policy_version: None,
                };
                let returned = if decided.points_returned.is_positive() {
                    let spend = tx
                        .points()
                        .entry_by_source(
                            cmd.merchant_id,
                            EntryKind::Spend,
                            &Source::new("order", order.id),
                        )
                        .await?
                        .ok_or(Error::NotFound(crate::checkout::ORDER))?;
                    give_back_spent(
                        tx,
                        &draft(EntryKind::Return, "order_refund_return", "退款退回积分"),
                        spend.id,
                        order.points_returned,
                        decided.points_returned,
                        now,
                    )
                    .await?
                } else {
                    Vec::new()
                };
                let reversed = if to_reverse.is_positive() {
                    let earned = Source::new("order", order.id);
                    Some(
                        reverse(
                            tx,
                            &draft(EntryKind::Reverse, "order_refund", "退款扣回积分"),
                            &earned,
                            to_reverse,
                            checkout.points_shortfall,
                            now,
                        )
                        .await?
                        .0,
                    )
                } else {
                    None
                };
                let taken_back = reversed
                    .as_ref()
                    .map_or(Points::ZERO, |e| Points::new(-e.delta.value()));
                let order_after = tx
                    .orders()
                    .add_refund_totals(
                        cmd.merchant_id,
                        order.id,
                        RefundTotals {
                            amount: decided.amount,
                            points_reversed: to_reverse,
                            points_returned: decided.points_returned,
                            card_principal: fen(card_principal)?,
                            card_bonus: fen(card_bonus)?,
                            whole: decided.whole,
                        },
                    )
                    .await?
                    .ok_or_else(|| crate::checkout::CheckoutError::RefundExceedsPaid {
                        refundable: "0.00".into(),
                    })?;
                let coupons_returned = if decided.whole && checkout.return_coupons_on_refund {
                    return_coupons(tx, cmd, now).await?
                } else {
                    0
                };
                let card_entry = match order.card {
                    Some(paid) if card_principal + card_bonus > 0 => {
                        let (principal_after, bonus_after) = tx
                            .cards()
                            .add_to_card(cmd.merchant_id, paid.card_id, card_principal, card_bonus, None)
                            .await?
                            .ok_or(Error::NotFound(crate::cards::CARD))?;
                        let entry = CardEntry {
                            id: uuid::Uuid::now_v7(),
                            merchant_id: cmd.merchant_id,
                            card_id: paid.card_id,
                            member_id,
                            kind: CardEntryKind::Refund,
                            principal_delta: card_principal,
                            bonus_delta: card_bonus,
                            principal_after: fen(principal_after)?,
                            bonus_after: fen(bonus_after)?,
                            source_ref: refund_id.to_string(),
                            store_id: Some(order.store_id),
                            operator_id: cmd.operator_id,
                            created_at: now,
                            uses_delta: 0,
                            uses_after: None,
                            item_id: None,
                        };
                        tx.cards().insert_card_entry(&entry).await?;
                        Some(entry)
                    }
                    _ => None,
                };
                let refund = Refund {
                    id: refund_id,
                    merchant_id: cmd.merchant_id,
                    order_id: order.id,
                    amount: decided.amount,
                    points_reversed: taken_back,
                    points_shortfall: reversed.as_ref().map_or(Points::ZERO, |e| e.shortfall),
                    points_returned: decided.points_returned,
                    coupons_returned,
                    lines: decided.lines,
                    card_principal_returned: fen(card_principal)?,
                    card_bonus_returned: fen(card_bonus)?,
                    operator_id: cmd.operator_id,
                    created_at: now,
                };
                tx.orders().insert_refund(&refund).await?;
                // The reverse entry, when there is one, was written after the returns.
                let balance_after = reversed
                    .as_ref()
                    .or(returned.last())
                    .map(|e| e.balance_after);
                let receipt = RefundReceipt {
                    refund,
                    order: order_after,
                    reversed,
                    returned,
                    balance_after,
                    card_entry,
                };
                let mut events = Vec::new();
                if let Some(entry) = &receipt.reversed {
                    events.push(DomainEvent::PointsReversed {
                        merchant_id: entry.merchant_id,
                        member_id: entry.member_id,
                        points: Points::new(-entry.delta.value()),
                        balance_after: entry.balance_after,
                    });
                }
                Ok((receipt, events))
            }
        )
    }
}

/// Gives back the order's coupons that are still within their window, and marks their
/// verifications undone (the log then counts each use once); answers how many.
async fn return_coupons(
    tx: &mut impl crate::coupons::CouponsTx,
    cmd: &RefundOrder,
    now: DateTime<Utc>,
) -> Result<i64> {
    let (merchant, order) = (cmd.merchant_id, cmd.order_id);
    let used = tx.coupons().coupons_used_by(merchant, order).await?;
    let mut returned = 0;
    for coupon in used.iter().filter(|c| now < c.valid_until) {
        if tx
            .coupons()
            .give_back(merchant, coupon.id, Some(order), CouponStatus::Returned)
            .await?
        {
            tx.coupons()
                .undo_order_verification(merchant, order, coupon.id, cmd.operator_id, now)
                .await?;
            returned += 1;
        }
    }
    Ok(returned)
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
