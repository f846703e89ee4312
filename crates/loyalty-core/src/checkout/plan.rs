//! What an order costs and earns, decided once for a quote and for the commit alike: the
//! same loads feed the same pure functions ([`price_order`], [`earn_points`]), so a quote
//! equals the committed order as long as nothing it read has changed.

use crate::cards::{CardsError, MemberCard, split_spend};
use crate::checkout::{CardTender, CommitOrder, LineInput, PricingStep, price_lines};
use crate::checkout::{CouponOffer, PricedOrder, PricingInput, PricingLine, price_order};
use crate::coupons::Coupon;
use crate::coupons::member_tier;
use crate::coupons::refusal;
use crate::kernel::{InvalidValue, Money, Points};
use crate::members::Member;
use crate::merchants::{Merchant, Store};
use crate::points::OpenLot;
use crate::points::{EarnedPoints, MemberContext, Purchase, PurchaseLine, allocate, earn_points};
use crate::settings::MerchantSettings;
use crate::{Error, Result};
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;

/// An order decided: its priced lines (when the engine priced it), the coupons it uses, the
/// lines as the earning rule sees them, and the points it earns.
#[derive(Debug, Clone)]
pub(crate) struct Plan {
    /// `None` when the till priced the order itself (`amount_paid` given).
    pub priced: Option<PricedOrder>,
    pub coupons: Vec<Coupon>,
    pub lines: Vec<PurchaseLine>,
    pub gross: Money,
    pub amount_paid: Money,
    pub earned: EarnedPoints,
    /// The earned points split over the lines by what each earned before rounding.
    pub line_points: Vec<Points>,
    /// The member's open lots not yet due that the points asked for take first (read when
    /// the merchant takes points as cash): what the points used as cash come from.
    pub spendable: Vec<OpenLot>,
    /// What the order takes from a stored-value card.
    pub card: Option<CardCharge>,
}

/// The part of an order a stored-value card pays, split into principal and bonus (fen).
#[derive(Debug, Clone)]
pub(crate) struct CardCharge {
    pub card: MemberCard,
    pub name: String,
    pub principal: i64,
    pub bonus: i64,
}

impl CardCharge {
    pub fn amount(&self) -> i64 {
        self.principal + self.bonus
    }
}

/// What the member's card pays of `due`: the amount asked for (or all it can, up to `due`),
/// split by the merchant's spend order; `None` when nothing is left to pay.
async fn charge(
    tx: &mut impl crate::cards::CardsTx,
    cmd: &CommitOrder,
    tender: &CardTender,
    due: Money,
    settings: &MerchantSettings,
) -> Result<Option<CardCharge>> {
    let card = crate::cards::card_of(tx, cmd.merchant_id, cmd.member_id, tender.card_id).await?;
    let template = crate::cards::template_of(tx, cmd.merchant_id, card.template_id).await?;
    let balance = card.balance();
    let amount = match tender.amount {
        Some(asked) if asked > due => {
            return Err(CardsError::CardAmountExceedsDue {
                amount: asked.to_string(),
                due: due.to_string(),
            }
            .into());
        }
        Some(asked) => asked,
        None if due == Money::ZERO => return Ok(None),
        None => balance.min(due),
    };
    let refused = || -> Error {
        CardsError::InsufficientCardBalance {
            balance: balance.to_string(),
            amount: amount.to_string(),
        }
        .into()
    };
    if amount == Money::ZERO {
        return Err(refused());
    }
    let order = settings.checkout.value.stored_value.spend_order;
    let (principal, bonus) =
        split_spend(card.principal.fen(), card.bonus.fen(), amount.fen(), order)
            .ok_or_else(refused)?;
    Ok(Some(CardCharge {
        card,
        name: template.rules.name,
        principal,
        bonus,
    }))
}

/// The lines as the earning rule sees them when what a card paid earns nothing: the rest
/// of the paid amount allocated over the lines as they paid.
fn without_card(
    lines: &[PurchaseLine],
    paid: Money,
    card: i64,
) -> Result<(Vec<PurchaseLine>, Money)> {
    let rest = Money::from_fen(paid.fen() - card)?;
    let weights: Vec<Money> = lines.iter().map(|l| l.paid).collect();
    let shares = allocate(rest, &weights);
    let lines = lines
        .iter()
        .zip(shares)
        .map(|(line, paid)| PurchaseLine {
            paid,
            ..line.clone()
        })
        .collect();
    Ok((lines, rest))
}

