use crate::auth::{StaffAuth, verify_password};
use crate::dto::{MerchantView, StaffView, StoreView, TokenView};
use crate::error::{ApiError, Problem};
use crate::state::AppState;
use actix_web::{HttpResponse, get, patch, post, web};
use loyalty_core::kernel::StoreId;
use loyalty_core::merchants::MerchantsError;
use loyalty_core::merchants::{CreateStore, UpdateStore};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    pub merchant_code: String,
    pub username: String,
    pub password: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LoginView {
    #[serde(flatten)]
    pub token: TokenView,
    pub staff: StaffView,
    pub merchant: MerchantView,
}

/// Staff sign in with the merchant number, username and password.
#[utoipa::path(tag = "merchant", request_body = LoginRequest, responses((status = 200, body = LoginView), (status = 401, body = Problem), (status = 429, body = Problem, description = "too many attempts; see Retry-After")))]
#[post("/auth/login")]
pub async fn login(
    state: web::Data<AppState>,
    req: actix_web::HttpRequest,
    body: web::Json<LoginRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let client = crate::throttle::client_ip(&req, &state.trusted_proxies)
        .unwrap_or(std::net::IpAddr::from([0, 0, 0, 0]));
    let account = format!("{}/{}", body.merchant_code.trim(), body.username.trim());
    state.login_throttle.check(&account, client)?;
    let found = state
        .loyalty
        .merchants()
        .staff_for_login(body.merchant_code.trim(), body.username.trim())
        .await?;
    let hash = found.as_ref().map(|(_, staff)| staff.password_hash.clone());
    let verified = verify_password(body.password, hash, state.decoy_hash.clone()).await?;
    let Some((merchant, staff)) = found.filter(|_| verified) else {
        return Err(loyalty_core::Error::from(MerchantsError::InvalidCredentials).into());
    };
    if staff.disabled {
        return Err(loyalty_core::Error::from(MerchantsError::AccountDisabled).into());
    }
    let issued = state.tokens.issue_staff(&staff, chrono::Utc::now())?;
    tracing::info!(merchant = %merchant.code, staff = %staff.id, "staff signed in");
    Ok(HttpResponse::Ok().json(LoginView {
        token: TokenView {
            token: issued.token,
            token_type: "Bearer".into(),
            expires_at: issued.expires_at,
        },
        staff: (&staff).into(),
        merchant: (&merchant).into(),
    }))
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
    pub name: String,
}

/// Opens a store (owner or admin).
#[utoipa::path(tag = "merchant", request_body = CreateStoreRequest, responses((status = 201, body = StoreView), (status = 403, body = Problem), (status = 409, body = Problem)), security(("bearer" = [])))]
#[post("/stores")]
pub async fn create_store(
    staff: StaffAuth,
    state: web::Data<AppState>,
    body: web::Json<CreateStoreRequest>,
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
    pub name: Option<String>,
    /// `false` closes the store (not the default store).
    pub active: Option<bool>,
}

/// Renames, closes or reopens a store (owner or admin).
#[utoipa::path(tag = "merchant", request_body = UpdateStoreRequest, params(("id" = Uuid, Path)), responses((status = 200, body = StoreView), (status = 404, body = Problem)), security(("bearer" = [])))]
#[patch("/stores/{id}")]
pub async fn update_store(
    staff: StaffAuth,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    body: web::Json<UpdateStoreRequest>,
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

/// Signs out everywhere: every token of this account stops working.
#[utoipa::path(tag = "merchant", responses((status = 204, description = "signed out"), (status = 401, body = Problem)), security(("bearer" = [])))]
#[post("/auth/logout")]
pub async fn logout(
    staff: StaffAuth,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    state
        .loyalty
        .merchants()
        .revoke_staff_tokens(staff.merchant_id, staff.staff_id)
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
