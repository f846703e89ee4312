//! The merchant wallet (我的钱包): HQ sees it and its ledger and applies for withdrawals
//! (提现); the platform records payments by the merchant's payment code and reviews (审核)
//! withdrawals.

use crate::auth::{PlatformAuth, StaffAuth};
use crate::dto::{WalletEntryView, WithdrawalView};
use crate::error::{ApiError, Problem};
use crate::http::idempotency::{IdempotencyHeader, Prepared, respond};
use crate::http::input::money;
use crate::http::pagination::{Page, PageQuery};
use crate::state::AppState;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use loyalty_core::kernel::{MerchantId, WithdrawalId};
use loyalty_core::wallet::{RecordPayment, RequestWithdrawal, ReviewWithdrawal};
use loyalty_core::wallet::{WalletEntry, WalletWithdrawal, WithdrawalStatus};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

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
    #[schema(example = "500.00")]
    pub amount: String,
    /// For the platform: which account, what for (at most 200 characters).
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
    body: web::Json<WithdrawalRequest>,
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
    let cmd = RequestWithdrawal {
        merchant_id: staff.merchant_id,
        amount: money("amount", &body.amount)?,
        note: body.note,
        requested_by: Some(staff.staff_id),
    };
    let result = state
        .loyalty
        .wallet()
        .request_withdrawal(cmd, prepared.as_ref().map(Prepared::idempotent))
        .await;
    respond(result, StatusCode::CREATED, render_withdrawal)
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct WithdrawalQuery {
    /// `pending`, `approved` or `rejected`; any when absent.
    pub status: Option<String>,
    /// The platform only: one merchant's.
    pub merchant_id: Option<Uuid>,
    pub limit: Option<u64>,
    pub cursor: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct WithdrawalList {
    pub items: Vec<WithdrawalView>,
    pub next_cursor: Option<String>,
}

async fn list(
    state: &AppState,
    merchant: Option<MerchantId>,
    query: &WithdrawalQuery,
) -> Result<HttpResponse, ApiError> {
    let status = match query.status.as_deref() {
        None => None,
        Some(s) => Some(
            WithdrawalStatus::parse(s)
                .ok_or_else(|| ApiError::invalid("status", "one of pending, approved, rejected"))?,
        ),
    };
    let page = Page::<WithdrawalId>::checked("withdrawal", query.limit, query.cursor.as_deref())?;
    let items = state
        .loyalty
        .wallet()
        .withdrawals(merchant, status, page.before, page.limit)
        .await?;
    Ok(HttpResponse::Ok().json(WithdrawalList {
        items: items.iter().map(WithdrawalView::from).collect(),
        next_cursor: page.next(&items, |w| w.id),
    }))
}

/// The merchant's withdrawals, newest first (HQ).
#[utoipa::path(tag = "merchant", params(WithdrawalQuery), responses((status = 200, body = WithdrawalList), (status = 403, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
#[get("/wallet/withdrawals")]
pub async fn my_withdrawals(
    staff: StaffAuth,
    state: web::Data<AppState>,
    query: web::Query<WithdrawalQuery>,
) -> Result<HttpResponse, ApiError> {
    staff.require_headquarters()?;
    if query.merchant_id.is_some() {
        return Err(ApiError::invalid("merchant_id", "is for the platform only"));
    }
    list(&state, Some(staff.merchant_id), &query).await
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PaymentRequest {
    /// The payment provider's transaction id: a payment lands once (409 `already_applied`).
    #[schema(example = "4200001234202612010000000001")]
    pub payment_ref: String,
    #[schema(example = "128.80")]
    pub amount: String,
}

fn render_payment(entry: &WalletEntry) -> WalletEntryView {
    WalletEntryView::from(entry)
}

/// Records a settled payment by the merchant's payment code (收款码) in its wallet (the
/// platform, or the payment adapter it runs).
#[utoipa::path(
    tag = "platform",
    params(("id" = Uuid, Path), ("Idempotency-Key" = Option<String>, Header, description = "Replays return the first response")),
    request_body = PaymentRequest,
    responses((status = 201, body = WalletEntryView), (status = 401, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem, description = "already_applied"), (status = 422, body = Problem)),
    security(("platform_key" = []))
)]
#[post("/merchants/{id}/wallet/payments")]
pub async fn record_payment(
    _: PlatformAuth,
    state: web::Data<AppState>,
    req: HttpRequest,
    key: IdempotencyHeader,
    id: web::Path<Uuid>,
    body: web::Json<PaymentRequest>,
) -> Result<HttpResponse, ApiError> {
    let merchant_id = MerchantId::from_uuid(id.into_inner());
    let prepared = Prepared::claim(
        &state.in_flight,
        &req,
        merchant_id,
        "platform".into(),
        key,
        &*body,
    )?;
    let body = body.into_inner();
    let cmd = RecordPayment {
        merchant_id,
        payment_ref: body.payment_ref,
        amount: money("amount", &body.amount)?,
    };
    let result = state
        .loyalty
        .wallet()
        .record_payment(cmd, prepared.as_ref().map(Prepared::idempotent))
        .await;
    respond(result, StatusCode::CREATED, render_payment)
}

