//! Coupon records: templates with their stock, coupons with their codes and states, and the
//! verifications (核销) of coupons at stores.

use crate::coupons::CouponCode;
use crate::coupons::CouponRules;
use crate::kernel::{
    CouponId, CouponTemplateId, MemberId, MerchantId, OrderId, StaffId, StoreId, VerificationId,
};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A coupon template (券模板) and how many coupons it has issued.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CouponTemplate {
    pub id: CouponTemplateId,
    pub merchant_id: MerchantId,
    pub rules: CouponRules,
    /// Coupons issued so far; never more than `rules.stock`.
    pub issued: i64,
    /// HQ can stop a template: nothing more is issued from it (issued coupons stay usable).
    pub active: bool,
    pub created_by: Option<StaffId>,
    pub created_at: DateTime<Utc>,
}

impl CouponTemplate {
    /// Stock left to issue; `None` for unlimited.
    #[must_use]
    pub fn remaining(&self) -> Option<i64> {
        self.rules.stock.map(|s| (s - self.issued).max(0))
    }

    /// Whether taking `taken` coupons, which left `issued_after` issued, took the stock left
    /// from above the template's low-stock alert to at or below it. Takes of one template are
    /// serialised by its row, so of all the takes exactly one crosses the line: HQ is told
    /// once, by the transaction that crossed it, and again only if that one rolls back.
    #[must_use]
    pub fn crossed_low_stock(&self, issued_after: i64, taken: i64) -> bool {
        match (self.rules.stock, self.rules.low_stock_alert) {
            (Some(stock), Some(alert)) => {
                let left_after = stock - issued_after;
                left_after <= alert && left_after + taken > alert
            }
            _ => false,
        }
    }
}

/// Where a coupon is in its life. Every move is a compare-and-set on the status.
///
/// `available → used → returned` (given back by a refund while still valid; usable again)
/// `→ used …`; `available | returned → expired` (the expiry job) or `→ revoked` (HQ).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CouponStatus {
    Available,
    Used,
    Returned,
    Expired,
    Revoked,
}

impl CouponStatus {
    pub const ALL: [Self; 5] = [
        Self::Available,
        Self::Used,
        Self::Returned,
        Self::Expired,
        Self::Revoked,
    ];

    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Available => "available",
            Self::Used => "used",
            Self::Returned => "returned",
            Self::Expired => "expired",
            Self::Revoked => "revoked",
        }
    }

    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// Whether a coupon in this state can be used.
    #[must_use]
    pub const fn usable(self) -> bool {
        matches!(self, Self::Available | Self::Returned)
    }
}

/// How a member came to hold a coupon.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CouponSource {
    /// The member claimed it (领券中心).
    Claim,
    /// HQ sent it to listed members or a segment.
    Issue,
    /// A registration gift.
    Registration,
    /// A birthday gift (once a year).
    Birthday,
    /// Exchanged for points.
    Exchange,
}

impl CouponSource {
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Claim => "claim",
            Self::Issue => "issue",
            Self::Registration => "registration",
            Self::Birthday => "birthday",
            Self::Exchange => "exchange",
        }
    }

    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        [
            Self::Claim,
            Self::Issue,
            Self::Registration,
            Self::Birthday,
            Self::Exchange,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }
}

/// One coupon a member holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Coupon {
    pub id: CouponId,
    pub merchant_id: MerchantId,
    pub template_id: CouponTemplateId,
    pub member_id: MemberId,
    /// What the member shows and the cashier scans; unique per merchant.
    pub code: CouponCode,
    pub status: CouponStatus,
    pub source: CouponSource,
    /// What issued it (a batch, a year, an exchange): with template, member and source it is
    /// unique, so a replayed gift or batch issues once. `None` for claims.
    pub source_ref: Option<String>,
    /// Usable from `valid_from` (inclusive) to `valid_until` (exclusive).
    pub valid_from: DateTime<Utc>,
    pub valid_until: DateTime<Utc>,
    pub claimed_at: DateTime<Utc>,
    pub used_at: Option<DateTime<Utc>>,
    pub used_order_id: Option<OrderId>,
    pub used_store_id: Option<StoreId>,
}

/// A verification (核销) of a coupon: by whom, where, when; and its undoing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Verification {
    pub id: VerificationId,
    pub merchant_id: MerchantId,
    pub coupon_id: CouponId,
    pub code: CouponCode,
    pub member_id: MemberId,
    pub store_id: StoreId,
    pub staff_id: Option<StaffId>,
    /// Set when the coupon was used by an order's checkout.
    pub order_id: Option<OrderId>,
    pub created_at: DateTime<Utc>,
    pub undone_at: Option<DateTime<Utc>>,
    pub undone_by: Option<StaffId>,
}
