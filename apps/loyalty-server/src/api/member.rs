use super::PageQuery;
use crate::auth::MemberAuth;
use crate::dto::{LedgerPageView, MemberPointsView, MemberView, TokenView};
use crate::error::{ApiError, Problem};
use crate::state::AppState;
use actix_web::{HttpResponse, get, post, web};
use loyalty_core::types::Phone;
use serde::Deserialize;
use utoipa::ToSchema;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DevLoginRequest {
    pub merchant_code: String,
    pub phone: String,
}

/// Development only (`auth.dev_member_login`): signs a registered member in by merchant code
/// and phone. Answers 404 when disabled.
#[utoipa::path(tag = "member", request_body = DevLoginRequest, responses((status = 200, body = TokenView), (status = 404, body = Problem)))]
#[post("/auth/dev")]
pub async fn dev_login(
    state: web::Data<AppState>,
    body: web::Json<DevLoginRequest>,
) -> Result<HttpResponse, ApiError> {
    if !state.dev_member_login {
        return Err(ApiError::not_found("no such endpoint"));
    }
    let phone = Phone::parse(&body.phone)?;
    let not_found = || ApiError::from(loyalty_core::Error::NotFound("member"));
    let merchant = state
        .loyalty
        .merchant_by_code(&body.merchant_code)
        .await?
        .ok_or_else(not_found)?;
    let member = state.loyalty.member_by_phone(merchant.id, &phone).await?;
    let issued = state
        .tokens
        .issue_member(merchant.id, member.id, chrono::Utc::now())?;
    Ok(HttpResponse::Ok().json(TokenView {
        token: issued.token,
        token_type: "Bearer".into(),
        expires_at: issued.expires_at,
    }))
}

/// The signed-in member.
#[utoipa::path(tag = "member", responses((status = 200, body = MemberView), (status = 401, body = Problem)), security(("bearer" = [])))]
#[get("/me")]
pub async fn me(member: MemberAuth, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let m = state
        .loyalty
        .member(member.merchant_id, member.member_id)
        .await?;
    Ok(HttpResponse::Ok().json(MemberView::from(&m)))
}

/// The member's balance and open lots with their expiry, soonest first.
#[utoipa::path(tag = "member", responses((status = 200, body = MemberPointsView), (status = 401, body = Problem)), security(("bearer" = [])))]
#[get("/points")]
pub async fn points(
    member: MemberAuth,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let (m, lots) = state
        .loyalty
        .points_summary(member.merchant_id, member.member_id)
        .await?;
    Ok(HttpResponse::Ok().json(MemberPointsView {
        balance: m.points_balance.value(),
        lots: lots.iter().map(Into::into).collect(),
    }))
}

/// The member's points history, newest first.
#[utoipa::path(tag = "member", params(PageQuery), responses((status = 200, body = LedgerPageView), (status = 401, body = Problem)), security(("bearer" = [])))]
#[get("/points/ledger")]
pub async fn ledger(
    member: MemberAuth,
    state: web::Data<AppState>,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    super::members::ledger_page(&state, member.merchant_id, member.member_id, &query).await
}
