//! Coupons as staff handle them: templates (HQ), sending them to members and segments (HQ),
//! looking a coupon up, revoking it (HQ), and a member's coupons. Verifying (核销) is
//! [`super::verifications`].

use super::verifications::ListQuery;
use crate::auth::StaffAuth;
use crate::error::{ApiError, Problem};
use crate::http::idempotency::IdempotencyHeader;
use crate::http::input::{coupon_code, money};
use crate::http::json::Json;
use crate::http::pagination::Page;
use crate::shared::coupons::{CouponList, CouponQuery, CouponView, TemplateView, coupons_of};
use crate::state::AppState;
use actix_web::{HttpResponse, get, patch, post, web};
use chrono::{DateTime, Utc};
use loyalty_core::coupons::{CouponRules, IssueCoupons, IssueReport, IssueTarget, MemberSegment};
use loyalty_core::kernel::Money;
use loyalty_core::kernel::schema::{Reference, TierCode};
use loyalty_core::kernel::{CouponTemplateId, MemberId};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

/// Registers this module's endpoints in its audience's scope.
pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(create_template)
        .service(list_templates)
        .service(get_template)
        .service(update_template)
        .service(issue)
        .service(get_coupon)
        .service(revoke_coupon)
        .service(member_coupons);
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TemplateList {
    pub items: Vec<TemplateView>,
    pub next_cursor: Option<String>,
}

/// Creates a coupon template (HQ): benefit, scope, stacking, validity, claim window, stock,
/// limits, points price. See the README's "Coupons" for the shape.
#[utoipa::path(tag = "merchant", request_body(content = CouponRules, description = "Coupon rules"), responses((status = 201, body = TemplateView), (status = 403, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
#[post("/coupon-templates")]
pub async fn create_template(
    staff: StaffAuth,
    state: web::Data<AppState>,
    body: Json<CouponRules>,
) -> Result<HttpResponse, ApiError> {
    staff.require_headquarters()?;
    let template = state
        .loyalty
        .coupons()
        .create_template(staff.merchant_id, body.into_inner(), Some(staff.staff_id))
        .await?;
    Ok(HttpResponse::Created().json(TemplateView::from(&template)))
}

/// The merchant's coupon templates, newest first.
#[utoipa::path(tag = "merchant", params(ListQuery), responses((status = 200, body = TemplateList)), security(("bearer" = [])))]
#[get("/coupon-templates")]
pub async fn list_templates(
    staff: StaffAuth,
    state: web::Data<AppState>,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    let page = Page::<CouponTemplateId>::checked("template", query.limit, query.cursor.as_deref())?;
    let templates = state
        .loyalty
        .coupons()
        .templates(staff.merchant_id, page.before, page.limit)
        .await?;
    Ok(HttpResponse::Ok().json(TemplateList {
        items: templates.iter().map(TemplateView::from).collect(),
        next_cursor: page.next(&templates, |t| t.id),
    }))
}

