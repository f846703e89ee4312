//! The merchant's settings (earning, points expiry, tiers, notifications, checkout), each
//! versioned, with its version as the `ETag` a change sends back in `If-Match`. Reading is
//! for all staff (notifications: HQ); changing is for HQ.

use crate::auth::StaffAuth;
use crate::error::{ApiError, Problem};
use crate::http::json::Json;
use crate::state::AppState;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, put, web};
use chrono::{DateTime, Utc};
use loyalty_core::checkout::CheckoutSettings;
use loyalty_core::notifications::NotificationSettings;
use loyalty_core::points::EarningPolicy;
use loyalty_core::points::ExpiryPolicy;
use loyalty_core::settings::{MerchantSettings, Setting, Versioned};
use loyalty_core::tiers::TierPolicy;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

/// Registers this module's endpoints in its audience's scope.
pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(get_earning)
        .service(put_earning)
        .service(get_expiry)
        .service(put_expiry)
        .service(get_tiers)
        .service(put_tiers)
        .service(get_notifications)
        .service(put_notifications)
        .service(get_checkout)
        .service(put_checkout);
}

/// A setting with its version (1, 2, 3 …; 0 for tiers a merchant has not set up).
#[derive(Debug, Serialize, ToSchema)]
pub struct SettingView {
    pub version: i64,
    pub updated_at: Option<DateTime<Utc>>,
    pub updated_by: Option<Uuid>,
    /// The policy, in the shape `PUT` takes (see the README's "Rules" and "Notifications"); `null` for
    /// tiers a merchant has not set up.
    #[schema(value_type = Option<Object>)]
    pub policy: serde_json::Value,
}

/// A policy as JSON (the core's serde shape, which `PUT` takes too).
fn json_of<T: Serialize>(value: &T) -> Result<serde_json::Value, ApiError> {
    serde_json::to_value(value).map_err(|e| {
        tracing::error!(error = %e, "a setting did not serialise");
        ApiError::new(
            actix_web::http::StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "internal error",
        )
    })
}

fn view<T: Serialize>(setting: Option<&Versioned<T>>) -> Result<SettingView, ApiError> {
    let policy = match setting {
        Some(s) => json_of(&s.value)?,
        None => serde_json::Value::Null,
    };
    Ok(SettingView {
        version: setting.map_or(0, |s| s.version),
        updated_at: setting.filter(|s| s.version > 0).map(|s| s.updated_at),
        updated_by: setting.and_then(|s| s.updated_by).map(|s| s.as_uuid()),
        policy,
    })
}

/// A setting's answer, with its version as the `ETag` a later `PUT` sends back in
/// `If-Match`.
fn answer(view: SettingView) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::ETAG, format!("\"{}\"", view.version)))
        .json(view)
}

/// The version an editor read, from `If-Match: "3"` (absent: save over whatever is there).
fn if_match(req: &HttpRequest) -> Result<Option<i64>, ApiError> {
    let Some(value) = req.headers().get(header::IF_MATCH) else {
        return Ok(None);
    };
    value
        .to_str()
        .ok()
        .map(|v| v.trim().trim_start_matches("W/").trim_matches('"'))
        .and_then(|v| v.parse::<i64>().ok())
        .filter(|v| *v >= 0)
        .map(Some)
        .ok_or_else(|| {
            ApiError::invalid(
                "If-Match",
                "must be a version this server gave out, e.g. \"3\"",
            )
        })
}

/// One of the merchant's settings as it is now, answered as [`answer`] does.
async fn current<T: Serialize>(
    staff: &StaffAuth,
    state: &AppState,
    pick: impl FnOnce(&MerchantSettings) -> Option<&Versioned<T>>,
) -> Result<HttpResponse, ApiError> {
    let settings = state.loyalty.settings().current(staff.merchant_id).await?;
    Ok(answer(view(pick(&settings))?))
}

