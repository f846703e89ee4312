//! Staff accounts (HQ): creating them, listing them, changing role, stores or status.

use crate::auth::StaffAuth;
use crate::auth::{chosen_password, hash_password};
use crate::error::{ApiError, Problem};
use crate::http::json::Json;
use crate::shared::merchants::StaffView;
use crate::state::AppState;
use actix_web::{HttpResponse, get, patch, post, web};
use loyalty_core::kernel::{StaffId, StoreId};
use loyalty_core::merchants::StaffRole;
use loyalty_core::merchants::{CreateStaff, UpdateStaff};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

/// Registers this module's endpoints in its audience's scope.
pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(create_staff)
        .service(list_staff)
        .service(update_staff)
        .service(reset_password);
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResetPasswordRequest {
    /// A random password is made (and returned once) when absent.
    #[schema(min_length = 8, max_length = 128)]
    pub password: Option<String>,
}

/// Sets a new password for an account whose holder forgot theirs (owners for everyone,
/// admins for store managers and cashiers) and signs it out everywhere.
#[utoipa::path(tag = "merchant", params(("id" = Uuid, Path)), request_body = ResetPasswordRequest, responses((status = 200, body = CreatedStaffView), (status = 403, body = Problem), (status = 404, body = Problem, description = "staff_not_found"), (status = 422, body = Problem)), security(("bearer" = [])))]
#[post("/staff/{id}/password")]
pub async fn reset_password(
    staff: StaffAuth,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    body: Json<ResetPasswordRequest>,
) -> Result<HttpResponse, ApiError> {
    staff.require_headquarters()?;
    let password = chosen_password("password", body.into_inner().password)?;
    let reset = state
        .loyalty
        .merchants()
        .reset_staff_password(
            staff.actor(),
            StaffId::from_uuid(id.into_inner()),
            hash_password(password.clone()).await?,
        )
        .await?;
    Ok(HttpResponse::Ok().json(CreatedStaffView {
        staff: (&reset).into(),
        initial_password: password,
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateStaffRequest {
    /// 3–32 of a-z, 0-9 and -, unique in the merchant.
    #[schema(pattern = "^[a-z0-9-]{3,32}$")]
    pub username: String,
    #[schema(pattern = r"\S", max_length = 50)]
    pub display_name: String,
    #[schema(value_type = String, example = "cashier", pattern = "^(owner|admin|store_manager|cashier)$")]
    pub role: StaffRole,
    /// Required for store managers and cashiers; ignored for owners and admins.
    #[serde(default)]
    pub store_ids: Vec<Uuid>,
    /// A random password is made (and returned once) when absent.
    #[schema(min_length = 8, max_length = 128)]
    pub password: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedStaffView {
    #[serde(flatten)]
    pub staff: StaffView,
    /// Returned once; only its hash is kept.
    pub initial_password: String,
}

fn stores(ids: &[Uuid]) -> Vec<StoreId> {
    ids.iter().copied().map(StoreId::from_uuid).collect()
}

/// Creates a staff account. Owners create any role; admins store managers and cashiers.
#[utoipa::path(tag = "merchant", request_body = CreateStaffRequest, responses((status = 201, body = CreatedStaffView), (status = 403, body = Problem), (status = 409, body = Problem, description = "username_taken"), (status = 422, body = Problem)), security(("bearer" = [])))]
#[post("/staff")]
pub async fn create_staff(
    staff: StaffAuth,
    state: web::Data<AppState>,
    body: Json<CreateStaffRequest>,
) -> Result<HttpResponse, ApiError> {
    staff.require_headquarters()?;
    let body = body.into_inner();
    let password = chosen_password("password", body.password)?;
    let cmd = CreateStaff {
        username: body.username,
        display_name: body.display_name,
        role: body.role,
        store_ids: stores(&body.store_ids),
        password_hash: hash_password(password.clone()).await?,
    };
    let created = state
        .loyalty
        .merchants()
        .create_staff(staff.actor(), cmd)
        .await?;
    Ok(HttpResponse::Created().json(CreatedStaffView {
        staff: (&created).into(),
        initial_password: password,
    }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StaffListView {
    pub items: Vec<StaffView>,
}

/// The merchant's staff accounts (owners and admins).
#[utoipa::path(tag = "merchant", responses((status = 200, body = StaffListView), (status = 403, body = Problem)), security(("bearer" = [])))]
#[get("/staff")]
pub async fn list_staff(
    staff: StaffAuth,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    staff.require_headquarters()?;
    let items = state
        .loyalty
        .merchants()
        .list_staff(staff.merchant_id)
        .await?
        .iter()
        .map(Into::into)
        .collect();
    Ok(HttpResponse::Ok().json(StaffListView { items }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateStaffRequest {
    #[schema(value_type = Option<String>, pattern = "^(owner|admin|store_manager|cashier)$")]
    pub role: Option<StaffRole>,
    #[schema(pattern = r"\S", max_length = 50)]
    pub display_name: Option<String>,
    pub store_ids: Option<Vec<Uuid>>,
    /// `true` disables the account (its tokens stop working at once).
    pub disabled: Option<bool>,
}

/// Changes role, stores, name or status; every token of the account is revoked.
#[utoipa::path(tag = "merchant", request_body = UpdateStaffRequest, params(("id" = Uuid, Path)), responses((status = 200, body = StaffView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
#[patch("/staff/{id}")]
pub async fn update_staff(
    staff: StaffAuth,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    body: Json<UpdateStaffRequest>,
) -> Result<HttpResponse, ApiError> {
    staff.require_headquarters()?;
    let body = body.into_inner();
    let change = UpdateStaff {
        role: body.role,
        display_name: body.display_name,
        store_ids: body.store_ids.as_deref().map(stores),
        disabled: body.disabled,
    };
    let updated = state
        .loyalty
        .merchants()
        .update_staff(staff.actor(), StaffId::from_uuid(id.into_inner()), change)
        .await?;
    Ok(HttpResponse::Ok().json(StaffView::from(&updated)))
}