/// One coupon template with its stock.
#[utoipa::path(tag = "merchant", params(("id" = Uuid, Path)), responses((status = 200, body = TemplateView), (status = 404, body = Problem)), security(("bearer" = [])))]
#[get("/coupon-templates/{id}")]
pub async fn get_template(
    staff: StaffAuth,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let template = state
        .loyalty
        .coupons()
        .template(
            staff.merchant_id,
            CouponTemplateId::from_uuid(id.into_inner()),
        )
        .await?;
    Ok(HttpResponse::Ok().json(TemplateView::from(&template)))
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TemplatePatch {
    /// `false` stops issuing (issued coupons stay usable); `true` starts again.
    pub active: bool,
}

/// Stops or restarts a template (HQ).
#[utoipa::path(tag = "merchant", params(("id" = Uuid, Path)), request_body = TemplatePatch, responses((status = 200, body = TemplateView), (status = 403, body = Problem), (status = 404, body = Problem)), security(("bearer" = [])))]
#[patch("/coupon-templates/{id}")]
pub async fn update_template(
    staff: StaffAuth,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    body: Json<TemplatePatch>,
) -> Result<HttpResponse, ApiError> {
    staff.require_headquarters()?;
    let template = state
        .loyalty
        .coupons()
        .set_template_active(
            staff.merchant_id,
            CouponTemplateId::from_uuid(id.into_inner()),
            body.active,
        )
        .await?;
    Ok(HttpResponse::Ok().json(TemplateView::from(&template)))
}

/// Members HQ sends to: every condition given must hold.
#[derive(Debug, Serialize, Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct SegmentRequest {
    /// Members of these tiers (members without a tier count as the ladder's first).
    #[serde(default)]
    #[schema(value_type = Vec<TierCode>, max_items = 20)]
    pub tier_codes: Vec<String>,
    /// Whose last order was before this instant (lapsed customers) …
    pub last_order_before: Option<DateTime<Utc>>,
    /// … or at or after it (recent customers).
    pub last_order_since: Option<DateTime<Utc>>,
    /// Lifetime spend (paid less refunded) from / up to, as decimal strings.
    #[schema(value_type = Option<Money>)]
    pub spend_min: Option<String>,
    #[schema(value_type = Option<Money>)]
    pub spend_max: Option<String>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IssueRequest {
    /// These members (at most 10,000) …
    #[schema(max_items = 10_000)]
    pub member_ids: Option<Vec<Uuid>>,
    /// … or a segment.
    pub segment: Option<SegmentRequest>,
    /// The send's reference: sending again with it gives nobody a second coupon. The
    /// `Idempotency-Key` header serves when absent; one of them is required.
    #[schema(value_type = Option<Reference>)]
    pub batch: Option<String>,
}

/// Sends a template's coupons to listed members or a segment (HQ), in batches: a send
/// repeated with the same reference gives nobody a second coupon; stock and per-member
/// limits hold; the answer counts who got one and why others did not.
#[utoipa::path(
    tag = "merchant",
    params(("id" = Uuid, Path), ("Idempotency-Key" = Option<String>, Header, description = "The send's reference when the body has no batch")),
    request_body = IssueRequest,
    responses((status = 200, body = IssueReportView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = []))
)]
#[post("/coupon-templates/{id}/issue")]
pub async fn issue(
    staff: StaffAuth,
    state: web::Data<AppState>,
    key: IdempotencyHeader,
    id: web::Path<Uuid>,
    body: Json<IssueRequest>,
) -> Result<HttpResponse, ApiError> {
    staff.require_headquarters()?;
    let body = body.into_inner();
    let batch = body.batch.or(key.0).ok_or_else(|| {
        ApiError::invalid(
            "batch",
            "give the send a reference (batch or Idempotency-Key)",
        )
    })?;
    let target = match (body.member_ids, body.segment) {
        (Some(ids), None) => {
            IssueTarget::Members(ids.into_iter().map(MemberId::from_uuid).collect())
        }
        (None, Some(s)) => {
            let settings = state.loyalty.settings().current(staff.merchant_id).await?;
            IssueTarget::Segment(MemberSegment {
                tier_codes: s.tier_codes,
                first_tier: settings
                    .tiers
                    .and_then(|t| t.value.levels.first().map(|l| l.code.clone())),
                last_order_before: s.last_order_before,
                last_order_since: s.last_order_since,
                spend_min: s
                    .spend_min
                    .as_deref()
                    .map(|m| money("segment.spend_min", m))
                    .transpose()?,
                spend_max: s
                    .spend_max
                    .as_deref()
                    .map(|m| money("segment.spend_max", m))
                    .transpose()?,
            })
        }
        _ => {
            return Err(ApiError::invalid(
                "member_ids",
                "give either member_ids or a segment",
            ));
        }
    };
    let report = state
        .loyalty
        .coupons()
        .issue(IssueCoupons {
            merchant_id: staff.merchant_id,
            template_id: CouponTemplateId::from_uuid(id.into_inner()),
            target,
            batch,
        })
        .await?;
    Ok(HttpResponse::Ok().json(IssueReportView::from(report)))
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

/// A coupon by its code (the cashier checks it before verifying).
#[utoipa::path(tag = "merchant", params(("code" = String, Path, pattern = "^[ -]*([0-9][ -]*){12}$")), responses((status = 200, body = CouponView), (status = 404, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
#[get("/coupons/{code}")]
pub async fn get_coupon(
    staff: StaffAuth,
    state: web::Data<AppState>,
    code: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let held = state
        .loyalty
        .coupons()
        .by_code(staff.merchant_id, &coupon_code("code", &code)?)
        .await?;
    Ok(HttpResponse::Ok().json(CouponView::from(&held)))
}

/// Revokes a coupon that is still usable (HQ).
#[utoipa::path(tag = "merchant", params(("code" = String, Path, pattern = "^[ -]*([0-9][ -]*){12}$")), responses((status = 200, body = CouponView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem, description = "coupon_used"), (status = 422, body = Problem)), security(("bearer" = [])))]
#[post("/coupons/{code}/revoke")]
pub async fn revoke_coupon(
    staff: StaffAuth,
    state: web::Data<AppState>,
    code: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    staff.require_headquarters()?;
    let held = state
        .loyalty
        .coupons()
        .revoke(staff.merchant_id, &coupon_code("code", &code)?)
        .await?;
    Ok(HttpResponse::Ok().json(CouponView::from(&held)))
}

/// A member's coupons, for staff.
#[utoipa::path(tag = "merchant", params(("id" = Uuid, Path), CouponQuery), responses((status = 200, body = CouponList), (status = 404, body = Problem)), security(("bearer" = [])))]
#[get("/members/{id}/coupons")]
pub async fn member_coupons(
    staff: StaffAuth,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    query: web::Query<CouponQuery>,
) -> Result<HttpResponse, ApiError> {
    let member = state
        .loyalty
        .members()
        .member(staff.merchant_id, MemberId::from_uuid(id.into_inner()))
        .await?;
    let list = coupons_of(&state, staff.merchant_id, member.id, &query).await?;
    Ok(HttpResponse::Ok().json(list))
}
