//! The merchants' withdrawals (提现) as the platform reviews (审核) them.

use crate::auth::PlatformAuth;
use crate::error::{ApiError, Problem};
use crate::http::json::Json;
use crate::shared::wallet::{WithdrawalList, WithdrawalQuery, WithdrawalView, withdrawals};
use crate::state::AppState;
use actix_web::{HttpResponse, get, post, web};
use loyalty_core::kernel::{MerchantId, WithdrawalId};
use loyalty_core::wallet::ReviewWithdrawal;
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

/// Registers this module's endpoints in its audience's scope.
pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(platform_withdrawals)
        .service(approve_withdrawal)
        .service(reject_withdrawal);
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
    withdrawals(&state, query.merchant_id.map(MerchantId::from_uuid), &query).await
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReviewRequest {
    /// The platform's note (at most 200 characters), told to HQ.
    #[schema(pattern = r"\S", max_length = 200)]
    pub note: Option<String>,
}

/// A rejection and its reason, told to HQ.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RejectRequest {
    /// Why (at most 200 characters).
    #[schema(pattern = r"\S", max_length = 200)]
    pub note: String,
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
    body: Json<ReviewRequest>,
) -> Result<HttpResponse, ApiError> {
    review(&state, id.into_inner(), true, body.into_inner().note).await
}

/// Rejects a pending withdrawal with a reason: the amount goes back to what is available
/// and HQ is told. A withdrawal is reviewed once: rejecting it again answers it as rejected
/// and changes nothing; one approved answers 409.
#[utoipa::path(tag = "platform", params(("id" = Uuid, Path)), request_body = RejectRequest, responses((status = 200, body = WithdrawalView), (status = 401, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem, description = "withdrawal_already_reviewed"), (status = 422, body = Problem)), security(("platform_key" = [])))]
#[post("/withdrawals/{id}/reject")]
pub async fn reject_withdrawal(
    _: PlatformAuth,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    body: Json<RejectRequest>,
) -> Result<HttpResponse, ApiError> {
    review(&state, id.into_inner(), false, Some(body.into_inner().note)).await
}
