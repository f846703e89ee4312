//! Coupon templates and the coupons members hold, as members and staff see them; a
//! member's coupons, page by page.

use crate::error::ApiError;
use crate::http::pagination::{Page, page_limit};
use crate::state::AppState;
use chrono::{DateTime, Utc};
use loyalty_core::coupons::{CouponRules, CouponStatus, CouponTemplate, HeldCoupon};
use loyalty_core::kernel::{CouponId, MemberId, MerchantId};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

#[derive(Debug, Serialize, ToSchema)]
pub struct TemplateView {
    pub id: Uuid,
    /// The rules as created (name, benefit, scope, stacking, validity, claim window, stock,
    /// limits, points price); see the README's "Coupons".
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
    pub benefit: loyalty_core::coupons::CouponBenefit,
    /// Where and on what it applies.
    pub scope: loyalty_core::coupons::CouponScope,
    /// `exclusive` or `stackable`.
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

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct CouponQuery {
    /// `available`, `used`, `returned`, `expired` or `revoked`; every state when absent.
    #[param(pattern = "^(available|used|returned|expired|revoked)$")]
    pub status: Option<String>,
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<u64>,
    pub cursor: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CouponList {
    pub items: Vec<CouponView>,
    pub next_cursor: Option<String>,
}

/// A page of a member's coupons, newest first, in the states `query` asks for.
pub async fn coupons_of(
    state: &AppState,
    merchant: MerchantId,
    member: MemberId,
    query: &CouponQuery,
) -> Result<CouponList, ApiError> {
    let limit = page_limit(query.limit)?;
    let statuses = match &query.status {
        None => Vec::new(),
        Some(s) => vec![CouponStatus::parse(s).ok_or_else(|| {
            ApiError::invalid(
                "status",
                "must be available, used, returned, expired or revoked",
            )
        })?],
    };
    // "available" on the member's list means usable: returned coupons are usable too.
    let statuses = if statuses == [CouponStatus::Available] {
        vec![CouponStatus::Available, CouponStatus::Returned]
    } else {
        statuses
    };
    let page = Page::<CouponId>::with_limit("coupon", limit, query.cursor.as_deref())?;
    let held = state
        .loyalty
        .coupons()
        .member_coupons(merchant, member, &statuses, page.before, page.limit)
        .await?;
    Ok(CouponList {
        items: held.iter().map(CouponView::from).collect(),
        next_cursor: page.next(&held, |h| h.coupon.id),
    })
}