/// Splits `total` over the lines in proportion to their exact points (to the point, by
/// largest remainder: [`allocate`] over integer weights), so the parts add up to `total`.
fn split_points(total: Points, exact: &[Decimal]) -> Vec<Points> {
    if exact.is_empty() || !total.is_positive() {
        return vec![Points::ZERO; exact.len()];
    }
    let scale = Decimal::from(1_000_000);
    let weights: Vec<Money> = exact
        .iter()
        .map(|e| {
            let units = ((*e).max(Decimal::ZERO) * scale).trunc();
            Money::from_fen(i64::try_from(units).unwrap_or(i64::MAX / 1024)).unwrap_or(Money::ZERO)
        })
        .collect();
    allocate(
        Money::from_fen(total.value()).unwrap_or(Money::ZERO),
        &weights,
    )
    .into_iter()
    .map(|m| Points::new(m.fen()))
    .collect()
}

impl CommitOrder {
    /// Whether the engine prices this order (no `amount_paid` from the till).
    pub(crate) fn priced_by_engine(&self) -> bool {
        self.amount_paid.is_none()
    }

    /// Checks what the types alone cannot: an order priced by the till uses no coupons or
    /// points; one priced by the engine has lines.
    pub(crate) fn validate(&self) -> Result<()> {
        if self.amount_paid.is_some()
            && (!self.coupon_codes.is_empty() || self.points_to_use.is_positive())
        {
            return Err(InvalidValue::new(
                "amount_paid",
                "leave it out to have the engine price the order with coupons or points",
            )
            .into());
        }
        if self.amount_paid.is_none() && self.lines.is_empty() {
            return Err(InvalidValue::new(
                "lines",
                "at least one line, or the amount_paid of an order the till priced",
            )
            .into());
        }
        if self.points_to_use.is_negative() {
            return Err(InvalidValue::new("points", "must not be negative").into());
        }
        if self.card.and_then(|c| c.amount) == Some(Money::ZERO) {
            return Err(InvalidValue::new(
                "card.amount",
                "must be more than 0.00 (leave it out to pay all the card can)",
            )
            .into());
        }
        if self.coupon_codes.len() > crate::checkout::MAX_COUPONS {
            return Err(InvalidValue::new("coupon_codes", "at most 10 coupons an order").into());
        }
        let mut codes = self.coupon_codes.clone();
        codes.sort();
        codes.dedup();
        if codes.len() != self.coupon_codes.len() {
            return Err(InvalidValue::new("coupon_codes", "names a coupon twice").into());
        }
        Ok(())
    }
}

/// The member's coupons named by the order, each usable now, with what pricing needs.
async fn offers(
    tx: &mut impl crate::coupons::CouponsTx,
    cmd: &CommitOrder,
    now: DateTime<Utc>,
) -> Result<(Vec<Coupon>, Vec<CouponOffer>)> {
    let mut coupons = Vec::with_capacity(cmd.coupon_codes.len());
    let mut offers = Vec::with_capacity(cmd.coupon_codes.len());
    for code in &cmd.coupon_codes {
        let coupon = tx
            .coupons()
            .coupon_by_code(cmd.merchant_id, code)
            .await?
            .filter(|c| c.member_id == cmd.member_id)
            .ok_or(Error::NotFound(crate::coupons::COUPON))?;
        if !coupon.status.usable() {
            return Err(refusal(&coupon, now));
        }
        let template = crate::coupons::template_of(tx, cmd.merchant_id, coupon.template_id).await?;
        offers.push(CouponOffer {
            coupon_id: coupon.id,
            template_id: template.id,
            code: coupon.code.to_string(),
            name: template.rules.name.clone(),
            benefit: template.rules.benefit.clone(),
            scope: template.rules.scope.clone(),
            stacking: template.rules.stacking,
            valid_from: coupon.valid_from,
            valid_until: coupon.valid_until,
        });
        coupons.push(coupon);
    }
    Ok((coupons, offers))
}

fn pricing_lines(lines: &[LineInput]) -> Vec<PricingLine> {
    lines
        .iter()
        .map(|l| PricingLine {
            sku: l.sku.clone(),
            category: l.category.clone(),
            quantity: l.quantity,
            unit_price: l.unit_price,
        })
        .collect()
}

/// What an order is decided with, as the caller read it.
pub(crate) struct Context<'a> {
    pub merchant: &'a Merchant,
    pub store: &'a Store,
    pub settings: &'a MerchantSettings,
    /// The member (locked, for a commit); `None` when no rule reads it.
    pub member: Option<&'a Member>,
    /// What the member's orders earned today, for the daily cap.
    pub earned_today: Points,
    pub now: DateTime<Utc>,
}