async fn save(
    staff: &StaffAuth,
    state: &AppState,
    req: &HttpRequest,
    setting: Setting,
) -> Result<HttpResponse, ApiError> {
    staff.require_headquarters()?;
    let expected = if_match(req)?;
    let policy = match &setting {
        Setting::Earning(p) => json_of(p)?,
        Setting::Expiry(p) => json_of(p)?,
        Setting::Tiers(p) => json_of(p)?,
        Setting::Notifications(p) => json_of(p)?,
        Setting::Checkout(p) => json_of(p)?,
    };
    let version = state
        .loyalty
        .settings()
        .put_over(staff.merchant_id, setting, Some(staff.staff_id), expected)
        .await?;
    // What was saved, not a new read: another save right after must not show here.
    Ok(answer(SettingView {
        version,
        updated_at: Some(chrono::Utc::now()),
        updated_by: Some(staff.staff_id.as_uuid()),
        policy,
    }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct VersionQuery {
    /// An earlier version (the one a ledger entry names); the current one when absent.
    pub version: Option<i64>,
}

/// The earning policy, current or at a version.
#[utoipa::path(tag = "merchant", params(VersionQuery), responses((status = 200, body = SettingView), (status = 404, body = Problem, description = "version_not_found")), security(("bearer" = [])))]
#[get("/settings/earning")]
pub async fn get_earning(
    staff: StaffAuth,
    state: web::Data<AppState>,
    query: web::Query<VersionQuery>,
) -> Result<HttpResponse, ApiError> {
    if let Some(version) = query.version {
        let old = state
            .loyalty
            .settings()
            .earning_version(staff.merchant_id, version)
            .await?;
        return Ok(answer(view(Some(&old))?));
    }
    current(&staff, &state, |s| Some(&s.earning)).await
}

/// Replaces the earning policy; the result is its next version (HQ only).
#[utoipa::path(tag = "merchant", request_body(content = EarningPolicy, description = "An earning policy"), responses((status = 200, body = SettingView), (status = 403, body = Problem), (status = 404, body = Problem, description = "store_not_found"), (status = 422, body = Problem)), security(("bearer" = [])))]
#[put("/settings/earning")]
pub async fn put_earning(
    staff: StaffAuth,
    state: web::Data<AppState>,
    req: HttpRequest,
    body: Json<EarningPolicy>,
) -> Result<HttpResponse, ApiError> {
    save(&staff, &state, &req, Setting::Earning(body.into_inner())).await
}

/// The points expiry policy.
#[utoipa::path(tag = "merchant", responses((status = 200, body = SettingView)), security(("bearer" = [])))]
#[get("/settings/points-expiry")]
pub async fn get_expiry(
    staff: StaffAuth,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    current(&staff, &state, |s| Some(&s.expiry)).await
}

/// Replaces the points expiry policy for points earned from now on (HQ only).
#[utoipa::path(tag = "merchant", request_body(content = ExpiryPolicy, description = "An expiry policy"), responses((status = 200, body = SettingView), (status = 403, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
#[put("/settings/points-expiry")]
pub async fn put_expiry(
    staff: StaffAuth,
    state: web::Data<AppState>,
    req: HttpRequest,
    body: Json<ExpiryPolicy>,
) -> Result<HttpResponse, ApiError> {
    save(&staff, &state, &req, Setting::Expiry(body.into_inner())).await
}

/// The tier ladder (`policy` is `null` until one is set up).
#[utoipa::path(tag = "merchant", responses((status = 200, body = SettingView)), security(("bearer" = [])))]
#[get("/settings/tiers")]
pub async fn get_tiers(
    staff: StaffAuth,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    current(&staff, &state, |s| s.tiers.as_ref()).await
}

/// Replaces the tier ladder (HQ only). Members move up at their next growth and are
/// reviewed by the scheduled re-evaluation.
#[utoipa::path(tag = "merchant", request_body(content = TierPolicy, description = "A tier policy"), responses((status = 200, body = SettingView), (status = 403, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
#[put("/settings/tiers")]
pub async fn put_tiers(
    staff: StaffAuth,
    state: web::Data<AppState>,
    req: HttpRequest,
    body: Json<TierPolicy>,
) -> Result<HttpResponse, ApiError> {
    save(&staff, &state, &req, Setting::Tiers(body.into_inner())).await
}

/// What members and HQ are told, on which channel, with which template, and HQ's phones
/// (HQ only).
#[utoipa::path(tag = "merchant", responses((status = 200, body = SettingView), (status = 403, body = Problem)), security(("bearer" = [])))]
#[get("/settings/notifications")]
pub async fn get_notifications(
    staff: StaffAuth,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    staff.require_headquarters()?;
    current(&staff, &state, |s| Some(&s.notifications)).await
}

/// Replaces the notification settings (HQ only). Without `sms_sign_name`, the SMS provider's
/// configured signature is saved as the merchant's (the one its SMS are sent under).
#[utoipa::path(tag = "merchant", request_body(content = NotificationSettings, description = "Notification settings"), responses((status = 200, body = SettingView), (status = 403, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
#[put("/settings/notifications")]
pub async fn put_notifications(
    staff: StaffAuth,
    state: web::Data<AppState>,
    req: HttpRequest,
    body: Json<NotificationSettings>,
) -> Result<HttpResponse, ApiError> {
    let mut settings = body.into_inner();
    if settings.sms_sign_name.is_none() {
        settings.sms_sign_name.clone_from(&state.sms_sign_name);
    }
    save(&staff, &state, &req, Setting::Notifications(settings)).await
}

/// Points as cash, the verification undo window, what refunds give back, and the gift
/// coupons of registration and birthdays.
#[utoipa::path(tag = "merchant", responses((status = 200, body = SettingView)), security(("bearer" = [])))]
#[get("/settings/checkout")]
pub async fn get_checkout(
    staff: StaffAuth,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    current(&staff, &state, |s| Some(&s.checkout)).await
}

/// Replaces the checkout settings (HQ only). Gift templates must be the merchant's (404).
#[utoipa::path(tag = "merchant", request_body(content = CheckoutSettings, description = "Checkout settings"), responses((status = 200, body = SettingView), (status = 403, body = Problem), (status = 404, body = Problem, description = "coupon_template_not_found"), (status = 422, body = Problem)), security(("bearer" = [])))]
#[put("/settings/checkout")]
pub async fn put_checkout(
    staff: StaffAuth,
    state: web::Data<AppState>,
    req: HttpRequest,
    body: Json<CheckoutSettings>,
) -> Result<HttpResponse, ApiError> {
    staff.require_headquarters()?;
    save(&staff, &state, &req, Setting::Checkout(body.into_inner())).await
}
