//! What the coupon endpoints answer.

use chrono::{DateTime, Utc};
use loyalty_core::coupons::CouponRules;
use loyalty_core::coupons::{CouponTemplate, Verification};
use loyalty_core::coupons::{HeldCoupon, IssueReport, VerifiedCoupon};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

#[derive(Debug, Serialize, ToSchema)]
pub struct TemplateView {
    pub id: Uuid,
    /// The rules as created (name, benefit, scope, stacking, validity, claim window, stock,
    /// limits, points price); see the README's "Coupons".
    #[schema(value_type = Object)]
    pub rules: CouponRules,
    pub issued: i64,
    /// Stock left to issue; absent for unlimited.
    pub remaining: Option<i64>,
    pub active: bool,
    pub created_at: DateTime<Utc>,
}

impl From<&CouponTemplate> for TemplateView {
    fn from(t: &CouponTemplate) -> Self {
        Self {
            id: t.id.as_uuid(),
            rules: t.rules.clone(),
            issued: t.issued,
            remaining: t.remaining(),
            active: t.active,
            created_at: t.created_at,
        }
    }
}

impl TemplateView {
    /// What members see of a template: HQ's low-stock alert line is HQ's business.
    pub fn for_members(t: &CouponTemplate) -> Self {
        let mut view = Self::from(t);
        view.rules.low_stock_alert = None;
        view
    }
}

/// A coupon a member holds, with what it gives.
#[derive(Debug, Serialize, ToSchema)]
pub struct CouponView {
    pub id: Uuid,
    /// What the member shows and the cashier scans.
    #[schema(example = "123456789012")]
    pub code: String,
    /// `available`, `used`, `returned` (given back by a refund; usable), `expired` or
    /// `revoked`.
    pub status: String,
    pub template_id: Uuid,
    pub member_id: Uuid,
    pub name: String,
    pub description: String,
    /// What it gives: `{"type": "amount_off" | "percent_off" | "no_threshold" | "free_item", …}`.
    #[schema(value_type = Object)]
    pub benefit: loyalty_core::coupons::CouponBenefit,
    /// Where and on what it applies.
    #[schema(value_type = Object)]
    pub scope: loyalty_core::coupons::CouponScope,
    /// `exclusive` or `stackable`.
    #[schema(value_type = String)]
    pub stacking: loyalty_core::coupons::Stacking,
    /// `claim`, `issue`, `registration`, `birthday` or `exchange`.
    pub source: String,
    pub valid_from: DateTime<Utc>,
    pub valid_until: DateTime<Utc>,
    pub claimed_at: DateTime<Utc>,
    pub used_at: Option<DateTime<Utc>>,
    pub used_order_id: Option<Uuid>,
    pub used_store_id: Option<Uuid>,
}

impl From<&HeldCoupon> for CouponView {
    fn from(h: &HeldCoupon) -> Self {
        let (c, rules) = (&h.coupon, &h.template.rules);
        Self {
            id: c.id.as_uuid(),
            code: c.code.to_string(),
            status: c.status.as_str().to_owned(),
            template_id: c.template_id.as_uuid(),
            member_id: c.member_id.as_uuid(),
            name: rules.name.clone(),
            description: rules.description.clone(),
            benefit: rules.benefit.clone(),
            scope: rules.scope.clone(),
            stacking: rules.stacking,
            source: c.source.as_str().to_owned(),
            valid_from: c.valid_from,
            valid_until: c.valid_until,
            claimed_at: c.claimed_at,
            used_at: c.used_at,
            used_order_id: c.used_order_id.map(|o| o.as_uuid()),
            used_store_id: c.used_store_id.map(|s| s.as_uuid()),
        }
    }
}

/// A verification (核销): who, where, when; its undoing; the coupon as it is after.
#[derive(Debug, Serialize, ToSchema)]
pub struct VerificationView {
    pub id: Uuid,
    pub coupon_id: Uuid,
    pub code: String,
    pub member_id: Uuid,
    pub store_id: Uuid,
    pub staff_id: Option<Uuid>,
    /// Set when an order's checkout used the coupon.
    pub order_id: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub undone_at: Option<DateTime<Utc>>,
    pub undone_by: Option<Uuid>,
    /// The coupon after (absent in the log).
    pub coupon: Option<CouponView>,
}

impl VerificationView {
    pub fn from_log(v: &Verification) -> Self {
        Self {
            id: v.id.as_uuid(),
            coupon_id: v.coupon_id.as_uuid(),
            code: v.code.to_string(),
            member_id: v.member_id.as_uuid(),
            store_id: v.store_id.as_uuid(),
            staff_id: v.staff_id.map(|s| s.as_uuid()),
            order_id: v.order_id.map(|o| o.as_uuid()),
            created_at: v.created_at,
            undone_at: v.undone_at,
            undone_by: v.undone_by.map(|s| s.as_uuid()),
            coupon: None,
        }
    }
}

impl From<&VerifiedCoupon> for VerificationView {
    fn from(v: &VerifiedCoupon) -> Self {
        Self {
            coupon: Some(CouponView::from(&v.coupon)),
            ..Self::from_log(&v.verification)
        }
    }
}

/// What a send did.
#[derive(Debug, Serialize, ToSchema)]
pub struct IssueReportView {
    /// Members who got a coupon now.
    pub issued: u64,
    /// Members who had one of this send already (a repeated send).
    pub already_issued: u64,
    /// Members at the template's per-member limit.
    pub at_limit: u64,
    /// Listed ids that are not the merchant's members.
    pub unknown: u64,
    /// Members left without one because the stock ran out.
    pub out_of_stock: u64,
}

impl From<IssueReport> for IssueReportView {
    fn from(r: IssueReport) -> Self {
        Self {
            issued: r.issued,
            already_issued: r.already_issued,
            at_limit: r.at_limit,
            unknown: r.unknown,
            out_of_stock: r.out_of_stock,
        }
    }
}
