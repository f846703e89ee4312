//! The signed-in member: their profile and consents, and the short-lived code the till
//! scans.

use crate::auth::MemberAuth;
use crate::error::{ApiError, Problem};
use crate::http::json::Json;
use crate::shared::members::MemberView;
use crate::state::AppState;
use actix_web::{HttpResponse, get, patch, web};
use loyalty_core::members::STEP_SECONDS;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

/// Registers this module's endpoints in its audience's scope.
pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(me).service(update_me).service(code);
}

/// The signed-in member.
#[utoipa::path(tag = "member", responses((status = 200, body = MemberView), (status = 401, body = Problem)), security(("bearer" = [])))]
#[get("/me")]
pub async fn me(member: MemberAuth, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let m = state
        .loyalty
        .members()
        .member(member.merchant_id, member.member_id)
        .await?;
    Ok(HttpResponse::Ok().json(MemberView::from(&m)))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConsentChange {
    /// SMS other than login codes.
    pub sms: Option<bool>,
    /// WeChat subscribe messages.
    pub wechat: Option<bool>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProfileRequest {
    /// At most 50 characters; blank clears it.
    #[schema(max_length = 50)]
    pub name: Option<String>,
    /// Set once; a store corrects a wrong one.
    pub birthday: Option<chrono::NaiveDate>,
    /// Which channels the member may be told on.
    pub consent: Option<ConsentChange>,
}

/// The member changes their name, sets their birthday (once), or says which channels they
/// may be told on.
#[utoipa::path(tag = "member", request_body = ProfileRequest, responses((status = 200, body = MemberView), (status = 401, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
#[patch("/me")]
pub async fn update_me(
    member: MemberAuth,
    state: web::Data<AppState>,
    body: Json<ProfileRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let consent = body.consent.unwrap_or(ConsentChange {
        sms: None,
        wechat: None,
    });
    let m = state
        .loyalty
        .members()
        .update_profile(
            member.merchant_id,
            member.member_id,
            loyalty_core::members::ProfileChange {
                name: body.name,
                birthday: body.birthday,
                sms_consent: consent.sms,
                wechat_consent: consent.wechat,
            },
        )
        .await?;
    Ok(HttpResponse::Ok().json(MemberView::from(&m)))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MemberCodeView {
    /// 16 characters to show as text or QR code at the till.
    pub code: String,
    /// When a till stops taking it as current (it is accepted for one more step after).
    pub expires_at: chrono::DateTime<chrono::Utc>,
    /// Fetch a new code this often.
    pub refresh_seconds: i64,
}

/// A short-lived code for the till to identify the member (refresh it every 30 seconds).
#[utoipa::path(tag = "member", responses((status = 200, body = MemberCodeView), (status = 401, body = Problem)), security(("bearer" = [])))]
#[get("/code")]
pub async fn code(
    member: MemberAuth,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let issued = state
        .loyalty
        .members()
        .member_code(&state.member_codes, member.merchant_id, member.member_id)
        .await?;
    Ok(HttpResponse::Ok().json(MemberCodeView {
        code: issued.code,
        expires_at: issued.expires_at,
        refresh_seconds: STEP_SECONDS,
    }))
}