/// Withdrawals of every merchant, newest first (the platform's review queue with
/// `?status=pending`).
#[utoipa::path(tag = "platform", params(WithdrawalQuery), responses((status = 200, body = WithdrawalList), (status = 401, body = Problem), (status = 422, body = Problem)), security(("platform_key" = [])))]
#[get("/withdrawals")]
pub async fn platform_withdrawals(
    _: PlatformAuth,
    state: web::Data<AppState>,
    query: web::Query<WithdrawalQuery>,
) -> Result<HttpResponse, ApiError> {
    list(&state, query.merchant_id.map(MerchantId::from_uuid), &query).await
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReviewRequest {
    /// The platform's reason (required to reject; at most 200 characters), told to HQ.
    pub note: Option<String>,
}

async fn review(
    state: &AppState,
    id: Uuid,
    approve: bool,
    note: Option<String>,
) -> Result<HttpResponse, ApiError> {
    let reviewed = state
        .loyalty
        .wallet()
        .review_withdrawal(ReviewWithdrawal {
            id: WithdrawalId::from_uuid(id),
            approve,
            note,
        })
        .await?;
    Ok(HttpResponse::Ok().json(WithdrawalView::from(&reviewed)))
}

/// Approves a pending withdrawal (body `{}` or with a note): it is paid out and HQ is told
/// (scene `withdrawal_reviewed`). A withdrawal is reviewed once: approving it again answers
/// it as approved and changes nothing; one rejected answers 409.
#[utoipa::path(tag = "platform", params(("id" = Uuid, Path)), request_body = ReviewRequest, responses((status = 200, body = WithdrawalView), (status = 401, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem, description = "withdrawal_already_reviewed"), (status = 422, body = Problem)), security(("platform_key" = [])))]
#[post("/withdrawals/{id}/approve")]
pub async fn approve_withdrawal(
    _: PlatformAuth,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    body: web::Json<ReviewRequest>,
) -> Result<HttpResponse, ApiError> {
    review(&state, id.into_inner(), true, body.into_inner().note).await
}

/// Rejects a pending withdrawal with a reason: the amount goes back to what is available
/// and HQ is told. A withdrawal is reviewed once: rejecting it again answers it as rejected
/// and changes nothing; one approved answers 409.
#[utoipa::path(tag = "platform", params(("id" = Uuid, Path)), request_body = ReviewRequest, responses((status = 200, body = WithdrawalView), (status = 401, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem, description = "withdrawal_already_reviewed"), (status = 422, body = Problem)), security(("platform_key" = [])))]
#[post("/withdrawals/{id}/reject")]
pub async fn reject_withdrawal(
    _: PlatformAuth,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    body: web::Json<ReviewRequest>,
) -> Result<HttpResponse, ApiError> {
    review(&state, id.into_inner(), false, body.into_inner().note).await
}
