//! A member's tier changes (the ladder itself is a setting: [`super::settings`]).

use crate::auth::StaffAuth;
use crate::error::{ApiError, Problem};
use crate::shared::members::TierChangeView;
use crate::state::AppState;
use actix_web::{HttpResponse, get, web};
use loyalty_core::kernel::MemberId;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

/// Registers this module's endpoints in its audience's scope.
pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(tier_history);
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TierHistoryView {
    pub items: Vec<TierChangeView>,
}

/// A member's tier changes, newest first.
#[utoipa::path(tag = "merchant", params(("id" = Uuid, Path)), responses((status = 200, body = TierHistoryView), (status = 404, body = Problem)), security(("bearer" = [])))]
#[get("/members/{id}/tier-history")]
pub async fn tier_history(
    staff: StaffAuth,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let changes = state
        .loyalty
        .tiers()
        .history(staff.merchant_id, MemberId::from_uuid(id.into_inner()))
        .await?;
    Ok(HttpResponse::Ok().json(TierHistoryView {
        items: changes.iter().map(TierChangeView::from).collect(),
    }))
}
