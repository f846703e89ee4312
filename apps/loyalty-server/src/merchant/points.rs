//! Points as staff handle them: a member's ledger, adjustments by hand (HQ), the what-if of a
//! proposed earning policy and the points liability (HQ).

use crate::auth::StaffAuth;
use crate::error::{ApiError, Problem};
use crate::http::idempotency::{IdempotencyHeader, Prepared, respond};
use crate::http::json::Json;
use crate::http::pagination::PageQuery;
use crate::shared::points::{LedgerEntryView, LedgerPageView, ledger_page};
use crate::state::AppState;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use loyalty_core::kernel::schema::PointsDelta;
use loyalty_core::kernel::{MemberId, Points, StoreId};
use loyalty_core::points::{AdjustPoints, EarningPolicy, LedgerEntry};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

/// Registers this module's endpoints in its audience's scope.
pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(member_ledger)
        .service(adjust_points)
        .service(simulate_earning)
        .service(liability);
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

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AdjustPointsRequest {
    /// Points to add (positive) or take (negative).
    #[schema(value_type = PointsDelta)]
    pub delta: i64,
    /// Why: required, shown to the member and kept in the audit trail (at most 200
    /// characters).
    #[schema(pattern = r"\S", max_length = 200)]
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
    body: Json<AdjustPointsRequest>,
) -> Result<HttpResponse, ApiError> {
    staff.require_headquarters()?;
    let prepared = Prepared::claim(&state.in_flight, &req, key, staff.key_scope(), &*body)?;
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
        .adjust(cmd, prepared.idempotent())
        .await;
    respond(result, StatusCode::CREATED, render_entry)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SimulateRequest {
    /// The proposed earning policy.
    pub policy: EarningPolicy,
    /// How many days of orders to run it over (1–366, default 30).
    #[schema(minimum = 1, maximum = 366)]
    pub days: Option<u32>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StoreSimulationView {
    pub store_id: Uuid,
    pub orders: u64,
    pub issued: i64,
    pub proposed: i64,
    pub difference: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SimulationView {
    pub days: u32,
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub orders: u64,
    /// Points the orders earned when they were committed.
    pub issued: i64,
    /// Points the proposed policy would have issued.
    pub proposed: i64,
    pub difference: i64,
    pub stores: Vec<StoreSimulationView>,
}

/// What-if: the points a proposed earning policy would have issued over the last N days
/// of orders, against what was issued, in total and per store (HQ only; nothing changes).
#[utoipa::path(tag = "merchant", request_body = SimulateRequest, responses((status = 200, body = SimulationView), (status = 403, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
#[post("/settings/earning/simulate")]
pub async fn simulate_earning(
    staff: StaffAuth,
    state: web::Data<AppState>,
    body: Json<SimulateRequest>,
) -> Result<HttpResponse, ApiError> {
    staff.require_headquarters()?;
    let body = body.into_inner();
    let sim = state
        .loyalty
        .points()
        .simulate_earning(staff.merchant_id, &body.policy, body.days.unwrap_or(30))
        .await?;
    Ok(HttpResponse::Ok().json(SimulationView {
        days: sim.days,
        from: sim.from,
        to: sim.to,
        orders: sim.orders,
        issued: sim.issued.value(),
        proposed: sim.proposed.value(),
        difference: sim.proposed.value() - sim.issued.value(),
        stores: sim
            .stores
            .iter()
            .map(|s| StoreSimulationView {
                store_id: s.store_id.as_uuid(),
                orders: s.orders,
                issued: s.issued.value(),
                proposed: s.proposed.value(),
                difference: s.proposed.value() - s.issued.value(),
            })
            .collect(),
    }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct LiabilityQuery {
    /// Also count the points that expire within this many days (1–366, default 30).
    #[param(minimum = 1, maximum = 366)]
    pub expiring_days: Option<u32>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LiabilityView {
    /// Points the members hold.
    pub outstanding_points: i64,
    /// Their value at the merchant's point value, rounded down to the fen.
    #[schema(example = "1234.56")]
    pub value: String,
    pub members_with_points: u64,
    pub expiring_points: i64,
    pub expiring_days: u32,
    /// `points` points are worth `money`.
    pub point_value_points: i64,
    pub point_value_money: String,
    pub at: DateTime<Utc>,
}

/// The points liability: what the merchant owes its members in points and money (HQ only).
#[utoipa::path(tag = "merchant", params(LiabilityQuery), responses((status = 200, body = LiabilityView), (status = 403, body = Problem)), security(("bearer" = [])))]
#[get("/points/liability")]
pub async fn liability(
    staff: StaffAuth,
    state: web::Data<AppState>,
    query: web::Query<LiabilityQuery>,
) -> Result<HttpResponse, ApiError> {
    staff.require_headquarters()?;
    let l = state
        .loyalty
        .points()
        .liability(staff.merchant_id, query.expiring_days.unwrap_or(30))
        .await?;
    Ok(HttpResponse::Ok().json(LiabilityView {
        outstanding_points: l.outstanding.value(),
        value: l.value.to_string(),
        members_with_points: l.members_with_points,
        expiring_points: l.expiring.value(),
        expiring_days: l.expiring_days,
        point_value_points: l.point_value.points.value(),
        point_value_money: l.point_value.money.to_string(),
        at: l.at,
    }))
}
