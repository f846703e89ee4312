//! The merchant's stores (门店): listing them; opening, renaming, closing and reopening them
//! (HQ).

use crate::auth::StaffAuth;
use crate::error::{ApiError, Problem};
use crate::http::json::Json;
use crate::shared::merchants::StoreView;
use crate::state::AppState;
use actix_web::{HttpResponse, get, patch, post, web};
use loyalty_core::kernel::StoreId;
use loyalty_core::merchants::{CreateStore, UpdateStore};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

/// Registers this module's endpoints in its audience's scope.
pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(list_stores)
        .service(create_store)
        .service(update_store);
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StoreListView {
    pub items: Vec<StoreView>,
}

/// The merchant's stores, the default first.
#[utoipa::path(tag = "merchant", responses((status = 200, body = StoreListView), (status = 401, body = Problem)), security(("bearer" = [])))]
#[get("/stores")]
pub async fn list_stores(
    staff: StaffAuth,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let stores = state.loyalty.merchants().stores(staff.merchant_id).await?;
    Ok(HttpResponse::Ok().json(StoreListView {
        items: stores.iter().map(Into::into).collect(),
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateStoreRequest {
    #[schema(pattern = r"\S", max_length = 100)]
    pub name: String,
}

/// Opens a store (owner or admin).
#[utoipa::path(tag = "merchant", request_body = CreateStoreRequest, responses((status = 201, body = StoreView), (status = 403, body = Problem), (status = 409, body = Problem)), security(("bearer" = [])))]
#[post("/stores")]
pub async fn create_store(
    staff: StaffAuth,
    state: web::Data<AppState>,
    body: Json<CreateStoreRequest>,
) -> Result<HttpResponse, ApiError> {
    staff.require_headquarters()?;
    let store = state
        .loyalty
        .merchants()
        .create_store(CreateStore {
            merchant_id: staff.merchant_id,
            name: body.into_inner().name,
        })
        .await?;
    Ok(HttpResponse::Created().json(StoreView::from(&store)))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateStoreRequest {
    #[schema(pattern = r"\S", max_length = 100)]
    pub name: Option<String>,
    /// `false` closes the store (not the default store).
    pub active: Option<bool>,
}

/// Renames, closes or reopens a store (owner or admin).
#[utoipa::path(tag = "merchant", request_body = UpdateStoreRequest, params(("id" = Uuid, Path)), responses((status = 200, body = StoreView), (status = 404, body = Problem), (status = 409, body = Problem, description = "store_name_taken")), security(("bearer" = [])))]
#[patch("/stores/{id}")]
pub async fn update_store(
    staff: StaffAuth,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    body: Json<UpdateStoreRequest>,
) -> Result<HttpResponse, ApiError> {
    staff.require_headquarters()?;
    let body = body.into_inner();
    let cmd = UpdateStore {
        merchant_id: staff.merchant_id,
        store_id: StoreId::from_uuid(id.into_inner()),
        name: body.name,
        active: body.active,
    };
    let store = state.loyalty.merchants().update_store(cmd).await?;
    Ok(HttpResponse::Ok().json(StoreView::from(&store)))
}
