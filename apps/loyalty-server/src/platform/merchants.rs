//! Creating a merchant (tenant) with its default store and owner account.

use crate::auth::PlatformAuth;
use crate::auth::{chosen_password, hash_password};
use crate::error::{ApiError, Problem};
use crate::http::json::Json;
use crate::shared::merchants::{MerchantView, StaffView, StoreView};
use crate::state::AppState;
use actix_web::{HttpResponse, post, web};
use loyalty_core::kernel::{MerchantId, MerchantTimeZone};
use loyalty_core::merchants::CreateMerchant;
use loyalty_core::points::EarningPolicy;
use loyalty_core::points::ExpiryPolicy;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

/// Registers this module's endpoints in its audience's scope.
pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(create_merchant).service(reset_owner_password);
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OwnerPasswordRequest {
    /// A random password is made (and returned once) when absent.
    #[schema(min_length = 8, max_length = 128)]
    pub password: Option<String>,
}

/// Sets a new password for the merchant's first active owner (an owner who lost theirs and
/// has no other owner to ask) and signs that account out everywhere.
#[utoipa::path(
    tag = "platform",
    params(("id" = Uuid, Path)),
    request_body = OwnerPasswordRequest,
    responses((status = 200, body = OwnerView), (status = 401, body = Problem), (status = 404, body = Problem, description = "merchant_not_found"), (status = 422, body = Problem)),
    security(("platform_key" = []))
)]
#[post("/merchants/{id}/owner/password")]
pub async fn reset_owner_password(
    _: PlatformAuth,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    body: Json<OwnerPasswordRequest>,
) -> Result<HttpResponse, ApiError> {
    let password = chosen_password("password", body.into_inner().password)?;
    let merchant = state
        .loyalty
        .merchants()
        .merchant(MerchantId::from_uuid(id.into_inner()))
        .await?;
    let owner = state
        .loyalty
        .merchants()
        .reset_owner_password(merchant.id, hash_password(password.clone()).await?)
        .await?;
    tracing::info!(merchant = %merchant.code, staff = %owner.id, "owner password reset by the platform");
    Ok(HttpResponse::Ok().json(OwnerView {
        staff: (&owner).into(),
        initial_password: password,
    }))
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateMerchantRequest {
    /// The merchant number staff type at login: 3–32 of a-z, 0-9 and -.
    #[schema(pattern = "^[a-z0-9-]{3,32}$")]
    pub code: String,
    #[schema(pattern = r"\S", max_length = 100)]
    pub name: String,
    /// IANA name; `Asia/Shanghai` when absent.
    pub time_zone: Option<String>,
    /// The earning policy (version 1); 1 point per 1.00, rounded down, when absent. The
    /// shape of `PUT /merchant/settings/earning`.
    pub earning: Option<EarningPolicy>,
    /// The expiry policy (version 1); rolling 365 days, told 7 days before, when absent.
    /// The shape of `PUT /merchant/settings/points-expiry`.
    pub points_expiry: Option<ExpiryPolicy>,
    /// `总店` when absent.
    #[schema(pattern = r"\S", max_length = 100)]
    pub default_store_name: Option<String>,
    /// `owner` when absent.
    #[schema(pattern = "^[a-z0-9-]{3,32}$")]
    pub owner_username: Option<String>,
    #[schema(pattern = r"\S", max_length = 50)]
    pub owner_display_name: Option<String>,
    /// A random password is made (and returned once) when absent.
    #[schema(min_length = 8, max_length = 128)]
    pub owner_password: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OwnerView {
    #[serde(flatten)]
    pub staff: StaffView,
    /// Returned once; only its hash is kept.
    pub initial_password: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedMerchantView {
    pub merchant: MerchantView,
    pub default_store: StoreView,
    pub owner: OwnerView,
}

/// Creates a merchant (tenant) with its default store and owner account.
#[utoipa::path(
    tag = "platform",
    request_body = CreateMerchantRequest,
    responses((status = 201, body = CreatedMerchantView), (status = 401, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)),
    security(("platform_key" = []))
)]
#[post("/merchants")]
pub async fn create_merchant(
    _: PlatformAuth,
    state: web::Data<AppState>,
    body: Json<CreateMerchantRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let password = chosen_password("owner_password", body.owner_password.clone())?;
    let time_zone = match &body.time_zone {
        Some(tz) => MerchantTimeZone::parse(tz)?,
        None => MerchantTimeZone::default(),
    };
    let cmd = CreateMerchant {
        code: body.code,
        name: body.name,
        time_zone,
        earning: body.earning.unwrap_or_default(),
        expiry: body.points_expiry.unwrap_or_default(),
        default_store_name: body.default_store_name.unwrap_or_else(|| "总店".into()),
        owner_username: body.owner_username.unwrap_or_else(|| "owner".into()),
        owner_display_name: body.owner_display_name.unwrap_or_else(|| "店主".into()),
        owner_password_hash: hash_password(password.clone()).await?,
    };
    let created = state.loyalty.merchants().create_merchant(cmd).await?;
    Ok(HttpResponse::Created().json(CreatedMerchantView {
        merchant: (&created.merchant).into(),
        default_store: (&created.default_store).into(),
        owner: OwnerView {
            staff: (&created.owner).into(),
            initial_password: password,
        },
    }))
}
