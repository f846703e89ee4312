//! Coupons: templates (HQ), sending to members and segments (HQ), looking a coupon up and
//! verifying it (核销) at a store, the verification log; members claim, exchange and list
//! theirs in [`super::member_coupons`].

use crate::auth::StaffAuth;
use crate::dto::{CouponView, IssueReportView, TemplateView, VerificationView};
use crate::error::{ApiError, Problem};
use crate::http::idempotency::{IdempotencyHeader, Prepared, respond};
use crate::http::input::{coupon_code, money};
use crate::http::pagination::{Page, page_limit};
use crate::state::AppState;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, patch, post, web};
use chrono::{DateTime, Utc};
use loyalty_core::coupons::CouponRules;
use loyalty_core::coupons::MemberSegment;
use loyalty_core::coupons::{IssueCoupons, IssueTarget, VerifiedCoupon, VerifyCoupon};
use loyalty_core::kernel::{CouponTemplateId, MemberId, StoreId, VerificationId};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// `limit` (1–100, default 20) and an opaque `cursor` from a previous page.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    pub limit: Option<u64>,
    pub cursor: Option<String>,
    /// Verifications of this store only.
    pub store_id: Option<Uuid>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TemplateList {
    pub items: Vec<TemplateView>,
    pub next_cursor: Option<String>,
}

/// Creates a coupon template (HQ): benefit, scope, stacking, validity, claim window, stock,
/// limits, points price. See the README's "Coupons" for the shape.
#[utoipa::path(tag = "merchant", request_body(content = Object, description = "Coupon rules"), responses((status = 201, body = TemplateView), (status = 403, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
#[post("/coupon-templates")]
pub async fn create_template(
    staff: StaffAuth,
    state: web::Data<AppState>,
    body: web::Json<CouponRules>,
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
    body: web::Json<TemplatePatch>,
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
    pub tier_codes: Vec<String>,
    /// Whose last order was before this instant (lapsed customers) …
    pub last_order_before: Option<DateTime<Utc>>,
    /// … or at or after it (recent customers).
    pub last_order_since: Option<DateTime<Utc>>,
    /// Lifetime spend (paid less refunded) from / up to, as decimal strings.
    pub spend_min: Option<String>,
    pub spend_max: Option<String>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IssueRequest {
    /// These members (at most 10,000) …
    pub member_ids: Option<Vec<Uuid>>,
    /// … or a segment.
    pub segment: Option<SegmentRequest>,
    /// The send's reference: sending again with it gives nobody a second coupon. The
    /// `Idempotency-Key` header serves when absent; one of them is required.
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
    body: web::Json<IssueRequest>,
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

/// A coupon by its code (the cashier checks it before verifying).
#[utoipa::path(tag = "merchant", params(("code" = String, Path)), responses((status = 200, body = CouponView), (status = 404, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
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
#[utoipa::path(tag = "merchant", params(("code" = String, Path)), responses((status = 200, body = CouponView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem, description = "coupon_used"), (status = 422, body = Problem)), security(("bearer" = [])))]
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

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VerifyRequest {
    /// The coupon's 12-digit code.
    #[schema(example = "123456789012")]
    pub code: String,
    /// The store it is used in (one of this account's; for HQ the default store when
    /// absent).
    pub store_id: Option<Uuid>,
}

fn render_verification(verified: &VerifiedCoupon) -> VerificationView {
    VerificationView::from(verified)
}

/// Verifies (核销) a coupon at a store: it must apply there and be usable now. Two stores
/// verifying one code at once: one succeeds, the other answers 409 `coupon_used`.
#[utoipa::path(
    tag = "merchant",
    request_body = VerifyRequest,
    params(("Idempotency-Key" = Option<String>, Header, description = "Replays return the first response")),
    responses((status = 201, body = VerificationView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem, description = "coupon_used"), (status = 422, body = Problem)),
    security(("bearer" = []))
)]
#[post("/verifications")]
pub async fn verify(
    staff: StaffAuth,
    state: web::Data<AppState>,
    req: HttpRequest,
    key: IdempotencyHeader,
    body: web::Json<VerifyRequest>,
) -> Result<HttpResponse, ApiError> {
    let store_id = staff.store_for(body.store_id.map(StoreId::from_uuid))?;
    if store_id.is_none() && !staff.role.is_headquarters() {
        return Err(ApiError::forbidden("this account works in no store"));
    }
    let cmd = VerifyCoupon {
        merchant_id: staff.merchant_id,
        code: coupon_code("code", &body.code)?,
        store_id,
        staff_id: Some(staff.staff_id),
    };
    let prepared = Prepared::claim(
        &state.in_flight,
        &req,
        staff.merchant_id,
        staff.scope(),
        key,
        &*body,
    )?;
    let result = state
        .loyalty
        .coupons()
        .verify(cmd, prepared.as_ref().map(Prepared::idempotent))
        .await;
    respond(result, StatusCode::CREATED, render_verification)
}

/// Undoes a verification within the merchant's window (`checkout.verification_undo_minutes`):
/// the coupon is available again. Store staff undo only their stores' verifications.
#[utoipa::path(tag = "merchant", params(("id" = Uuid, Path)), responses((status = 200, body = VerificationView), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem, description = "undo_window_closed")), security(("bearer" = [])))]
#[post("/verifications/{id}/undo")]
pub async fn undo(
    staff: StaffAuth,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let id = VerificationId::from_uuid(id.into_inner());
    let found = state
        .loyalty
        .coupons()
        .verification(staff.merchant_id, id)
        .await?;
    if !staff.works_in(found.store_id) {
        return Err(loyalty_core::Error::NotFound("verification").into());
    }
    let undone = state
        .loyalty
        .coupons()
        .undo_verification(staff.merchant_id, id, Some(staff.staff_id))
        .await?;
    Ok(HttpResponse::Ok().json(VerificationView::from(&undone)))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct VerificationList {
    pub items: Vec<VerificationView>,
    pub next_cursor: Option<String>,
}

/// The verification log: operator, store and time of each, newest first (store staff see
/// their stores').
#[utoipa::path(tag = "merchant", params(ListQuery), responses((status = 200, body = VerificationList), (status = 403, body = Problem)), security(("bearer" = [])))]
#[get("/verifications")]
pub async fn list_verifications(
    staff: StaffAuth,
    state: web::Data<AppState>,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    let limit = page_limit(query.limit)?;
    let store = match (
        query.store_id.map(StoreId::from_uuid),
        staff.role.is_headquarters(),
    ) {
        (asked, true) => asked,
        (asked, false) => Some(
            staff
                .store_for(asked)?
                .ok_or_else(|| ApiError::forbidden("this account works in no store"))?,
        ),
    };
    let page = Page::<VerificationId>::with_limit("verification", limit, query.cursor.as_deref())?;
    let list = state
        .loyalty
        .coupons()
        .verifications(staff.merchant_id, store, page.before, page.limit)
        .await?;
    Ok(HttpResponse::Ok().json(VerificationList {
        items: list.iter().map(VerificationView::from_log).collect(),
        next_cursor: page.next(&list, |v| v.id),
    }))
}
