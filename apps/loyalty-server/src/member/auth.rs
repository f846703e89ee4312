//! Signing a member in: by WeChat, by SMS code, or (development only) by phone; binding the
//! phone of a member who signed in with WeChat.

use crate::auth::MemberAuth;
use crate::error::{ApiError, Problem};
use crate::http::json::Json;
use crate::shared::members::{MemberView, TokenView};
use crate::state::AppState;
use actix_web::{HttpResponse, post, web};
use loyalty_core::kernel::Phone;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

/// Registers this module's endpoints in its audience's scope.
pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(dev_login)
        .service(wechat_login)
        .service(request_sms_code)
        .service(sms_login)
        .service(bind_phone)
        .service(logout);
}

/// Signs the member out everywhere: every token of this member stops working.
#[utoipa::path(tag = "member", responses((status = 204, description = "signed out"), (status = 401, body = Problem)), security(("bearer" = [])))]
#[post("/auth/logout")]
pub async fn logout(
    member: MemberAuth,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    state
        .loyalty
        .members()
        .sign_out(member.merchant_id, member.member_id)
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DevLoginRequest {
    pub merchant_code: String,
    #[schema(
        pattern = "^[ -]*(\\+[ -]*8[ -]*6[ -]*|8[ -]*6[ -]*)?1[ -]*[3-9]([ -]*[0-9]){9}[ -]*$"
    )]
    pub phone: String,
}

/// Development only (`auth.dev_member_login`): signs a registered member in by merchant code
/// and phone. Answers 404 when disabled.
#[utoipa::path(tag = "member", request_body = DevLoginRequest, responses((status = 200, body = TokenView), (status = 404, body = Problem)))]
#[post("/auth/dev")]
pub async fn dev_login(
    state: web::Data<AppState>,
    body: Json<DevLoginRequest>,
) -> Result<HttpResponse, ApiError> {
    if !state.dev_member_login {
        return Err(ApiError::not_found("no such endpoint"));
    }
    let phone = Phone::parse(&body.phone)?;
    let not_found = || ApiError::from(loyalty_core::Error::NotFound(loyalty_core::members::MEMBER));
    let merchant = state
        .loyalty
        .merchants()
        .by_code(&body.merchant_code)
        .await?
        .ok_or_else(not_found)?;
    let member = state
        .loyalty
        .members()
        .by_phone(merchant.id, &phone)
        .await?;
    let issued = state.tokens.issue_member(&member, chrono::Utc::now())?;
    Ok(HttpResponse::Ok().json(TokenView::from(issued)))
}