/// Prices (or takes the till's price of) the order and decides the points it earns.
pub(crate) async fn plan(
    tx: &mut (impl crate::coupons::CouponsTx + crate::points::PointsTx + crate::cards::CardsTx),
    cmd: &CommitOrder,
    ctx: &Context<'_>,
) -> Result<Plan> {
    let Context {
        merchant,
        store,
        settings,
        member,
        earned_today,
        now,
    } = *ctx;
    let tiers = settings.tiers.as_ref().map(|t| &t.value);
    let mut spendable = Vec::new();
    let rank = tiers.map(|t| t.rank(member.and_then(|m| m.tier_code.as_deref())));
    let (priced, coupons, lines, gross, amount_paid) = match cmd.amount_paid {
        Some(paid) => {
            let lines = price_lines(&cmd.lines, paid)?;
            let gross = if lines.is_empty() {
                paid
            } else {
                Money::from_fen(lines.iter().map(|l| l.gross.fen()).sum())?
            };
            (None, Vec::new(), lines, gross, paid)
        }
        None => {
            let member = member.ok_or(Error::NotFound(crate::members::MEMBER))?;
            let (coupons, offers) = offers(&mut *tx, cmd, now).await?;
            let rate = match (tiers, rank) {
                (Some(t), Some(rank)) => t
                    .levels
                    .get(rank)
                    .map_or(Decimal::ONE, |l| l.benefits.discount_rate),
                _ => Decimal::ONE,
            };
            let tier = member_tier(settings, member);
            let input_lines = pricing_lines(&cmd.lines);
            let points_rule = settings.checkout.value.points_as_cash.as_ref();
            // What can be spent now: the balance but for lots past their expiry, gone even
            // before the expiry job writes them off; the lots read are the ones the points
            // asked for take, not every lot the member holds.
            let points_available = match points_rule {
                Some(_) => {
                    let reach = tx
                        .points()
                        .lots_in_reach(merchant.id, member.id, now, cmd.points_to_use)
                        .await?;
                    let due = reach.due_points();
                    spendable = reach.open;
                    Points::new(
                        member
                            .points_balance
                            .value()
                            .saturating_sub(due.value())
                            .max(0),
                    )
                }
                None => member.points_balance,
            };
            let priced = price_order(&PricingInput {
                store_id: store.id,
                at: now,
                lines: &input_lines,
                tier_code: tier.as_deref(),
                tier_discount_rate: rate,
                coupons: &offers,
                points_requested: cmd.points_to_use,
                points_available,
                points_rule,
            })?;
            let lines = cmd
                .lines
                .iter()
                .zip(&priced.lines)
                .map(|(input, line)| {
                    Ok(PurchaseLine {
                        sku: crate::checkout::code("lines.sku", input.sku.as_ref())?,
                        category: crate::checkout::code("lines.category", input.category.as_ref())?,
                        gross: line.gross,
                        paid: line.due,
                    })
                })
                .collect::<Result<Vec<_>>>()?;
            let (gross, due) = (priced.gross, priced.amount_due);
            (Some(priced), coupons, lines, gross, due)
        }
    };
    let card = match &cmd.card {
        Some(tender) => charge(&mut *tx, cmd, tender, amount_paid, settings).await?,
        None => None,
    };
    let mut priced = priced;
    if let (Some(priced), Some(card)) = (priced.as_mut(), card.as_ref()) {
        let yuan = |fen: i64| Money::from_fen(fen).unwrap_or(Money::ZERO);
        priced.steps.push(PricingStep {
            step: "stored_value".into(),
            coupon_code: None,
            amount: yuan(card.amount()),
            detail: format!(
                "{} pays {} of {} due (principal {}, bonus {}); {} is left to pay otherwise",
                card.name,
                yuan(card.amount()),
                amount_paid,
                yuan(card.principal),
                yuan(card.bonus),
                yuan(amount_paid.fen() - card.amount()),
            ),
        });
    }
    let earns_on_card = settings.checkout.value.stored_value.earn_points;
    let reduced = match &card {
        Some(card) if !earns_on_card => Some(without_card(&lines, amount_paid, card.amount())?),
        _ => None,
    };
    let (earn_lines, earn_paid) = match &reduced {
        Some((lines, paid)) => (lines.as_slice(), *paid),
        None => (lines.as_slice(), amount_paid),
    };
    let context = MemberContext {
        birthday: member.and_then(|m| m.birthday),
        tier: match (tiers, rank) {
            (Some(t), Some(rank)) => t.factor(rank),
            _ => None,
        },
        earned_today,
    };
    let earned = earn_points(
        &settings.earning.value,
        &Purchase {
            store_id: store.id,
            at: now,
            lines: earn_lines,
            amount_paid: earn_paid,
            amount_gross: gross,
        },
        &context,
        merchant.time_zone,
    )?;
    let exact: Vec<Decimal> = if lines.is_empty() {
        Vec::new()
    } else {
        earned.explanation.lines.iter().map(|l| l.exact).collect()
    };
    let line_points = split_points(earned.points, &exact);
    Ok(Plan {
        priced,
        coupons,
        lines,
        gross,
        amount_paid,
        earned,
        line_points,
        spendable,
        card,
    })
}
