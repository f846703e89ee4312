//! Staff sign in with the merchant number, username and password, and sign out everywhere.

use crate::auth::StaffAuth;
use crate::auth::verify_password;
use crate::error::{ApiError, Problem};
use crate::http::json::Json;
use crate::shared::members::TokenView;
use crate::shared::merchants::{MerchantView, StaffView};
use crate::state::AppState;
use actix_web::{HttpResponse, post, web};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

/// Registers this module's endpoints in its audience's scope.
pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(login).service(logout);
}

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
    body: Json<LoginRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let client = state.client_ip(&req);
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
        return Err(loyalty_core::Error::from(
            loyalty_core::merchants::MerchantsError::InvalidCredentials,
        )
        .into());
    };
    if staff.disabled {
        return Err(loyalty_core::Error::from(
            loyalty_core::merchants::MerchantsError::AccountDisabled,
        )
        .into());
    }
    let issued = state.tokens.issue_staff(&staff, chrono::Utc::now())?;
    tracing::info!(merchant = %merchant.code, staff = %staff.id, "staff signed in");
    Ok(HttpResponse::Ok().json(LoginView {
        token: issued.into(),
        staff: (&staff).into(),
        merchant: (&merchant).into(),
    }))
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
