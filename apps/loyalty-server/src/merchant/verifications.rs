//! Verifying (核销) a coupon at a store, undoing it within the merchant's window, and the
//! verification log; store staff act on and see their stores' only.

use crate::auth::StaffAuth;
use crate::error::{ApiError, Problem};
use crate::http::idempotency::{IdempotencyHeader, Prepared, respond};
use crate::http::input::coupon_code;
use crate::http::json::Json;
use crate::http::pagination::{Page, page_limit};
use crate::shared::coupons::CouponView;
use crate::state::AppState;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use loyalty_core::coupons::{Verification, VerifiedCoupon, VerifyCoupon};
use loyalty_core::kernel::{StoreId, VerificationId};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

/// Registers this module's endpoints in its audience's scope.
pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(verify)
        .service(undo)
        .service(list_verifications);
}

// The coupon template list takes this query too, `store_id` and all (and ignores it); the
// published parameters of both say so, so it stays one type.
/// `limit` (1–100, default 20) and an opaque `cursor` from a previous page.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<u64>,
    pub cursor: Option<String>,
    /// Verifications of this store only.
    pub store_id: Option<Uuid>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VerifyRequest {
    /// The coupon's 12-digit code.
    #[schema(example = "123456789012", pattern = "^[ -]*([0-9][ -]*){12}$")]
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
    body: Json<VerifyRequest>,
) -> Result<HttpResponse, ApiError> {
    let store_id = staff.till_store(body.store_id.map(StoreId::from_uuid))?;
    let cmd = VerifyCoupon {
        merchant_id: staff.merchant_id,
        code: coupon_code("code", &body.code)?,
        store_id,
        staff_id: Some(staff.staff_id),
    };
    let prepared = Prepared::claim(&state.in_flight, &req, key, staff.key_scope(), &*body)?;
    let result = state
        .loyalty
        .coupons()
        .verify(cmd, prepared.idempotent())
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
        return Err(loyalty_core::Error::NotFound(loyalty_core::coupons::VERIFICATION).into());
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
    let store = staff.till_store(query.store_id.map(StoreId::from_uuid))?;
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
