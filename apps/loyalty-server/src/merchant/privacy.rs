//! HQ acting for a member (PIPL requests, a lost phone): export the member's data, erase its
//! personal part, sign the member out everywhere.

use crate::auth::StaffAuth;
use crate::error::{ApiError, Problem};
use crate::shared::members::MemberView;
use crate::shared::privacy::MemberExportView;
use crate::state::AppState;
use actix_web::{HttpResponse, get, post, web};
use loyalty_core::kernel::MemberId;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

/// Registers this module's endpoints in its audience's scope.
pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(export_member)
        .service(erase_member)
        .service(sign_out_member);
}

/// Everything held about one member, for a member's request made to HQ (HQ only).
#[utoipa::path(tag = "merchant", params(("id" = Uuid, Path)), responses((status = 200, body = MemberExportView), (status = 403, body = Problem), (status = 404, body = Problem, description = "member_not_found")), security(("bearer" = [])))]
#[get("/members/{id}/export")]
pub async fn export_member(
    staff: StaffAuth,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    staff.require_headquarters()?;
    let export = state
        .loyalty
        .privacy()
        .export(staff.merchant_id, MemberId::from_uuid(id.into_inner()))
        .await?;
    Ok(HttpResponse::Ok().json(MemberExportView::from(&export)))
}

/// Erases a member's personal data on the member's request (HQ only); amounts stay.
/// Erasing an erased member answers it again. Refused while a card holds stored value.
#[utoipa::path(tag = "merchant", params(("id" = Uuid, Path)), responses((status = 200, body = MemberView), (status = 403, body = Problem), (status = 404, body = Problem, description = "member_not_found"), (status = 409, body = Problem, description = "member_holds_stored_value")), security(("bearer" = [])))]
#[post("/members/{id}/erase")]
pub async fn erase_member(
    staff: StaffAuth,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    staff.require_headquarters()?;
    let erased = state
        .loyalty
        .privacy()
        .erase(staff.merchant_id, MemberId::from_uuid(id.into_inner()))
        .await?;
    Ok(HttpResponse::Ok().json(MemberView::from(&erased)))
}

/// Signs a member out everywhere, for a lost phone (HQ only).
#[utoipa::path(tag = "merchant", params(("id" = Uuid, Path)), responses((status = 204, description = "signed out"), (status = 403, body = Problem), (status = 404, body = Problem, description = "member_not_found")), security(("bearer" = [])))]
#[post("/members/{id}/sign-out")]
pub async fn sign_out_member(
    staff: StaffAuth,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    staff.require_headquarters()?;
    state
        .loyalty
        .members()
        .sign_out(staff.merchant_id, MemberId::from_uuid(id.into_inner()))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
