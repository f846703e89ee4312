//! Staff sign in with the merchant number, username and password, change their own password,
//! and sign out everywhere.

use crate::auth::StaffAuth;
use crate::auth::{chosen_password, hash_password, verify_password};
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
    cfg.service(login).service(logout).service(change_password);
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

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangePasswordRequest {
    pub current_password: String,
    #[schema(min_length = 8, max_length = 128)]
    pub new_password: String,
}

/// Changes the signed-in account's own password; every token of the account, this one
/// included, stops working: sign in again with the new password. Attempts count against the
/// login limits.
#[utoipa::path(tag = "merchant", request_body = ChangePasswordRequest, responses((status = 204, description = "changed; signed out everywhere"), (status = 401, body = Problem), (status = 422, body = Problem, description = "validation_failed: current_password is wrong, or new_password too short or long"), (status = 429, body = Problem)), security(("bearer" = [])))]
#[post("/auth/password")]
pub async fn change_password(
    staff: StaffAuth,
    state: web::Data<AppState>,
    req: actix_web::HttpRequest,
    body: Json<ChangePasswordRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    state.login_throttle.check(
        &format!("password/{}", staff.staff_id),
        state.client_ip(&req),
    )?;
    let new_password = chosen_password("new_password", Some(body.new_password))?;
    let account = state
        .loyalty
        .merchants()
        .staff_account(staff.merchant_id, staff.staff_id)
        .await?;
    let hash = Some(account.password_hash.clone());
    if !verify_password(body.current_password, hash, state.decoy_hash.clone()).await? {
        return Err(ApiError::invalid(
            "current_password",
            "is not this account's password",
        ));
    }
    state
        .loyalty
        .merchants()
        .change_own_password(&account, hash_password(new_password).await?)
        .await?;
    tracing::info!(staff = %staff.staff_id, "staff password changed");
    Ok(HttpResponse::NoContent().finish())
}
