//! The member's coupons: what they can claim (领券中心), claiming and exchanging for points,
//! and their coupons.

use crate::auth::MemberAuth;
use crate::error::{ApiError, Problem};
use crate::http::idempotency::{IdempotencyHeader, Prepared, respond};
use crate::shared::coupons::{CouponList, CouponQuery, CouponView, TemplateView, coupons_of};
use crate::state::AppState;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use loyalty_core::coupons::{ClaimCoupon, HeldCoupon};
use loyalty_core::kernel::CouponTemplateId;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

/// Registers this module's endpoints in its audience's scope.
pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(my_coupons)
        .service(claimable)
        .service(claim)
        .service(exchange);
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ClaimableList {
    pub items: Vec<TemplateView>,
}

/// The member's coupons, newest first (`?status=available` lists what can be used).
#[utoipa::path(tag = "member", params(CouponQuery), responses((status = 200, body = CouponList), (status = 422, body = Problem)), security(("bearer" = [])))]
#[get("/coupons")]
pub async fn my_coupons(
    member: MemberAuth,
    state: web::Data<AppState>,
    query: web::Query<CouponQuery>,
) -> Result<HttpResponse, ApiError> {
    let list = coupons_of(&state, member.merchant_id, member.member_id, &query).await?;
    Ok(HttpResponse::Ok().json(list))
}

/// What the member can claim now (领券中心): open templates with stock left that the
/// member's tier may have.
#[utoipa::path(tag = "member", responses((status = 200, body = ClaimableList)), security(("bearer" = [])))]
#[get("/coupon-templates")]
pub async fn claimable(
    member: MemberAuth,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let templates = state
        .loyalty
        .coupons()
        .claimable_templates(member.merchant_id, member.member_id)
        .await?;
    Ok(HttpResponse::Ok().json(ClaimableList {
        items: templates.iter().map(TemplateView::for_members).collect(),
    }))
}

fn render_claim(held: &HeldCoupon) -> CouponView {
    CouponView::from(held)
}

async fn claim_or_exchange(
    member: MemberAuth,
    state: web::Data<AppState>,
    req: HttpRequest,
    key: IdempotencyHeader,
    id: Uuid,
    for_points: bool,
) -> Result<HttpResponse, ApiError> {
    let fingerprint = (id, for_points);
    let prepared = Prepared::claim(
        &state.in_flight,
        &req,
        key,
        member.key_scope(),
        &fingerprint,
    )?;
    let cmd = ClaimCoupon {
        merchant_id: member.merchant_id,
        member_id: member.member_id,
        template_id: CouponTemplateId::from_uuid(id),
        exchange: for_points,
    };
    let result = state
        .loyalty
        .coupons()
        .claim(cmd, prepared.idempotent())
        .await;
    respond(result, StatusCode::CREATED, render_claim)
}

/// Claims a coupon (free): the template must be open and claimable, with stock left and
/// the member under its limits. 300 members claiming 100 coupons at once get exactly 100.
#[utoipa::path(
    tag = "member",
    params(("id" = Uuid, Path), ("Idempotency-Key" = Option<String>, Header, description = "Replays return the first response")),
    responses((status = 201, body = CouponView), (status = 404, body = Problem), (status = 422, body = Problem, description = "stock_exhausted, coupon_limit_reached, coupon_daily_limit_reached, claim_closed")),
    security(("bearer" = []))
)]
#[post("/coupon-templates/{id}/claim")]
pub async fn claim(
    member: MemberAuth,
    state: web::Data<AppState>,
    req: HttpRequest,
    key: IdempotencyHeader,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    claim_or_exchange(member, state, req, key, id.into_inner(), false).await
}

/// Exchanges points for a coupon (积分兑换券) at the template's points price, spent from the
/// soonest-expiring points first, in the same transaction as the coupon.
#[utoipa::path(
    tag = "member",
    params(("id" = Uuid, Path), ("Idempotency-Key" = Option<String>, Header, description = "Replays return the first response")),
    responses((status = 201, body = CouponView), (status = 404, body = Problem), (status = 422, body = Problem, description = "insufficient_points, stock_exhausted, …")),
    security(("bearer" = []))
)]
#[post("/coupon-templates/{id}/exchange")]
pub async fn exchange(
    member: MemberAuth,
    state: web::Data<AppState>,
    req: HttpRequest,
    key: IdempotencyHeader,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    claim_or_exchange(member, state, req, key, id.into_inner(), true).await
}
