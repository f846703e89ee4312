//! The records the engine keeps. Each carries its merchant id.

use crate::types::{
    EntryId, LotId, MemberId, MerchantId, MerchantTimeZone, Money, OrderId, Phone, Points,
    RefundId, StaffId, StoreId,
};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// A tenant: a chain merchant with its stores, members and rules.
#[derive(Debug, Clone, PartialEq)]
pub struct Merchant {
    pub id: MerchantId,
    /// The merchant number (商户号) staff type when they sign in; unique on the platform.
    pub code: String,
    pub name: String,
    pub time_zone: MerchantTimeZone,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Store {
    pub id: StoreId,
    pub merchant_id: MerchantId,
    pub name: String,
    /// Exactly one store of a merchant is the default (where online orders land).
    pub is_default: bool,
    pub active: bool,
    pub created_at: DateTime<Utc>,
}

/// What staff may do; checked by the HTTP layer's extractors.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StaffRole {
    Owner,
    Admin,
    StoreManager,
    Cashier,
}

impl StaffRole {
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Owner => "owner",
            Self::Admin => "admin",
            Self::StoreManager => "store_manager",
            Self::Cashier => "cashier",
        }
    }

    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        [Self::Owner, Self::Admin, Self::StoreManager, Self::Cashier]
            .into_iter()
            .find(|r| r.as_str() == s)
    }

    /// HQ roles manage settings, stores and manual adjustments.
    #[must_use]
    pub const fn is_headquarters(self) -> bool {
        matches!(self, Self::Owner | Self::Admin)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Staff {
    pub id: StaffId,
    pub merchant_id: MerchantId,
    pub username: String,
    pub display_name: String,
    pub role: StaffRole,
    /// An argon2id PHC string; never the password.
    pub password_hash: String,
    pub disabled: bool,
    /// The stores a store manager or cashier works in (empty for owners and admins, who
    /// work in all).
    pub store_ids: Vec<StoreId>,
    /// Tokens carry the version they were issued under; raising it revokes them.
    pub token_version: i64,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    pub id: MemberId,
    pub merchant_id: MerchantId,
    /// Absent for a member who signed in with WeChat and has not bound a phone yet.
    pub phone: Option<Phone>,
    /// The member's WeChat openid in the merchant's mini-program.
    pub openid: Option<String>,
    pub unionid: Option<String>,
    /// Who invited this member (by invite code at registration).
    pub invited_by: Option<MemberId>,
    pub name: Option<String>,
    pub birthday: Option<NaiveDate>,
    pub registered_store_id: Option<StoreId>,
    pub invite_code: String,
    pub points_balance: Points,
    /// Points owed: earned points a refund took back after they were spent (the merchant's
    /// `debt` policy). Credits pay it off first, so it is non-zero only while the balance
    /// is zero; the balance net of debt is `points_balance − points_debt`.
    pub points_debt: Points,
    /// The member's tier code; `None` is the first tier of the ladder.
    pub tier_code: Option<String>,
    /// A review does not downgrade the member before this instant (保级).
    pub tier_protected_until: Option<DateTime<Utc>>,
    /// The member may be sent SMS other than login codes.
    pub sms_consent: bool,
    /// The member may be sent WeChat subscribe messages.
    pub wechat_consent: bool,
    pub created_at: DateTime<Utc>,
}

/// What a member changes of their own profile; what is `None` stays.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProfileChange {
    pub name: Option<String>,
    /// Set once: only while the member has none.
    pub birthday: Option<NaiveDate>,
    pub sms_consent: Option<bool>,
    pub wechat_consent: Option<bool>,
}

/// Why a ledger entry exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EntryKind {
    Earn,
    Spend,
    Expire,
    Adjust,
    Reverse,
    /// Spent points given back (a refund of an order that used points as cash).
    Return,
}

