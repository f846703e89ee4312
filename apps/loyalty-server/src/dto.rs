//! Request and response bodies. Requests reject unknown fields; they derive `Serialize` so
//! an idempotent request can be fingerprinted in a canonical form.

mod cards;
mod coupons;
pub use cards::{CardEntryView, CardTemplateView, CardView, WalletEntryView, WithdrawalView};
pub use coupons::{CouponView, IssueReportView, TemplateView, VerificationView};

use chrono::{DateTime, NaiveDate, Utc};
use loyalty_core::checkout::PricedOrder;
use loyalty_core::checkout::{Order, OrderLine, Refund, RefundLine};
use loyalty_core::members::Member;
use loyalty_core::merchants::{Merchant, Staff, Store};
use loyalty_core::points::EarnExplanation;
use loyalty_core::points::LedgerEntry;
use loyalty_core::points::OpenLot;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

#[derive(Debug, Serialize, ToSchema)]
pub struct MerchantView {
    pub id: Uuid,
    pub code: String,
    pub name: String,
    pub time_zone: String,
}

impl From<&Merchant> for MerchantView {
    fn from(m: &Merchant) -> Self {
        Self {
            id: m.id.as_uuid(),
            code: m.code.clone(),
            name: m.name.clone(),
            time_zone: m.time_zone.name().to_owned(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StoreView {
    pub id: Uuid,
    pub name: String,
    pub is_default: bool,
    pub active: bool,
    pub created_at: DateTime<Utc>,
}

impl From<&Store> for StoreView {
    fn from(s: &Store) -> Self {
        Self {
            id: s.id.as_uuid(),
            name: s.name.clone(),
            is_default: s.is_default,
            active: s.active,
            created_at: s.created_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StaffView {
    pub id: Uuid,
    pub username: String,
    pub display_name: String,
    #[schema(value_type = String, example = "owner")]
    pub role: loyalty_core::merchants::StaffRole,
    /// The stores a store manager or cashier works in (empty: all).
    pub store_ids: Vec<Uuid>,
    pub disabled: bool,
}

impl From<&Staff> for StaffView {
    fn from(s: &Staff) -> Self {
        Self {
            id: s.id.as_uuid(),
            username: s.username.clone(),
            display_name: s.display_name.clone(),
            role: s.role,
            store_ids: s.store_ids.iter().map(|id| id.as_uuid()).collect(),
            disabled: s.disabled,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MemberView {
    pub id: Uuid,
    /// Absent until a member who signed in with WeChat binds a phone.
    pub phone: Option<String>,
    pub name: Option<String>,
    pub birthday: Option<NaiveDate>,
    pub registered_store_id: Option<Uuid>,
    pub invite_code: String,
    pub points_balance: i64,
    /// Points owed after a refund took back points already spent; the next points earned
    /// pay it off first.
    pub points_debt: i64,
    /// The tier code; absent: the first tier of the ladder (or no ladder).
    pub tier: Option<String>,
    /// Whether the member may be sent SMS (login codes go regardless) and WeChat messages.
    pub sms_consent: bool,
    pub wechat_consent: bool,
    pub created_at: DateTime<Utc>,
}

impl MemberView {
    /// The member as `staff` may see it: cashiers get the phone masked (138****1234).
    pub fn for_staff(m: &Member, staff: &crate::auth::StaffAuth) -> Self {
        let mut view = Self::from(m);
        if !staff.sees_full_phones() {
            view.phone = m.phone.as_ref().map(loyalty_core::kernel::Phone::masked);
        }
        view
    }
}

impl From<&Member> for MemberView {
    fn from(m: &Member) -> Self {
        Self {
            id: m.id.as_uuid(),
            phone: m.phone.as_ref().map(|p| p.as_str().to_owned()),
            name: m.name.clone(),
            birthday: m.birthday,
            registered_store_id: m.registered_store_id.map(|s| s.as_uuid()),
            invite_code: m.invite_code.clone(),
            points_balance: m.points_balance.value(),
            points_debt: m.points_debt.value(),
            tier: m.tier_code.clone(),
            sms_consent: m.sms_consent,
            wechat_consent: m.wechat_consent,
            created_at: m.created_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LedgerEntryView {
    pub id: Uuid,
    /// 1, 2, 3 … per member in the order applied.
    pub seq: i64,
    /// `earn`, `spend`, `expire`, `adjust`, `reverse` or `return` (spent points given back).
    pub kind: String,
    pub delta: i64,
    pub balance_after: i64,
    pub reason_code: String,
    pub title: String,
    pub store_id: Option<Uuid>,
    pub source_type: String,
    pub source_id: String,
    pub operator_id: Option<Uuid>,
    /// Points that should have been taken back but had been spent.
    pub shortfall: i64,
    /// The earning policy version that computed an earn entry.
    pub policy_version: Option<i64>,
    pub created_at: DateTime<Utc>,
}

impl From<&LedgerEntry> for LedgerEntryView {
    fn from(e: &LedgerEntry) -> Self {
        Self {
            id: e.id.as_uuid(),
            seq: e.seq,
            kind: e.kind.as_str().to_owned(),
            delta: e.delta.value(),
            balance_after: e.balance_after.value(),
            reason_code: e.reason_code.clone(),
            title: e.title.clone(),
            store_id: e.store_id.map(|s| s.as_uuid()),
            source_type: e.source.source_type.clone(),
            source_id: e.source.source_id.clone(),
            operator_id: e.operator_id.map(|s| s.as_uuid()),
            shortfall: e.shortfall.value(),
            policy_version: e.policy_version,
            created_at: e.created_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LedgerPageView {
    pub items: Vec<LedgerEntryView>,
    /// Pass as `cursor` for the next (older) page; absent on the last page.
    pub next_cursor: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OrderView {
    pub id: Uuid,
    pub order_no: Option<String>,
    pub store_id: Uuid,
    pub member_id: Uuid,
    /// What the lines cost before any discount.
    pub gross: String,
    pub tier_discount: String,
    pub coupon_discount: String,
    /// Points used as cash, and what they took off.
    pub points_used: i64,
    pub points_discount: String,
    /// What the member paid.
    #[schema(example = "128.80")]
    pub amount_paid: String,
    pub amount_refunded: String,
    pub points_earned: i64,
    pub points_reversed: i64,
    /// Spent points given back by refunds.
    pub points_returned: i64,
    /// `paid`, `partially_refunded` or `refunded`.
    pub status: String,
    pub created_at: DateTime<Utc>,
}

impl From<&Order> for OrderView {
    fn from(o: &Order) -> Self {
        Self {
            id: o.id.as_uuid(),
            order_no: o.order_no.clone(),
            store_id: o.store_id.as_uuid(),
            member_id: o.member_id.as_uuid(),
            gross: o.gross.to_string(),
            tier_discount: o.tier_discount.to_string(),
            coupon_discount: o.coupon_discount.to_string(),
            points_used: o.points_used.value(),
            points_discount: o.points_discount.to_string(),
            amount_paid: o.amount_paid.to_string(),
            amount_refunded: o.amount_refunded.to_string(),
            points_earned: o.points_earned.value(),
            points_reversed: o.points_reversed.value(),
            points_returned: o.points_returned.value(),
            status: o.status.as_str().to_owned(),
            created_at: o.created_at,
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
            created_at: r.created_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RefundReceiptView {
    pub refund: RefundView,
    pub order: OrderView,
    pub balance_after: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ExpiringLotView {
    pub points: i64,
    /// Absent: these points never expire.
    pub expires_at: Option<DateTime<Utc>>,
}

impl From<&OpenLot> for ExpiringLotView {
    fn from(l: &OpenLot) -> Self {
        Self {
            points: l.remaining.value(),
            expires_at: l.expires_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MemberPointsView {
    pub balance: i64,
    /// Points owed (see `points_debt` of a member); the balance net of it is
    /// `balance − debt`.
    pub debt: i64,
    /// Open lots, soonest-expiring first: what expires when.
    pub lots: Vec<ExpiringLotView>,
    /// Points that expire within the merchant's notice period.
    pub expiring_soon: i64,
    /// The end of that period (absent: the merchant does not announce expiry).
    pub expiring_before: Option<DateTime<Utc>>,
    /// The tier and the way to the next one; absent when the merchant has no tiers.
    pub tier: Option<TierProgressView>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TierProgressView {
    pub code: String,
    pub name: String,
    /// The growth value in the window the ladder counts.
    pub growth: i64,
    /// `fen` (spend, top-up) or `points` (points earned).
    pub unit: String,
    #[schema(value_type = Object)]
    pub benefits: loyalty_core::tiers::TierBenefits,
    pub next: Option<NextTierView>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct NextTierView {
    pub code: String,
    pub name: String,
    pub threshold: i64,
    /// Growth value still needed.
    pub remaining: i64,
}

impl From<&loyalty_core::tiers::TierProgress> for TierProgressView {
    fn from(p: &loyalty_core::tiers::TierProgress) -> Self {
        Self {
            code: p.tier.code.clone(),
            name: p.tier.name.clone(),
            growth: p.growth,
            unit: p.unit.to_owned(),
            benefits: p.tier.benefits.clone(),
            next: p.next.as_ref().map(|n| NextTierView {
                code: n.code.clone(),
                name: n.name.clone(),
                threshold: n.threshold,
                remaining: n.remaining,
            }),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TokenView {
    pub token: String,
    /// Always `Bearer`.
    pub token_type: String,
    pub expires_at: DateTime<Utc>,
}
