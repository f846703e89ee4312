//! Settled payments by a merchant's payment code (收款码), recorded in its wallet.

use crate::auth::PlatformAuth;
use crate::error::{ApiError, Problem};
use crate::http::idempotency::{IdempotencyHeader, KeyScope, Prepared, respond};
use crate::http::input::money;
use crate::http::json::Json;
use crate::shared::wallet::WalletEntryView;
use crate::state::AppState;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, post, web};
use loyalty_core::kernel::MerchantId;
use loyalty_core::kernel::schema::{PositiveMoney, Reference};
use loyalty_core::wallet::{RecordPayment, WalletEntry};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

/// Registers this module's endpoints in its audience's scope.
pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(record_payment);
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PaymentRequest {
    /// The payment provider's transaction id: a payment lands once (409 `already_applied`).
    #[schema(value_type = Reference, example = "4200001234202612010000000001")]
    pub payment_ref: String,
    #[schema(value_type = PositiveMoney, example = "128.80")]
    pub amount: String,
}

fn render_payment(entry: &WalletEntry) -> WalletEntryView {
    WalletEntryView::from(entry)
}

/// Records a settled payment by the merchant's payment code (收款码) in its wallet (the
/// platform, or the payment adapter it runs).
#[utoipa::path(
    tag = "platform",
    params(("id" = Uuid, Path), ("Idempotency-Key" = Option<String>, Header, description = "Replays return the first response")),
    request_body = PaymentRequest,
    responses((status = 201, body = WalletEntryView), (status = 401, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem, description = "already_applied"), (status = 422, body = Problem)),
    security(("platform_key" = []))
)]
#[post("/merchants/{id}/wallet/payments")]
pub async fn record_payment(
    _: PlatformAuth,
    state: web::Data<AppState>,
    req: HttpRequest,
    key: IdempotencyHeader,
    id: web::Path<Uuid>,
    body: Json<PaymentRequest>,
) -> Result<HttpResponse, ApiError> {
    let merchant_id = MerchantId::from_uuid(id.into_inner());
    let platform = KeyScope {
        merchant_id,
        scope: "platform".into(),
    };
    let prepared = Prepared::claim(&state.in_flight, &req, key, platform, &*body)?;
    let body = body.into_inner();
    let cmd = RecordPayment {
        merchant_id,
        payment_ref: body.payment_ref,
        amount: money("amount", &body.amount)?,
    };
    let result = state
        .loyalty
        .wallet()
        .record_payment(cmd, prepared.idempotent())
        .await;
    respond(result, StatusCode::CREATED, render_payment)
}
