//! The member's stored-value cards (储值卡) and their ledgers.

use crate::auth::MemberAuth;
use crate::error::{ApiError, Problem};
use crate::http::pagination::PageQuery;
use crate::shared::cards::{CardLedgerView, CardList, cards_of, ledger_of};
use crate::state::AppState;
use actix_web::{HttpResponse, get, web};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

/// Registers this module's endpoints in its audience's scope.
pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(my_cards).service(my_card_ledger);
}

/// The member's cards (储值卡) with their balances.
#[utoipa::path(tag = "member", responses((status = 200, body = CardList)), security(("bearer" = [])))]
#[get("/cards")]
pub async fn my_cards(
    member: MemberAuth,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    cards_of(&state, member.merchant_id, member.member_id).await
}

/// One of the member's cards with its ledger, newest first.
#[utoipa::path(tag = "member", params(("id" = Uuid, Path), PageQuery), responses((status = 200, body = CardLedgerView), (status = 404, body = Problem)), security(("bearer" = [])))]
#[get("/cards/{id}/ledger")]
pub async fn my_card_ledger(
    member: MemberAuth,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    ledger_of(
        &state,
        member.merchant_id,
        member.member_id,
        id.into_inner(),
        &query,
    )
    .await
}
