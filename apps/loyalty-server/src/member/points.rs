//! The member's points: balance, lots and their expiry, tier progress, the ledger, and
//! points earned for sharing or reviewing.

use crate::auth::MemberAuth;
use crate::error::{ApiError, Problem};
use crate::http::json::Json;
use crate::http::pagination::{PageQuery, cursor, position};
use crate::shared::points::{LedgerPageView, ledger_page};
use crate::state::AppState;
use actix_web::{HttpResponse, get, post, web};
use chrono::{DateTime, SecondsFormat, Utc};
use loyalty_core::kernel::OrderId;
use loyalty_core::points::{MemberAction, OpenLot};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

/// Registers this module's endpoints in its audience's scope.
pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(points)
        .service(lots)
        .service(ledger)
        .service(earn_for_action);
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
        lots_next_cursor: summary.more_lots_after.map(lots_cursor),
        expiring_soon: summary.expiring_soon.value(),
        expiring_before: summary.notice_until,
        tier: summary.tier.as_ref().map(Into::into),
    }))
}

/// The kind of a cursor into a member's lots: the expiry of a page's last lot.
const LOTS: &str = "lots";

fn lots_cursor(after: DateTime<Utc>) -> String {
    cursor(LOTS, after.to_rfc3339_opts(SecondsFormat::AutoSi, true))
}

/// The member's open lots with their expiry, soonest first, a page at a time (the points
/// page shows the first ones; a member with years of purchases holds hundreds).
#[utoipa::path(tag = "member", params(PageQuery), responses((status = 200, body = LotsPageView), (status = 401, body = Problem), (status = 422, body = Problem, description = "invalid_cursor, validation_failed")), security(("bearer" = [])))]
#[get("/points/lots")]
pub async fn lots(
    member: MemberAuth,
    state: web::Data<AppState>,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let page = state
        .loyalty
        .points()
        .lots(
            member.merchant_id,
            member.member_id,
            position(LOTS, query.cursor.as_deref())?,
            query.limit(),
        )
        .await?;
    Ok(HttpResponse::Ok().json(LotsPageView {
        items: page.lots.iter().map(Into::into).collect(),
        next_cursor: page.next_after.map(lots_cursor),
    }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LotsPageView {
    pub items: Vec<ExpiringLotView>,
    /// Pass as `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

/// The member's points history, newest first.
#[utoipa::path(tag = "member", params(PageQuery), responses((status = 200, body = LedgerPageView), (status = 401, body = Problem)), security(("bearer" = [])))]
#[get("/points/ledger")]
pub async fn ledger(
    member: MemberAuth,
    state: web::Data<AppState>,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    ledger_page(&state, member.merchant_id, member.member_id, &query).await
}

/// An action that earns points, by its `action`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(tag = "action", rename_all = "snake_case", deny_unknown_fields)]
pub enum ActionRequest {
    /// Sharing a page or a product: once per member and `reference`.
    Share {
        /// What was shared (a page or product id).
        #[schema(pattern = "^[!-~]{1,64}$")]
        reference: String,
    },
    /// Reviewing an order of the member's own: once per order.
    Review { order_id: Uuid },
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
    body: Json<ActionRequest>,
) -> Result<HttpResponse, ApiError> {
    let action = match body.into_inner() {
        ActionRequest::Share { reference } => MemberAction::Share { reference },
        ActionRequest::Review { order_id } => MemberAction::Review {
            order_id: OrderId::from_uuid(order_id),
        },
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

#[derive(Debug, Serialize, ToSchema)]
pub struct MemberPointsView {
    pub balance: i64,
    /// Points owed (see `points_debt` of a member); the balance net of it is
    /// `balance − debt`.
    pub debt: i64,
    /// The first 20 open lots, soonest-expiring first: what expires when.
    pub lots: Vec<ExpiringLotView>,
    /// More lots follow: pass as `cursor` to `GET /member/points/lots` for the rest.
    pub lots_next_cursor: Option<String>,
    /// Points that expire within the merchant's notice period.
    pub expiring_soon: i64,
    /// The end of that period (absent: the merchant does not announce expiry).
    pub expiring_before: Option<DateTime<Utc>>,
    /// The tier and the way to the next one; absent when the merchant has no tiers.
    pub tier: Option<TierProgressView>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ExpiringLotView {
    pub points: i64,
    /// Absent: these points never expire.
    pub expires_at: Option<DateTime<Utc>>,
}

impl From<&OpenLot> for ExpiringLotView {
    fn from(l: &OpenLot) -> Self {
        Self {
            points: l.remaining.value(),
            expires_at: l.expires_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TierProgressView {
    pub code: String,
    pub name: String,
    /// The growth value in the window the ladder counts.
    pub growth: i64,
    /// `fen` (spend, top-up) or `points` (points earned).
    pub unit: String,
    pub benefits: loyalty_core::tiers::TierBenefits,
    pub next: Option<NextTierView>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct NextTierView {
    pub code: String,
    pub name: String,
    pub threshold: i64,
    /// Growth value still needed.
    pub remaining: i64,
}

impl From<&loyalty_core::tiers::TierProgress> for TierProgressView {
    fn from(p: &loyalty_core::tiers::TierProgress) -> Self {
        Self {
            code: p.tier.code.clone(),
            name: p.tier.name.clone(),
            growth: p.growth,
            unit: p.unit.to_owned(),
            benefits: p.tier.benefits.clone(),
            next: p.next.as_ref().map(|n| NextTierView {
                code: n.code.clone(),
                name: n.name.clone(),
                threshold: n.threshold,
                remaining: n.remaining,
            }),
        }
    }
}
