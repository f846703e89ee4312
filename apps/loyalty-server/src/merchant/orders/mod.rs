//! Orders at the till: pricing one, committing it (coupons, points as cash, points earned),
//! looking it up, refunding it. Store staff see their stores' orders only.

mod dto;
use crate::http::json::Json;
use dto::{OrderDetailView, OrderReceiptView, OrderView, QuoteView, RefundReceiptView};

use crate::auth::StaffAuth;
use crate::error::{ApiError, Problem};
use crate::http::idempotency::{IdempotencyHeader, Prepared, respond};
use crate::http::input::{coupon_code, money};
use crate::shared::orders::{OrderList, OrdersQuery, orders_of};
use crate::state::AppState;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use loyalty_core::cards::CardEntry;
use loyalty_core::checkout::{
    CardTender, CommitOrder, LineInput, OrderReceipt, RefundLineInput, RefundOrder, RefundReceipt,
};
use loyalty_core::kernel::schema::{CouponCodeText, PositiveMoney, Reference};
use loyalty_core::kernel::{CardId, MemberId, Money, OrderId, Points, StoreId};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

/// Registers this module's endpoints in its audience's scope.
pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(quote_order)
        .service(list_orders)
        .service(commit_order)
        .service(get_order)
        .service(refund_order);
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CommitOrderRequest {
    /// The member (the till finds it by scanning the member code:
    /// `POST /merchant/member-codes/resolve`).
    pub member_id: Uuid,
    /// The default store when absent.
    pub store_id: Option<Uuid>,
    /// The till's own order number; unique per merchant when given.
    #[schema(value_type = Option<Reference>)]
    pub order_no: Option<String>,
    /// Only for an order the till priced itself: what the member paid (the lines, optional
    /// then, share it in proportion; no coupons or points). Leave it out to have the engine
    /// price the lines: tier discount → coupons → points as cash → amount due.
    #[schema(value_type = Option<Money>, example = "128.80")]
    pub amount_paid: Option<String>,
    /// What was bought: required when the engine prices the order; category and item rules
    /// of earning and coupons need it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schema(max_items = 500)]
    pub lines: Vec<OrderLineRequest>,
    /// Codes of the member's coupons to use, each once.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schema(value_type = Vec<CouponCodeText>, max_items = 10)]
    pub coupon_codes: Vec<String>,
    /// Points to use as cash (the merchant's `checkout.points_as_cash` rule).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(minimum = 0)]
    pub points: Option<i64>,
    /// Part or all of what is due paid from one of the member's stored-value cards.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub card: Option<CardTenderRequest>,
}

/// Paying from a stored-value card (储值卡支付): principal and bonus are taken in the
/// merchant's `checkout.stored_value.spend_order`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CardTenderRequest {
    /// One of the member's cards.
    pub card_id: Uuid,
    /// How much the card pays; leave it out to pay all it can, up to what is due.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<PositiveMoney>, example = "50.00")]
    pub amount: Option<String>,
}

impl CardTenderRequest {
    pub(crate) fn tender(&self) -> Result<CardTender, ApiError> {
        Ok(CardTender {
            card_id: CardId::from_uuid(self.card_id),
            amount: self
                .amount
                .as_deref()
                .map(|a| money("card.amount", a))
                .transpose()?,
        })
    }
}

impl CommitOrderRequest {
    fn command(&self, staff: &StaffAuth) -> Result<CommitOrder, ApiError> {
        Ok(CommitOrder {
            merchant_id: staff.merchant_id,
            store_id: staff.store_for(self.store_id.map(StoreId::from_uuid))?,
            member_id: MemberId::from_uuid(self.member_id),
            order_no: self.order_no.clone(),
            amount_paid: self
                .amount_paid
                .as_deref()
                .map(|a| money("amount_paid", a))
                .transpose()?,
            lines: self
                .lines
                .iter()
                .map(|l| {
                    Ok(LineInput {
                        sku: l.sku.clone(),
                        category: l.category.clone(),
                        quantity: l.quantity,
                        unit_price: money("lines.unit_price", &l.unit_price)?,
                    })
                })
                .collect::<Result<_, ApiError>>()?,
            coupon_codes: self
                .coupon_codes
                .iter()
                .map(|c| coupon_code("coupon_codes", c))
                .collect::<Result<_, ApiError>>()?,
            points_to_use: Points::new(self.points.unwrap_or(0)),
            card: self
                .card
                .as_ref()
                .map(CardTenderRequest::tender)
                .transpose()?,
            operator_id: Some(staff.staff_id),
        })
    }
}

