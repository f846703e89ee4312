//! The merchant wallet (我的钱包) as HQ sees it: its balance and ledger, applying for
//! withdrawals (提现) and following them. The platform's side (payments, reviews) is the platform
//! audience's.

use crate::auth::StaffAuth;
use crate::error::{ApiError, Problem};
use crate::http::idempotency::{IdempotencyHeader, Prepared, respond};
use crate::http::input::money;
use crate::http::json::Json;
use crate::http::pagination::{Page, PageQuery};
use crate::shared::wallet::{
    OwnWithdrawalQuery, WalletEntryView, WithdrawalList, WithdrawalQuery, WithdrawalView,
    withdrawals,
};
use crate::state::AppState;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use loyalty_core::kernel::schema::PositiveMoney;
use loyalty_core::wallet::{RequestWithdrawal, WalletWithdrawal};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

/// Registers this module's endpoints in its audience's scope.
pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(wallet)
        .service(wallet_ledger)
        .service(request_withdrawal)
        .service(my_withdrawals);
}

#[derive(Debug, Serialize, ToSchema)]
pub struct WalletView {
    /// What HQ may withdraw.
    #[schema(example = "1000.00")]
    pub available: String,
    /// What withdrawals under review hold.
    #[schema(example = "0.00")]
    pub pending: String,
}

/// The merchant's wallet (HQ).
#[utoipa::path(tag = "merchant", responses((status = 200, body = WalletView), (status = 403, body = Problem)), security(("bearer" = [])))]
#[get("/wallet")]
pub async fn wallet(
    staff: StaffAuth,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    staff.require_headquarters()?;
    let wallet = state.loyalty.wallet().current(staff.merchant_id).await?;
    Ok(HttpResponse::Ok().json(WalletView {
        available: wallet.available.to_string(),
        pending: wallet.pending.to_string(),
    }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct WalletLedgerView {
    /// Newest first.
    pub items: Vec<WalletEntryView>,
    pub next_cursor: Option<String>,
}

/// Every movement of the wallet, newest first (HQ).
#[utoipa::path(tag = "merchant", params(PageQuery), responses((status = 200, body = WalletLedgerView), (status = 403, body = Problem)), security(("bearer" = [])))]
#[get("/wallet/ledger")]
pub async fn wallet_ledger(
    staff: StaffAuth,
    state: web::Data<AppState>,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    staff.require_headquarters()?;
    let page = Page::checked("wallet_entry", query.limit, query.cursor.as_deref())?;
    let entries = state
        .loyalty
        .wallet()
        .entries(staff.merchant_id, page.before, page.limit)
        .await?;
    Ok(HttpResponse::Ok().json(WalletLedgerView {
        items: entries.iter().map(WalletEntryView::from).collect(),
        next_cursor: page.next(&entries, |e| e.id),
    }))
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WithdrawalRequest {
    #[schema(value_type = PositiveMoney, example = "500.00")]
    pub amount: String,
    /// For the platform: which account, what for (at most 200 characters).
    #[schema(pattern = r"\S", max_length = 200)]
    pub note: Option<String>,
}

fn render_withdrawal(w: &WalletWithdrawal) -> WithdrawalView {
    WithdrawalView::from(w)
}

/// Applies for a withdrawal (HQ): the amount is held until the platform reviews it.
#[utoipa::path(
    tag = "merchant",
    params(("Idempotency-Key" = Option<String>, Header, description = "Replays return the first response")),
    request_body = WithdrawalRequest,
    responses((status = 201, body = WithdrawalView), (status = 403, body = Problem), (status = 422, body = Problem, description = "validation_failed, insufficient_balance, idempotency_key_reused")),
    security(("bearer" = []))
)]
#[post("/wallet/withdrawals")]
pub async fn request_withdrawal(
    staff: StaffAuth,
    state: web::Data<AppState>,
    req: HttpRequest,
    key: IdempotencyHeader,
    body: Json<WithdrawalRequest>,
) -> Result<HttpResponse, ApiError> {
    staff.require_headquarters()?;
    let prepared = Prepared::claim(&state.in_flight, &req, key, staff.key_scope(), &*body)?;
    let body = body.into_inner();
    let cmd = RequestWithdrawal {
        merchant_id: staff.merchant_id,
        amount: money("amount", &body.amount)?,
        note: body.note,
        requested_by: Some(staff.staff_id),
    };
    let result = state
        .loyalty
        .wallet()
        .request_withdrawal(cmd, prepared.idempotent())
        .await;
    respond(result, StatusCode::CREATED, render_withdrawal)
}

/// The merchant's withdrawals, newest first (HQ).
#[utoipa::path(tag = "merchant", params(OwnWithdrawalQuery), responses((status = 200, body = WithdrawalList), (status = 403, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
#[get("/wallet/withdrawals")]
pub async fn my_withdrawals(
    staff: StaffAuth,
    state: web::Data<AppState>,
    query: web::Query<OwnWithdrawalQuery>,
) -> Result<HttpResponse, ApiError> {
    staff.require_headquarters()?;
    let query = WithdrawalQuery::from(query.into_inner());
    withdrawals(&state, Some(staff.merchant_id), &query).await
}
