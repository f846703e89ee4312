use crate::auth::StaffAuth;
use crate::dto::{LedgerEntryView, LedgerPageView, MemberView};
use crate::error::{ApiError, Problem};
use crate::http::idempotency::{IdempotencyHeader, Prepared, respond};
use crate::http::pagination::{PageQuery, cursor, position};
use crate::state::AppState;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use chrono::NaiveDate;
use loyalty_core::kernel::{MemberId, Phone, Points, StoreId};
use loyalty_core::members::RegisterMember;
use loyalty_core::points::AdjustPoints;
use loyalty_core::points::LedgerEntry;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegisterMemberRequest {
    /// A mainland mobile number; `+86`, spaces and dashes are accepted.
    #[schema(example = "13800138000")]
    pub phone: String,
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
    body: web::Json<RegisterMemberRequest>,
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
    pub phone: Option<String>,
    /// 1–100, default 20.
    pub limit: Option<u64>,
    /// From a previous page's `next_cursor`.
    pub cursor: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MemberListView {
    pub items: Vec<MemberView>,
    pub next_cursor: Option<String>,
}

/// The merchant's members in registration order, page by page; or the member with `phone`
/// (an empty list when none matches).
#[utoipa::path(tag = "merchant", params(MemberListQuery), responses((status = 200, body = MemberListView), (status = 422, body = Problem)), security(("bearer" = [])))]
#[get("/members")]
pub async fn find_members(
    staff: StaffAuth,
    state: web::Data<AppState>,
    query: web::Query<MemberListQuery>,
) -> Result<HttpResponse, ApiError> {
    if let Some(phone) = &query.phone {
        let phone = Phone::parse(phone)?;
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

/// The member's points history, newest first.
#[utoipa::path(tag = "merchant", params(("id" = Uuid, Path), PageQuery), responses((status = 200, body = LedgerPageView), (status = 404, body = Problem)), security(("bearer" = [])))]
#[get("/members/{id}/points/ledger")]
pub async fn member_ledger(
    staff: StaffAuth,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    ledger_page(
        &state,
        staff.merchant_id,
        MemberId::from_uuid(id.into_inner()),
        &query,
    )
    .await
}

pub async fn ledger_page(
    state: &AppState,
    merchant: loyalty_core::kernel::MerchantId,
    member: MemberId,
    query: &PageQuery,
) -> Result<HttpResponse, ApiError> {
    let page = state
        .loyalty
        .points()
        .ledger(
            merchant,
            member,
            position("seq", query.cursor.as_deref())?,
            query.limit(),
        )
        .await?;
    Ok(HttpResponse::Ok().json(LedgerPageView {
        items: page.entries.iter().map(Into::into).collect(),
        next_cursor: page.next_before_seq.map(|seq| cursor("seq", seq)),
    }))
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AdjustPointsRequest {
    /// Points to add (positive) or take (negative).
    pub delta: i64,
    /// Why: required, shown to the member and kept in the audit trail.
    pub reason: String,
    pub store_id: Option<Uuid>,
}

fn render_entry(entry: &LedgerEntry) -> LedgerEntryView {
    LedgerEntryView::from(entry)
}

/// Adds or takes points by hand, with a mandatory reason (owner or admin).
#[utoipa::path(
    tag = "merchant",
    request_body = AdjustPointsRequest,
    params(("id" = Uuid, Path), ("Idempotency-Key" = Option<String>, Header, description = "Replays return the first response")),
    responses((status = 201, body = LedgerEntryView), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem, description = "validation_failed, insufficient_points, idempotency_key_reused")),
    security(("bearer" = []))
)]
#[post("/members/{id}/points/adjustments")]
pub async fn adjust_points(
    staff: StaffAuth,
    state: web::Data<AppState>,
    req: HttpRequest,
    key: IdempotencyHeader,
    id: web::Path<Uuid>,
    body: web::Json<AdjustPointsRequest>,
) -> Result<HttpResponse, ApiError> {
    staff.require_headquarters()?;
    let prepared = Prepared::claim(
        &state.in_flight,
        &req,
        staff.merchant_id,
        staff.scope(),
        key,
        &*body,
    )?;
    let body = body.into_inner();
    let cmd = AdjustPoints {
        merchant_id: staff.merchant_id,
        member_id: MemberId::from_uuid(id.into_inner()),
        delta: Points::new(body.delta),
        reason: body.reason,
        store_id: body.store_id.map(StoreId::from_uuid),
        operator_id: Some(staff.staff_id),
    };
    let result = state
        .loyalty
        .points()
        .adjust(cmd, prepared.as_ref().map(Prepared::idempotent))
        .await;
    respond(result, StatusCode::CREATED, render_entry)
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
    body: web::Json<ResolveCodeRequest>,
) -> Result<HttpResponse, ApiError> {
    let invalid = || {
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_member_code",
            "not a current member code of this merchant",
        )
    };
    let handle = crate::member_code::MemberCodes::handle(&body.code).ok_or_else(invalid)?;
    let member = match state
        .loyalty
        .members()
        .by_invite_code(staff.merchant_id, handle)
        .await
    {
        Ok(member) => member,
        Err(loyalty_core::Error::NotFound(_)) => return Err(invalid()),
        Err(e) => return Err(e.into()),
    };
    let step = state
        .member_codes
        .verify(&body.code, &member, chrono::Utc::now())
        .ok_or_else(invalid)?;
    state
        .loyalty
        .members()
        .claim_member_code(staff.merchant_id, member.id, step)
        .await?;
    Ok(HttpResponse::Ok().json(MemberView::for_staff(&member, &staff)))
}