/// An order to price: what `POST /merchant/orders` takes, without what only a committed
/// order has (the till's order number, an amount the till priced itself).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QuoteRequest {
    pub member_id: Uuid,
    /// The default store when absent.
    pub store_id: Option<Uuid>,
    /// What would be bought.
    #[schema(min_items = 1, max_items = 500)]
    pub lines: Vec<OrderLineRequest>,
    /// Codes of the member's coupons to use, each once.
    #[serde(default)]
    #[schema(value_type = Vec<CouponCodeText>, max_items = 10)]
    pub coupon_codes: Vec<String>,
    /// Points to use as cash.
    #[serde(default)]
    #[schema(minimum = 0)]
    pub points: Option<i64>,
    /// Part or all of what is due paid from one of the member's stored-value cards.
    #[serde(default)]
    pub card: Option<CardTenderRequest>,
}

impl From<QuoteRequest> for CommitOrderRequest {
    fn from(quote: QuoteRequest) -> Self {
        Self {
            member_id: quote.member_id,
            store_id: quote.store_id,
            order_no: None,
            amount_paid: None,
            lines: quote.lines,
            coupon_codes: quote.coupon_codes,
            points: quote.points,
            card: quote.card,
        }
    }
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrderLineRequest {
    /// The item's code (blank: none).
    #[schema(pattern = r"^[\t\n\r ]*([!-~]{1,64})?[\t\n\r ]*$")]
    pub sku: Option<String>,
    /// The item's category (blank: none).
    #[schema(pattern = r"^[\t\n\r ]*([!-~]{1,64})?[\t\n\r ]*$")]
    pub category: Option<String>,
    #[schema(minimum = 1, maximum = 100_000)]
    pub quantity: i64,
    #[schema(value_type = Money, example = "32.00")]
    pub unit_price: String,
}

fn render_order(receipt: &OrderReceipt) -> OrderReceiptView {
    OrderReceiptView {
        order: (&receipt.order).into(),
        lines: receipt.lines.iter().map(Into::into).collect(),
        pricing: receipt.pricing.clone(),
        points_earned: receipt.order.points_earned.value(),
        points_used: receipt.order.points_used.value(),
        balance_after: receipt.balance_after.value(),
        policy_version: receipt.policy_version,
        earning: receipt.explanation.clone(),
        tier_upgraded_to: receipt.tier_upgraded_to.clone(),
        card_balance_after: card_balance(receipt.card_entry.as_ref()),
    }
}

fn card_balance(entry: Option<&CardEntry>) -> Option<String> {
    entry.map(|e| {
        Money::from_fen(e.principal_after.fen() + e.bonus_after.fen())
            .unwrap_or_default()
            .to_string()
    })
}

/// Prices an order as committing it now would (tier discount, coupons, points as cash,
/// points to earn), changing nothing.
#[utoipa::path(
    tag = "merchant",
    request_body = QuoteRequest,
    responses((status = 200, body = QuoteView), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = []))
)]
#[post("/orders/quote")]
pub async fn quote_order(
    staff: StaffAuth,
    state: web::Data<AppState>,
    body: Json<QuoteRequest>,
) -> Result<HttpResponse, ApiError> {
    let order = CommitOrderRequest::from(body.into_inner());
    let quote = state
        .loyalty
        .checkout()
        .quote(order.command(&staff)?)
        .await?;
    let card_part = quote.card.as_ref().map_or(0, |c| c.amount.fen());
    let paid_otherwise = Money::from_fen(quote.pricing.amount_due.fen() - card_part)
        .unwrap_or_default()
        .to_string();
    Ok(HttpResponse::Ok().json(QuoteView {
        card: quote.card.as_ref().map(Into::into),
        paid_otherwise,
        pricing: quote.pricing,
        points_to_earn: quote.points_to_earn.value(),
        earning: quote.earning,
        policy_version: quote.policy_version,
        balance: quote.balance.value(),
    }))
}

/// Commits an order: the engine prices its lines (or the till's `amount_paid` stands), uses
/// its coupons and points, and the amount paid earns points by the merchant's policy; all
/// in one transaction.
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
    body: Json<CommitOrderRequest>,
) -> Result<HttpResponse, ApiError> {
    let prepared = Prepared::claim(&state.in_flight, &req, key, staff.key_scope(), &*body)?;
    let cmd = body.command(&staff)?;
    let result = state
        .loyalty
        .checkout()
        .commit(cmd, prepared.idempotent())
        .await;
    respond(result, StatusCode::CREATED, render_order)
}

