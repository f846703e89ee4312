//! Members at the till: registering them by phone, finding them, and identifying one by the
//! code from their mini-program.

use crate::auth::StaffAuth;
use crate::error::{ApiError, Problem};
use crate::http::json::Json;
use crate::http::pagination::{cursor, position};
use crate::shared::members::MemberView;
use crate::state::AppState;
use actix_web::{HttpResponse, get, post, web};
use chrono::NaiveDate;
use loyalty_core::kernel::{MemberId, Phone, StoreId};
use loyalty_core::members::RegisterMember;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

/// Registers this module's endpoints in its audience's scope.
pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(register_member)
        .service(find_members)
        .service(get_member)
        .service(resolve_member_code);
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegisterMemberRequest {
    /// A mainland mobile number; `+86`, spaces and dashes are accepted.
    #[schema(
        example = "13800138000",
        pattern = "^[ -]*(\\+[ -]*8[ -]*6[ -]*|8[ -]*6[ -]*)?1[ -]*[3-9]([ -]*[0-9]){9}[ -]*$"
    )]
    pub phone: String,
    /// At most 50 characters.
    #[schema(max_length = 50)]
    pub name: Option<String>,
    pub birthday: Option<NaiveDate>,
    /// Where the member registers; the default store when absent.
    pub store_id: Option<Uuid>,
}

/// Registers a member at the till by phone.
#[utoipa::path(tag = "merchant", request_body = RegisterMemberRequest, responses((status = 201, body = MemberView), (status = 409, body = Problem, description = "member_exists"), (status = 422, body = Problem)), security(("bearer" = [])))]
#[post("/members")]
pub async fn register_member(
    staff: StaffAuth,
    state: web::Data<AppState>,
    body: Json<RegisterMemberRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let cmd = RegisterMember {
        merchant_id: staff.merchant_id,
        phone: Phone::parse(&body.phone)?,
        name: body.name,
        birthday: body.birthday,
        store_id: staff.store_for(body.store_id.map(StoreId::from_uuid))?,
    };
    let member = state.loyalty.members().register(cmd).await?;
    tracing::info!(member = %member.id, phone = ?member.phone, "member registered");
    Ok(HttpResponse::Created().json(MemberView::for_staff(&member, &staff)))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct MemberListQuery {
    /// Find the member with this phone number (then no paging).
    #[param(
        pattern = "^[ -]*(\\+[ -]*8[ -]*6[ -]*|8[ -]*6[ -]*)?1[ -]*[3-9]([ -]*[0-9]){9}[ -]*$"
    )]
    pub phone: Option<String>,
    /// 1–100, default 20.
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<u64>,
    /// From a previous page's `next_cursor`.
    pub cursor: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MemberListView {
    pub items: Vec<MemberView>,
    pub next_cursor: Option<String>,
}

/// The merchant's members in registration order, page by page (not for cashiers); or the
/// member with `phone` (an empty list when none matches; store staff are limited to
/// `auth.member_lookups_per_staff_per_minute`).
#[utoipa::path(tag = "merchant", params(MemberListQuery), responses((status = 200, body = MemberListView), (status = 403, body = Problem, description = "a cashier paging"), (status = 422, body = Problem), (status = 429, body = Problem, description = "too many lookups; see Retry-After")), security(("bearer" = [])))]
#[get("/members")]
pub async fn find_members(
    staff: StaffAuth,
    state: web::Data<AppState>,
    query: web::Query<MemberListQuery>,
) -> Result<HttpResponse, ApiError> {
    if let Some(phone) = &query.phone {
        let phone = Phone::parse(phone)?;
        // Store staff look members up one at a time, not by trying every number.
        if !staff.role.is_headquarters() {
            state.member_lookups.check(&staff.staff_id)?;
        }
        let items = match state
            .loyalty
            .members()
            .by_phone(staff.merchant_id, &phone)
            .await
        {
            Ok(member) => vec![MemberView::for_staff(&member, &staff)],
            Err(loyalty_core::Error::NotFound(_)) => vec![],
            Err(e) => return Err(e.into()),
        };
        return Ok(HttpResponse::Ok().json(MemberListView {
            items,
            next_cursor: None,
        }));
    }
    if !staff.sees_full_phones() {
        return Err(ApiError::forbidden(
            "cashiers find members by phone or member code, not by paging through them",
        ));
    }
    let after = position::<MemberId>("member", query.cursor.as_deref())?;
    let (members, next) = state
        .loyalty
        .members()
        .list(staff.merchant_id, after, query.limit.unwrap_or(20))
        .await?;
    let items = members
        .iter()
        .map(|m| MemberView::for_staff(m, &staff))
        .collect();
    Ok(HttpResponse::Ok().json(MemberListView {
        items,
        next_cursor: next.map(|id| cursor("member", id)),
    }))
}

/// One member.
#[utoipa::path(tag = "merchant", params(("id" = Uuid, Path)), responses((status = 200, body = MemberView), (status = 404, body = Problem)), security(("bearer" = [])))]
#[get("/members/{id}")]
pub async fn get_member(
    staff: StaffAuth,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let member = state
        .loyalty
        .members()
        .member(staff.merchant_id, MemberId::from_uuid(id.into_inner()))
        .await?;
    Ok(HttpResponse::Ok().json(MemberView::for_staff(&member, &staff)))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResolveCodeRequest {
    /// The code the member shows (scanned or typed).
    pub code: String,
}

/// Identifies a member by the code from their mini-program. A code is good for about a
/// minute and once: a second scan answers 409 `member_code_used`.
#[utoipa::path(tag = "merchant", request_body = ResolveCodeRequest, responses((status = 200, body = MemberView), (status = 409, body = Problem, description = "member_code_used"), (status = 422, body = Problem, description = "invalid_member_code")), security(("bearer" = [])))]
#[post("/member-codes/resolve")]
pub async fn resolve_member_code(
    staff: StaffAuth,
    state: web::Data<AppState>,
    body: Json<ResolveCodeRequest>,
) -> Result<HttpResponse, ApiError> {
    let member = state
        .loyalty
        .members()
        .resolve_member_code(&state.member_codes, staff.merchant_id, &body.code)
        .await?;
    Ok(HttpResponse::Ok().json(MemberView::for_staff(&member, &staff)))
}
