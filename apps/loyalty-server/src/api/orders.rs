use crate::auth::StaffAuth;
use crate::dto::{OrderReceiptView, OrderView, RefundReceiptView};
use crate::error::{ApiError, Problem};
use crate::idempotency::{IdempotencyHeader, Prepared, respond, stored};
use crate::state::AppState;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use loyalty_core::ports::StoredResponse;
use loyalty_core::types::{MemberId, OrderId, StoreId};
use loyalty_core::usecases::{CommitOrder, LineInput, OrderReceipt, RefundOrder, RefundReceipt};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CommitOrderRequest {
    pub member_id: Uuid,
    /// The default store when absent.
    pub store_id: Option<Uuid>,
    /// The till's own order number; unique per merchant when given.
    pub order_no: Option<String>,
    /// What the member paid, as a decimal string.
    #[schema(example = "128.80")]
    pub amount_paid: String,
    /// What was bought. Optional; category and item multipliers and exclusions need it.
    /// The amount paid is spread over the lines in proportion to their prices.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub lines: Vec<OrderLineRequest>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrderLineRequest {
    pub sku: Option<String>,
    pub category: Option<String>,
    pub quantity: i64,
    #[schema(example = "32.00")]
    pub unit_price: String,
}

fn render_order(receipt: &OrderReceipt) -> StoredResponse {
    let view = OrderReceiptView {
        order: (&receipt.order).into(),
        points_earned: receipt.order.points_earned.value(),
        balance_after: receipt.earned.as_ref().map(|e| e.balance_after.value()),
        policy_version: receipt.policy_version,
        earning: receipt.explanation.clone(),
        tier_upgraded_to: receipt.tier_upgraded_to.clone(),
    };
    stored(StatusCode::CREATED, &view)
}

/// Commits an order; the amount paid earns points by the merchant's policy.
#[utoipa::path(
    tag = "merchant",
    request_body = CommitOrderRequest,
    params(("Idempotency-Key" = Option<String>, Header, description = "Replays return the first response")),
    responses((status = 201, body = OrderReceiptView), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = []))
)]
#[post("/orders")]
pub async fn commit_order(
    staff: StaffAuth,
    state: web::Data<AppState>,
    req: HttpRequest,
    key: IdempotencyHeader,
    body: web::Json<CommitOrderRequest>,
) -> Result<HttpResponse, ApiError> {
    let prepared = Prepared::claim(&state, &req, staff.merchant_id, staff.scope(), key, &*body)?;
    let body = body.into_inner();
    let cmd = CommitOrder {
        merchant_id: staff.merchant_id,
        store_id: staff.store_for(body.store_id.map(StoreId::from_uuid))?,
        member_id: MemberId::from_uuid(body.member_id),
        order_no: body.order_no,
        amount_paid: super::money("amount_paid", &body.amount_paid)?,
        lines: body
            .lines
            .iter()
            .map(|l| {
                Ok(LineInput {
                    sku: l.sku.clone(),
                    category: l.category.clone(),
                    quantity: l.quantity,
                    unit_price: super::money("lines.unit_price", &l.unit_price)?,
                })
            })
            .collect::<Result<_, ApiError>>()?,
        operator_id: Some(staff.staff_id),
    };
    let result = state
        .loyalty
        .commit_order(cmd, prepared.as_ref().map(|p| p.idempotent(&render_order)))
        .await;
    respond(&state, prepared, result, &render_order).await
}

/// The order, if this account works in its store (another store's order is not found).
async fn visible_order(
    staff: &StaffAuth,
    state: &AppState,
    id: OrderId,
) -> Result<loyalty_core::model::Order, ApiError> {
    let order = state.loyalty.order(staff.merchant_id, id).await?;
    if staff.works_in(order.store_id) {
        Ok(order)
    } else {
        Err(loyalty_core::Error::NotFound("order").into())
    }
}

/// One order.
#[utoipa::path(tag = "merchant", params(("id" = Uuid, Path)), responses((status = 200, body = OrderView), (status = 404, body = Problem)), security(("bearer" = [])))]
#[get("/orders/{id}")]
pub async fn get_order(
    staff: StaffAuth,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let order = visible_order(&staff, &state, OrderId::from_uuid(id.into_inner())).await?;
    Ok(HttpResponse::Ok().json(OrderView::from(&order)))
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefundRequest {
    /// The amount to refund; all that is left when absent.
    #[schema(example = "28.80")]
    pub amount: Option<String>,
}

fn render_refund(receipt: &RefundReceipt) -> StoredResponse {
    let view = RefundReceiptView {
        refund: (&receipt.refund).into(),
        order: (&receipt.order).into(),
        balance_after: receipt.reversed.as_ref().map(|e| e.balance_after.value()),
    };
    stored(StatusCode::CREATED, &view)
}

/// Refunds all or part of an order and takes back its points proportionally.
#[utoipa::path(
    tag = "merchant",
    request_body = RefundRequest,
    params(("id" = Uuid, Path), ("Idempotency-Key" = Option<String>, Header, description = "Replays return the first response")),
    responses((status = 201, body = RefundReceiptView), (status = 404, body = Problem), (status = 422, body = Problem, description = "refund_exceeds_paid")),
    security(("bearer" = []))
)]
#[post("/orders/{id}/refunds")]
pub async fn refund_order(
    staff: StaffAuth,
    state: web::Data<AppState>,
    req: HttpRequest,
    key: IdempotencyHeader,
    id: web::Path<Uuid>,
    body: web::Json<RefundRequest>,
) -> Result<HttpResponse, ApiError> {
    let order_id = OrderId::from_uuid(id.into_inner());
    visible_order(&staff, &state, order_id).await?;
    let prepared = Prepared::claim(&state, &req, staff.merchant_id, staff.scope(), key, &*body)?;
    let amount = body
        .amount
        .as_deref()
        .map(|a| super::money("amount", a))
        .transpose()?;
    let cmd = RefundOrder {
        merchant_id: staff.merchant_id,
        order_id,
        amount,
        operator_id: Some(staff.staff_id),
    };
    let result = state
        .loyalty
        .refund_order(cmd, prepared.as_ref().map(|p| p.idempotent(&render_refund)))
        .await;
    respond(&state, prepared, result, &render_refund).await
}