/// The order, if this account works in its store (another store's order is not found).
async fn visible_order(
    staff: &StaffAuth,
    state: &AppState,
    id: OrderId,
) -> Result<loyalty_core::checkout::Order, ApiError> {
    let order = state
        .loyalty
        .checkout()
        .order(staff.merchant_id, id)
        .await?;
    if staff.works_in(order.store_id) {
        Ok(order)
    } else {
        Err(loyalty_core::Error::NotFound(loyalty_core::checkout::ORDER).into())
    }
}

/// The merchant's orders, newest first: HQ sees every store's, store staff their stores'
/// only. Filters: a store, a member, days in the merchant's time zone, a status.
#[utoipa::path(
    tag = "merchant",
    params(OrdersQuery),
    responses((status = 200, body = OrderList), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = []))
)]
#[get("/orders")]
pub async fn list_orders(
    staff: StaffAuth,
    state: web::Data<AppState>,
    query: web::Query<OrdersQuery>,
) -> Result<HttpResponse, ApiError> {
    let page = query.query();
    let mut listing = page.listing()?;
    listing.member = query.member_id.map(MemberId::from_uuid);
    listing.stores = match query.store_id.map(StoreId::from_uuid) {
        Some(store) if staff.works_in(store) => vec![store],
        Some(_) => {
            return Err(ApiError::forbidden(
                "this account does not work in that store",
            ));
        }
        None if staff.role.is_headquarters() => Vec::new(),
        None => staff.store_ids.clone(),
    };
    orders_of(&state, staff.merchant_id, listing, &page).await
}

/// One order with its lines: what each cost, its discounts, what was paid and refunded.
#[utoipa::path(tag = "merchant", params(("id" = Uuid, Path)), responses((status = 200, body = OrderDetailView), (status = 404, body = Problem)), security(("bearer" = [])))]
#[get("/orders/{id}")]
pub async fn get_order(
    staff: StaffAuth,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let order = visible_order(&staff, &state, OrderId::from_uuid(id.into_inner())).await?;
    let (order, lines) = state
        .loyalty
        .checkout()
        .order_with_lines(staff.merchant_id, order.id)
        .await?;
    Ok(HttpResponse::Ok().json(OrderDetailView {
        order: OrderView::from(&order),
        lines: lines.iter().map(Into::into).collect(),
    }))
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefundLineRequest {
    /// The line's number (1, 2, 3 … as the order's lines were sent).
    #[schema(minimum = 1)]
    pub line_no: i32,
    #[schema(minimum = 1, maximum = 100_000)]
    pub quantity: i64,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefundRequest {
    /// An amount to refund (for an order without lines, or a goodwill refund). With neither
    /// `amount` nor `lines`, all that is left is refunded.
    #[schema(value_type = Option<PositiveMoney>, example = "28.80")]
    pub amount: Option<String>,
    /// Units of lines to refund: each gives back its share of the amount paid and of the
    /// points used, to the fen.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schema(max_items = 500)]
    pub lines: Vec<RefundLineRequest>,
}

fn render_refund(receipt: &RefundReceipt) -> RefundReceiptView {
    RefundReceiptView {
        refund: (&receipt.refund).into(),
        order: (&receipt.order).into(),
        balance_after: receipt.balance_after.map(|b| b.value()),
        card_balance_after: card_balance(receipt.card_entry.as_ref()),
    }
}

/// Refunds the whole order, some units of its lines, or an amount: earned points are taken
/// back proportionally, spent points given back, and a whole refund returns its coupons.
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
    body: Json<RefundRequest>,
) -> Result<HttpResponse, ApiError> {
    let order_id = OrderId::from_uuid(id.into_inner());
    visible_order(&staff, &state, order_id).await?;
    let prepared = Prepared::claim(&state.in_flight, &req, key, staff.key_scope(), &*body)?;
    let amount = body
        .amount
        .as_deref()
        .map(|a| money("amount", a))
        .transpose()?;
    let cmd = RefundOrder {
        merchant_id: staff.merchant_id,
        order_id,
        amount,
        lines: body
            .lines
            .iter()
            .map(|l| RefundLineInput {
                line_no: l.line_no,
                quantity: l.quantity,
            })
            .collect(),
        operator_id: Some(staff.staff_id),
    };
    let result = state
        .loyalty
        .checkout()
        .refund(cmd, prepared.idempotent())
        .await;
    respond(result, StatusCode::CREATED, render_refund)
}
