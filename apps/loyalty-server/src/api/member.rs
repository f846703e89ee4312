use crate::auth::MemberAuth;
use crate::dto::{LedgerPageView, MemberPointsView, MemberView, TokenView};
use crate::error::{ApiError, Problem};
use crate::http::pagination::PageQuery;
use crate::state::AppState;
use actix_web::{HttpResponse, get, patch, post, web};
use loyalty_core::kernel::{OrderId, Phone};
use loyalty_core::points::MemberAction;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

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
        .merchants()
        .by_code(&body.merchant_code)
        .await?
        .ok_or_else(not_found)?;
    let member = state
        .loyalty
        .members()
        .by_phone(merchant.id, &phone)
        .await?;
    let issued = state
        .tokens
        .issue_member(merchant.id, member.id, chrono::Utc::now())?;
    Ok(HttpResponse::Ok().json(TokenView {
        token: issued.token,
        token_type: "Bearer".into(),
        expires_at: issued.expires_at,
    }))
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
    let issued = state
        .tokens
        .issue_member(member.merchant_id, member.id, chrono::Utc::now())?;
    Ok(MemberTokenView {
        token: TokenView {
            token: issued.token,
            token_type: "Bearer".into(),
            expires_at: issued.expires_at,
        },
        member: member.into(),
        registered,
    })
}

/// Signs a member in with a `wx.login()` code; the first login registers the member.
#[utoipa::path(tag = "member", request_body = WeChatLoginRequest, responses((status = 200, body = MemberTokenView), (status = 404, body = Problem), (status = 422, body = Problem, description = "invalid_code"), (status = 503, body = Problem)))]
#[post("/auth/wechat")]
pub async fn wechat_login(
    state: web::Data<AppState>,
    body: web::Json<WeChatLoginRequest>,
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
    #[schema(example = "13800138000")]
    pub phone: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SmsCodeSentView {
    pub expires_at: chrono::DateTime<chrono::Utc>,
    /// The next code for this phone can be asked for after this many seconds.
    pub resend_after_seconds: i64,
}

fn client(state: &AppState, req: &actix_web::HttpRequest) -> std::net::IpAddr {
    crate::throttle::client_ip(req, &state.trusted_proxies)
        .unwrap_or(std::net::IpAddr::from([0, 0, 0, 0]))
}

/// Sends a 6-digit sign-in code by SMS (valid 5 minutes). Per phone: 1 a minute, 5 an hour,
/// 10 a day; per client address as configured; past a limit 429 with `Retry-After`.
#[utoipa::path(tag = "member", request_body = SmsCodeRequest, responses((status = 202, body = SmsCodeSentView), (status = 404, body = Problem), (status = 422, body = Problem), (status = 429, body = Problem)))]
#[post("/auth/sms-codes")]
pub async fn request_sms_code(
    state: web::Data<AppState>,
    req: actix_web::HttpRequest,
    body: web::Json<SmsCodeRequest>,
) -> Result<HttpResponse, ApiError> {
    let phone = Phone::parse(&body.phone)?;
    state.sms_throttle.check(client(&state, &req))?;
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
    body: web::Json<SmsLoginRequest>,
) -> Result<HttpResponse, ApiError> {
    let phone = Phone::parse(&body.phone)?;
    state.sms_throttle.check(client(&state, &req))?;
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
    body: web::Json<BindPhoneRequest>,
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
    let m = state
        .loyalty
        .members()
        .member(member.merchant_id, member.member_id)
        .await?;
    let issued = state.member_codes.issue(&m, chrono::Utc::now());
    Ok(HttpResponse::Ok().json(MemberCodeView {
        code: issued.code,
        expires_at: issued.expires_at,
        refresh_seconds: crate::member_code::STEP_SECONDS,
    }))
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
    body: web::Json<ProfileRequest>,
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

/// The member's balance and open lots with their expiry, soonest first.
#[utoipa::path(tag = "member", responses((status = 200, body = MemberPointsView), (status = 401, body = Problem)), security(("bearer" = [])))]
#[get("/points")]
pub async fn points(
    member: MemberAuth,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let summary = state
        .loyalty
        .points()
        .summary(member.merchant_id, member.member_id)
        .await?;
    Ok(HttpResponse::Ok().json(MemberPointsView {
        balance: summary.member.points_balance.value(),
        debt: summary.member.points_debt.value(),
        lots: summary.lots.iter().map(Into::into).collect(),
        expiring_soon: summary.expiring_soon.value(),
        expiring_before: summary.notice_until,
        tier: summary.tier.as_ref().map(Into::into),
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ActionRequest {
    /// `share` or `review`.
    pub action: String,
    /// For `share`: what was shared (a page or product id), once per member and thing.
    pub reference: Option<String>,
    /// For `review`: the reviewed order (one of the member's own), once per order.
    pub order_id: Option<Uuid>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ActionAwardView {
    pub points: i64,
    pub balance_after: i64,
    pub entry_id: Uuid,
    /// `false` when this action for this thing had earned its points before.
    pub new: bool,
}

/// Earns the points the merchant gives for sharing or for reviewing an order, once per
/// thing, up to the action's daily cap.
#[utoipa::path(tag = "member", request_body = ActionRequest, responses((status = 201, body = ActionAwardView), (status = 200, body = ActionAwardView, description = "earned before"), (status = 404, body = Problem, description = "order_not_found"), (status = 422, body = Problem, description = "action_not_offered, daily_cap_reached")), security(("bearer" = [])))]
#[post("/points/actions")]
pub async fn earn_for_action(
    member: MemberAuth,
    state: web::Data<AppState>,
    body: web::Json<ActionRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let action = match (body.action.as_str(), body.reference, body.order_id) {
        ("share", Some(reference), None) => MemberAction::Share { reference },
        ("review", None, Some(order_id)) => MemberAction::Review {
            order_id: OrderId::from_uuid(order_id),
        },
        ("share", _, _) => {
            return Err(ApiError::invalid(
                "reference",
                "share takes a reference and no order_id",
            ));
        }
        ("review", _, _) => {
            return Err(ApiError::invalid(
                "order_id",
                "review takes an order_id and no reference",
            ));
        }
        _ => return Err(ApiError::invalid("action", "must be share or review")),
    };
    let award = state
        .loyalty
        .points()
        .award_action(member.merchant_id, member.member_id, action)
        .await?;
    let view = ActionAwardView {
        points: award.entry.delta.value(),
        balance_after: award.entry.balance_after.value(),
        entry_id: award.entry.id.as_uuid(),
        new: award.new,
    };
    Ok(if award.new {
        HttpResponse::Created().json(view)
    } else {
        HttpResponse::Ok().json(view)
    })
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