fn wechat(state: &AppState) -> Result<&dyn loyalty_core::members::WeChatAuth, ApiError> {
    state
        .wechat
        .as_deref()
        .ok_or_else(|| ApiError::not_found("WeChat sign-in is not enabled (wechat.mode)"))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WeChatLoginRequest {
    /// The merchant whose mini-program this is.
    pub merchant_code: String,
    /// The code from `wx.login()`.
    pub code: String,
    /// The invite code of the member who invited this one (first login only).
    pub invite_code: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MemberTokenView {
    #[serde(flatten)]
    pub token: TokenView,
    pub member: MemberView,
    /// `true` when this login registered the member.
    pub registered: bool,
}

fn member_token(
    state: &AppState,
    member: &loyalty_core::members::Member,
    registered: bool,
) -> Result<MemberTokenView, ApiError> {
    let issued = state.tokens.issue_member(member, chrono::Utc::now())?;
    Ok(MemberTokenView {
        token: issued.into(),
        member: member.into(),
        registered,
    })
}

/// Signs a member in with a `wx.login()` code; the first login registers the member.
#[utoipa::path(tag = "member", request_body = WeChatLoginRequest, responses((status = 200, body = MemberTokenView), (status = 404, body = Problem), (status = 422, body = Problem, description = "invalid_code"), (status = 503, body = Problem)))]
#[post("/auth/wechat")]
pub async fn wechat_login(
    state: web::Data<AppState>,
    body: Json<WeChatLoginRequest>,
) -> Result<HttpResponse, ApiError> {
    let login = state
        .loyalty
        .members()
        .login_with_wechat(
            wechat(&state)?,
            &body.merchant_code,
            &body.code,
            body.invite_code.as_deref(),
        )
        .await?;
    Ok(HttpResponse::Ok().json(member_token(&state, &login.member, login.registered)?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SmsCodeRequest {
    pub merchant_code: String,
    #[schema(
        example = "13800138000",
        pattern = "^[ -]*(\\+[ -]*8[ -]*6[ -]*|8[ -]*6[ -]*)?1[ -]*[3-9]([ -]*[0-9]){9}[ -]*$"
    )]
    pub phone: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SmsCodeSentView {
    pub expires_at: chrono::DateTime<chrono::Utc>,
    /// The next code for this phone can be asked for after this many seconds.
    pub resend_after_seconds: i64,
}

/// Sends a 6-digit sign-in code by SMS (valid 5 minutes). Per phone: 1 a minute, 5 an hour,
/// 10 a day; per client address as configured; past a limit 429 with `Retry-After`.
#[utoipa::path(tag = "member", request_body = SmsCodeRequest, responses((status = 202, body = SmsCodeSentView), (status = 404, body = Problem), (status = 422, body = Problem), (status = 429, body = Problem)))]
#[post("/auth/sms-codes")]
pub async fn request_sms_code(
    state: web::Data<AppState>,
    req: actix_web::HttpRequest,
    body: Json<SmsCodeRequest>,
) -> Result<HttpResponse, ApiError> {
    let phone = Phone::parse(&body.phone)?;
    state.sms_throttle.check(&state.client_ip(&req))?;
    let expires_at = state
        .loyalty
        .members()
        .request_login_code(&body.merchant_code, &phone)
        .await?;
    Ok(HttpResponse::Accepted().json(SmsCodeSentView {
        expires_at,
        resend_after_seconds: 60,
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SmsLoginRequest {
    pub merchant_code: String,
    #[schema(
        pattern = "^[ -]*(\\+[ -]*8[ -]*6[ -]*|8[ -]*6[ -]*)?1[ -]*[3-9]([ -]*[0-9]){9}[ -]*$"
    )]
    pub phone: String,
    /// The 6 digits received by SMS.
    pub code: String,
}

/// Signs in with the SMS code; the first sign-in registers the member. A code works once, for
/// 5 minutes, and dies after 5 wrong tries.
#[utoipa::path(tag = "member", request_body = SmsLoginRequest, responses((status = 200, body = MemberTokenView), (status = 422, body = Problem, description = "invalid_code"), (status = 429, body = Problem)))]
#[post("/auth/sms")]
pub async fn sms_login(
    state: web::Data<AppState>,
    req: actix_web::HttpRequest,
    body: Json<SmsLoginRequest>,
) -> Result<HttpResponse, ApiError> {
    let phone = Phone::parse(&body.phone)?;
    state.sms_throttle.check(&state.client_ip(&req))?;
    let login = state
        .loyalty
        .members()
        .login_with_sms(&body.merchant_code, &phone, &body.code)
        .await?;
    Ok(HttpResponse::Ok().json(member_token(&state, &login.member, login.registered)?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BindPhoneRequest {
    /// The code from the `getPhoneNumber` button.
    pub code: String,
}

/// Binds the phone from a WeChat phone code. When a member registered at the till already has
/// this phone and this WeChat account is still empty, the two become one: the answer carries
/// that member and a new token for it (`registered` is false).
#[utoipa::path(tag = "member", request_body = BindPhoneRequest, responses((status = 200, body = MemberTokenView), (status = 409, body = Problem, description = "phone_taken"), (status = 422, body = Problem)), security(("bearer" = [])))]
#[post("/phone")]
pub async fn bind_phone(
    member: MemberAuth,
    state: web::Data<AppState>,
    body: Json<BindPhoneRequest>,
) -> Result<HttpResponse, ApiError> {
    let binding = state
        .loyalty
        .members()
        .bind_wechat_phone(
            wechat(&state)?,
            member.merchant_id,
            member.member_id,
            &body.code,
        )
        .await?;
    tracing::info!(member = %binding.member.id, merged = binding.merged, phone = ?binding.member.phone, "phone bound");
    Ok(HttpResponse::Ok().json(member_token(&state, &binding.member, false)?))
}
