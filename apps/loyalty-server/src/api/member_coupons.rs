//! A member's coupons: what they can claim (领券中心), claiming and exchanging for points,
//! and their coupons; and staff's view of a member's coupons.

use crate::auth::{MemberAuth, StaffAuth};
use crate::dto::{CouponView, TemplateView};
use crate::error::{ApiError, Problem};
use crate::http::idempotency::{IdempotencyHeader, Prepared, respond};
use crate::http::pagination::{Page, page_limit};
use crate::state::AppState;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use loyalty_core::coupons::CouponStatus;
use loyalty_core::coupons::{ClaimCoupon, HeldCoupon};
use loyalty_core::kernel::{CouponId, CouponTemplateId, MemberId, MerchantId};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct CouponQuery {
    /// `available`, `used`, `returned`, `expired` or `revoked`; every state when absent.
    pub status: Option<String>,
    pub limit: Option<u64>,
    pub cursor: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CouponList {
    pub items: Vec<CouponView>,
    pub next_cursor: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ClaimableList {
    pub items: Vec<TemplateView>,
}

async fn coupons_of(
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
    let scope = format!("member:{}", member.member_id);
    let fingerprint = (id, for_points);
    let prepared = Prepared::claim(
        &state.in_flight,
        &req,
        member.merchant_id,
        scope,
        key,
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
        .claim(cmd, prepared.as_ref().map(Prepared::idempotent))
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
