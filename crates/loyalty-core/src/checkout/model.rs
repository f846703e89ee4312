use crate::kernel::{
    CardId, MemberId, MerchantId, Money, OrderId, Points, RefundId, StaffId, StoreId,
};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderStatus {
    Paid,
    PartiallyRefunded,
    Refunded,
}

impl OrderStatus {
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Paid => "paid",
            Self::PartiallyRefunded => "partially_refunded",
            Self::Refunded => "refunded",
        }
    }

    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        [Self::Paid, Self::PartiallyRefunded, Self::Refunded]
            .into_iter()
            .find(|k| k.as_str() == s)
    }

    /// The status after `refunded` of `paid` has been given back.
    #[must_use]
    pub fn after_refund(paid: Money, refunded: Money) -> Self {
        if refunded >= paid {
            Self::Refunded
        } else if refunded == Money::ZERO {
            Self::Paid
        } else {
            Self::PartiallyRefunded
        }
    }
}

/// A committed sale: what it cost, its discounts, what was paid and the points it earned.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Order {
    pub id: OrderId,
    pub merchant_id: MerchantId,
    pub store_id: StoreId,
    pub member_id: MemberId,
    /// The till's own order number, unique per merchant when given.
    pub order_no: Option<String>,
    /// What the lines cost before any discount.
    pub gross: Money,
    pub tier_discount: Money,
    pub coupon_discount: Money,
    /// Points used as cash, and what they took off.
    pub points_used: Points,
    pub points_discount: Money,
    /// What the member paid: gross less the discounts (a card's part included).
    pub amount_paid: Money,
    pub amount_refunded: Money,
    /// What the order took from a stored-value card, and what refunds gave back to it.
    #[serde(default)]
    pub card: Option<CardPaid>,
    pub points_earned: Points,
    pub points_reversed: Points,
    /// Spent points given back by refunds.
    pub points_returned: Points,
    pub status: OrderStatus,
    pub operator_id: Option<StaffId>,
    pub created_at: DateTime<Utc>,
}

/// The part of an order paid from a member's stored-value card: principal and bonus kept
/// apart, and what refunds have given back of each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CardPaid {
    pub card_id: CardId,
    pub principal: Money,
    pub bonus: Money,
    pub principal_returned: Money,
    pub bonus_returned: Money,
}

impl CardPaid {
    /// What the card paid in all.
    #[must_use]
    pub fn amount(&self) -> Money {
        Money::from_fen(self.principal.fen() + self.bonus.fen()).unwrap_or(Money::ZERO)
    }

    /// What refunds have given back to the card in all.
    #[must_use]
    pub fn returned(&self) -> Money {
        Money::from_fen(self.principal_returned.fen() + self.bonus_returned.fen())
            .unwrap_or(Money::ZERO)
    }
}

impl Order {
    /// What was paid otherwise than from a card (cash, a payment terminal).
    #[must_use]
    pub fn paid_otherwise(&self) -> Money {
        let card = self.card.map_or(0, |c| c.amount().fen());
        Money::from_fen(self.amount_paid.fen() - card).unwrap_or(Money::ZERO)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Refund {
    pub id: RefundId,
    pub merchant_id: MerchantId,
    pub order_id: OrderId,
    pub amount: Money,
    pub points_reversed: Points,
    /// Earned points that had already been spent and could not be taken back.
    pub points_shortfall: Points,
    /// Points the order spent as cash, given back.
    pub points_returned: Points,
    /// Coupons of the order given back (a full refund, while they are valid).
    pub coupons_returned: i64,
    /// The lines refunded; empty for a refund by amount.
    pub lines: Vec<RefundLine>,
    /// Principal and bonus given back to the card the order was paid from (part of
    /// `amount`).
    #[serde(default)]
    pub card_principal_returned: Money,
    #[serde(default)]
    pub card_bonus_returned: Money,
    pub operator_id: Option<StaffId>,
    pub created_at: DateTime<Utc>,
}

/// A line of an order: what was bought, and its share of the amount paid.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderLine {
    pub merchant_id: MerchantId,
    pub order_id: OrderId,
    /// 1, 2, 3 … in the order the till sent them.
    pub line_no: i32,
    pub sku: Option<String>,
    pub category: Option<String>,
    pub quantity: i64,
    pub unit_price: Money,
    /// `unit_price × quantity`.
    pub gross: Money,
    pub tier_discount: Money,
    pub coupon_discount: Money,
    pub points_discount: Money,
    /// The line's share of the points used as cash.
    pub points_used: Points,
    /// The line's share of the points the order earned (by what each line earned before
    /// rounding), so refunding a line takes back what it earned.
    pub points_earned: Points,
    /// The line's share of the order's paid amount.
    pub paid: Money,
    /// Units given back by refunds so far.
    pub refunded_quantity: i64,
}

impl OrderLine {
    /// The part of `total` (a line's paid amount or points) that `units` refunded units of
    /// the line carry, so that refunding every unit, in any steps, gives back exactly
    /// `total`: `floor(total × units / quantity)`.
    #[must_use]
    pub fn share_of(&self, total: i64, units: i64) -> i64 {
        if self.quantity <= 0 {
            return 0;
        }
        let share = i128::from(total) * i128::from(units.clamp(0, self.quantity))
            / i128::from(self.quantity);
        i64::try_from(share).unwrap_or(total)
    }
}

/// A line of a refund: how many units of which line, and the money they gave back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefundLine {
    pub line_no: i32,
    pub quantity: i64,
    pub amount: Money,
    pub points_returned: Points,
}
