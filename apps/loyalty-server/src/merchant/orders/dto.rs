//! What the order endpoints answer: orders and their lines, quotes, receipts, refunds.

pub use crate::shared::orders::OrderView;
use chrono::{DateTime, Utc};
use loyalty_core::checkout::PricedOrder;
use loyalty_core::checkout::{OrderLine, QuotedCard, Refund, RefundLine};
use loyalty_core::points::EarnExplanation;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

/// What a stored-value card would pay of a quoted order.
#[derive(Debug, Serialize, ToSchema)]
pub struct QuotedCardView {
    pub card_id: Uuid,
    #[schema(example = "100.00")]
    pub amount: String,
    pub principal: String,
    pub bonus: String,
    /// The card's balance after paying.
    pub balance_after: String,
}

impl From<&QuotedCard> for QuotedCardView {
    fn from(c: &QuotedCard) -> Self {
        Self {
            card_id: c.card_id.as_uuid(),
            amount: c.amount.to_string(),
            principal: c.principal.to_string(),
            bonus: c.bonus.to_string(),
            balance_after: c.balance_after.to_string(),
        }
    }
}

/// A line of an order: what it cost, each discount it carries, what was paid for it.
#[derive(Debug, Serialize, ToSchema)]
pub struct OrderLineView {
    pub line_no: i32,
    pub sku: Option<String>,
    pub category: Option<String>,
    pub quantity: i64,
    pub unit_price: String,
    pub gross: String,
    pub tier_discount: String,
    pub coupon_discount: String,
    pub points_discount: String,
    pub points_used: i64,
    /// The line's share of the points the order earned.
    pub points_earned: i64,
    pub paid: String,
    pub refunded_quantity: i64,
}

impl From<&OrderLine> for OrderLineView {
    fn from(l: &OrderLine) -> Self {
        Self {
            line_no: l.line_no,
            sku: l.sku.clone(),
            category: l.category.clone(),
            quantity: l.quantity,
            unit_price: l.unit_price.to_string(),
            gross: l.gross.to_string(),
            tier_discount: l.tier_discount.to_string(),
            coupon_discount: l.coupon_discount.to_string(),
            points_discount: l.points_discount.to_string(),
            points_used: l.points_used.value(),
            points_earned: l.points_earned.value(),
            paid: l.paid.to_string(),
            refunded_quantity: l.refunded_quantity,
        }
    }
}

/// An order (its fields at the top level) with its lines.
#[derive(Debug, Serialize, ToSchema)]
pub struct OrderDetailView {
    #[serde(flatten)]
    pub order: OrderView,
    pub lines: Vec<OrderLineView>,
}

/// A price preview: what committing the same order now would do.
#[derive(Debug, Serialize, ToSchema)]
pub struct QuoteView {
    /// Lines, discounts, coupons applied, points as cash (and the most it could take:
    /// `points_max_usable`), the amount due, and each step explained.
    #[schema(value_type = Object)]
    pub pricing: PricedOrder,
    pub points_to_earn: i64,
    #[schema(value_type = Object)]
    pub earning: EarnExplanation,
    pub policy_version: i64,
    /// The member's balance now.
    pub balance: i64,
    /// What the card named would pay.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub card: Option<QuotedCardView>,
    /// What is left to pay otherwise: the amount due less the card's part.
    #[schema(example = "28.80")]
    pub paid_otherwise: String,
}

/// A committed order: how it was priced and how the earned points were computed.
#[derive(Debug, Serialize, ToSchema)]
pub struct OrderReceiptView {
    pub order: OrderView,
    pub lines: Vec<OrderLineView>,
    /// How the engine priced it (absent for an order the till priced).
    #[schema(value_type = Option<Object>)]
    pub pricing: Option<PricedOrder>,
    pub points_earned: i64,
    pub points_used: i64,
    /// The member's balance after the order.
    pub balance_after: i64,
    /// The earning policy version that computed the points.
    pub policy_version: i64,
    /// How the points were computed, step by step (lines, factors, rounding, threshold
    /// bonus, caps); see the README's "Rules".
    #[schema(value_type = Object)]
    pub earning: EarnExplanation,
    /// The member's new tier when this order crossed a threshold.
    pub tier_upgraded_to: Option<String>,
    /// The card's balance after paying, when part of the order was paid from a card.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub card_balance_after: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RefundView {
    pub id: Uuid,
    pub amount: String,
    pub points_reversed: i64,
    pub points_shortfall: i64,
    /// Points the order spent as cash, given back.
    pub points_returned: i64,
    /// The order's coupons given back (a whole refund, while they are valid).
    pub coupons_returned: i64,
    /// The lines refunded, each with its amount and points.
    #[schema(value_type = Vec<Object>)]
    pub lines: Vec<RefundLine>,
    /// Money given back to the card the order was paid from (part of `amount`), principal
    /// and bonus in the shares they were spent.
    pub card_returned: String,
    pub card_principal_returned: String,
    pub card_bonus_returned: String,
    pub created_at: DateTime<Utc>,
}

impl From<&Refund> for RefundView {
    fn from(r: &Refund) -> Self {
        Self {
            id: r.id.as_uuid(),
            amount: r.amount.to_string(),
            points_reversed: r.points_reversed.value(),
            points_shortfall: r.points_shortfall.value(),
            points_returned: r.points_returned.value(),
            coupons_returned: r.coupons_returned,
            lines: r.lines.clone(),
            card_returned: loyalty_core::kernel::Money::from_fen(
                r.card_principal_returned.fen() + r.card_bonus_returned.fen(),
            )
            .unwrap_or_default()
            .to_string(),
            card_principal_returned: r.card_principal_returned.to_string(),
            card_bonus_returned: r.card_bonus_returned.to_string(),
            created_at: r.created_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RefundReceiptView {
    pub refund: RefundView,
    pub order: OrderView,
    pub balance_after: Option<i64>,
    /// The card's balance after the refund gave it money back.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub card_balance_after: Option<String>,
}