impl EntryKind {
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Earn => "earn",
            Self::Spend => "spend",
            Self::Expire => "expire",
            Self::Adjust => "adjust",
            Self::Reverse => "reverse",
            Self::Return => "return",
        }
    }

    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        [
            Self::Earn,
            Self::Spend,
            Self::Expire,
            Self::Adjust,
            Self::Reverse,
            Self::Return,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }
}

/// The business event behind an entry. `(merchant, kind, source_type, source_id)` is unique:
/// a replayed event cannot move points twice even without an idempotency key.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Source {
    pub source_type: String,
    pub source_id: String,
}

impl Source {
    #[must_use]
    pub fn new(source_type: &str, source_id: impl ToString) -> Self {
        Self {
            source_type: source_type.to_owned(),
            source_id: source_id.to_string(),
        }
    }
}

/// An immutable line of a member's points history (积分明细).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LedgerEntry {
    pub id: EntryId,
    pub merchant_id: MerchantId,
    pub member_id: MemberId,
    /// 1, 2, 3 … per member, in the order the entries were applied.
    pub seq: i64,
    pub kind: EntryKind,
    /// Signed change of the balance.
    pub delta: Points,
    pub balance_after: Points,
    /// A stable machine code for why (`order_earn`, `manual`, `lot_expired` …).
    pub reason_code: String,
    /// What the member reads (`消费得积分`).
    pub title: String,
    pub store_id: Option<StoreId>,
    pub source: Source,
    pub operator_id: Option<StaffId>,
    /// Points that should have been taken back but were not there (claw-back to zero).
    pub shortfall: Points,
    /// The earning policy version that computed an earn entry.
    pub policy_version: Option<i64>,
    pub created_at: DateTime<Utc>,
}

/// A lot of earned points: its remaining amount is what spending and expiry consume.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lot {
    pub id: LotId,
    pub merchant_id: MerchantId,
    pub member_id: MemberId,
    /// The earn or adjust entry that created it.
    pub entry_id: EntryId,
    pub amount: Points,
    pub remaining: Points,
    pub earned_at: DateTime<Utc>,
    /// `None`: never expires.
    pub expires_at: Option<DateTime<Utc>>,
}

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
#[derive(Debug, Clone, PartialEq, Eq)]
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
    /// What the member paid: gross less the discounts.
    pub amount_paid: Money,
    pub amount_refunded: Money,
    pub points_earned: Points,
    pub points_reversed: Points,
    /// Spent points given back by refunds.
    pub points_returned: Points,
    pub status: OrderStatus,
    pub operator_id: Option<StaffId>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
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
    pub operator_id: Option<StaffId>,
    pub created_at: DateTime<Utc>,
}

/// A line of an order: what was bought, and its share of the amount paid.
#[derive(Debug, Clone, PartialEq, Eq)]
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

/// Why a member's tier changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TierChangeReason {
    /// Growth crossed a threshold.
    Upgrade,
    /// A scheduled review found the growth no longer holds the tier.
    Downgrade,
}

impl TierChangeReason {
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Upgrade => "upgrade",
            Self::Downgrade => "downgrade",
        }
    }

    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        [Self::Upgrade, Self::Downgrade]
            .into_iter()
            .find(|k| k.as_str() == s)
    }
}

/// A line of a member's tier history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TierChange {
    pub id: uuid::Uuid,
    pub merchant_id: MerchantId,
    pub member_id: MemberId,
    pub from_tier: Option<String>,
    pub to_tier: String,
    pub reason: TierChangeReason,
    /// The growth value that decided it.
    pub growth: i64,
    pub created_at: DateTime<Utc>,
}

mod cards;
mod coupons;
mod wallet;
pub use cards::{CardEntry, CardEntryKind, CardTemplate, MemberCard};
pub use coupons::{Coupon, CouponSource, CouponStatus, CouponTemplate, Verification};
pub use wallet::{Wallet, WalletEntry, WalletEntryKind, WalletWithdrawal, WithdrawalStatus};
