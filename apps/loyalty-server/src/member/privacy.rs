//! A member's privacy rights (PIPL): a copy of their data, and erasure of its personal part.

use crate::auth::MemberAuth;
use crate::error::{ApiError, Problem};
use crate::shared::members::MemberView;
use crate::shared::privacy::MemberExportView;
use crate::state::AppState;
use actix_web::{HttpResponse, delete, get, web};
use utoipa_actix_web::service_config::ServiceConfig;

/// Registers this module's endpoints in its audience's scope.
pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(export_me).service(erase_me);
}

/// Everything the merchant holds about the signed-in member: profile, points ledger,
/// coupons, cards with their ledgers, tier history.
#[utoipa::path(tag = "member", responses((status = 200, body = MemberExportView), (status = 401, body = Problem)), security(("bearer" = [])))]
#[get("/me/export")]
pub async fn export_me(
    member: MemberAuth,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let export = state
        .loyalty
        .privacy()
        .export(member.merchant_id, member.member_id)
        .await?;
    Ok(HttpResponse::Ok().json(MemberExportView::from(&export)))
}

/// Erases the signed-in member's personal data (phone, WeChat identity, name, birthday,
/// consents) and signs them out everywhere; points, coupons, cards and orders stay on the
/// anonymised record. Refused while a card holds stored value.
#[utoipa::path(tag = "member", responses((status = 200, body = MemberView), (status = 401, body = Problem), (status = 409, body = Problem, description = "member_holds_stored_value")), security(("bearer" = [])))]
#[delete("/me")]
pub async fn erase_me(
    member: MemberAuth,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let erased = state
        .loyalty
        .privacy()
        .erase(member.merchant_id, member.member_id)
        .await?;
    Ok(HttpResponse::Ok().json(MemberView::from(&erased)))
}
