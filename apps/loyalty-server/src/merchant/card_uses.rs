//! Count cards (记次卡) at the till: HQ's service items (项目), selling a count card (an order
//! of its price), verifying a use at a store (核销) and undoing it the same day.

use crate::auth::StaffAuth;
use crate::error::{ApiError, Problem};
use crate::http::idempotency::{IdempotencyHeader, Prepared, respond};
use crate::http::input::money;
use crate::http::json::Json;
use crate::http::pagination::{Page, PageQuery};
use crate::shared::cards::CardEntryView;
use crate::shared::orders::OrderView;
use crate::state::AppState;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, patch, post, web};
use chrono::{DateTime, Utc};
use loyalty_core::cards::{
    CardEntry, NewServiceItem, ServiceItem, ServiceItemPatch, UndoCardUse, UseCard,
};
use loyalty_core::checkout::{CardSale, SellCard};
use loyalty_core::kernel::schema::{PositiveMoney, Reference};
use loyalty_core::kernel::{CardId, CardTemplateId, MemberId, ServiceItemId, StoreId};
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use super::orders::CardTenderRequest;

/// Registers this module's endpoints in its audience's scope.
pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(create_service_item)
        .service(list_service_items)
        .service(update_service_item)
        .service(sell_card)
        .service(use_card)
        .service(undo_card_use);
}

/// A service item (项目) count cards serve.
#[derive(Debug, Serialize, ToSchema)]
pub struct ServiceItemView {
    pub id: Uuid,
    pub code: String,
    pub name: String,
    #[schema(example = "38.00")]
    pub price: Option<String>,
    pub active: bool,
    pub created_at: DateTime<Utc>,
}

impl From<&ServiceItem> for ServiceItemView {
    fn from(i: &ServiceItem) -> Self {
        Self {
            id: i.id.as_uuid(),
            code: i.code.clone(),
            name: i.name.clone(),
            price: i.price.map(|p| p.to_string()),
            active: i.active,
            created_at: i.created_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ServiceItemList {
    pub items: Vec<ServiceItemView>,
    pub next_cursor: Option<String>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ServiceItemRequest {
    /// The merchant's own code, unique among its items (409 `service_item_code_taken`).
    #[schema(value_type = Reference, example = "HAIRCUT")]
    pub code: String,
    #[schema(example = "洗剪吹", pattern = r"\S", max_length = 40)]
    pub name: String,
    #[schema(value_type = Option<PositiveMoney>, example = "38.00")]
    pub price: Option<String>,
}

/// `null` and absent apart: `Some(None)` for `null`.
fn present<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(d).map(Some)
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ServiceItemPatchRequest {
    #[schema(pattern = r"\S", max_length = 40)]
    pub name: Option<String>,
    /// A price, or `null` to take it off.
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    #[schema(value_type = Option<PositiveMoney>, example = "42.00")]
    pub price: Option<Option<String>>,
    /// `false` stops the item: no use of it is verified any more.
    pub active: Option<bool>,
}

/// Adds a service item (HQ).
#[utoipa::path(tag = "merchant", request_body = ServiceItemRequest, responses((status = 201, body = ServiceItemView), (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
#[post("/service-items")]
pub async fn create_service_item(
    staff: StaffAuth,
    state: web::Data<AppState>,
    body: Json<ServiceItemRequest>,
) -> Result<HttpResponse, ApiError> {
    staff.require_headquarters()?;
    let new = NewServiceItem {
        code: body.code.clone(),
        name: body.name.clone(),
        price: body
            .price
            .as_deref()
            .map(|p| money("price", p))
            .transpose()?,
    };
    let item = state
        .loyalty
        .cards()
        .create_service_item(staff.merchant_id, new)
        .await?;
    Ok(HttpResponse::Created().json(ServiceItemView::from(&item)))
}

/// The merchant's service items, newest first.
#[utoipa::path(tag = "merchant", params(PageQuery), responses((status = 200, body = ServiceItemList)), security(("bearer" = [])))]
#[get("/service-items")]
pub async fn list_service_items(
    staff: StaffAuth,
    state: web::Data<AppState>,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let page =
        Page::<ServiceItemId>::checked("service_item", query.limit, query.cursor.as_deref())?;
    let items = state
        .loyalty
        .cards()
        .service_items(staff.merchant_id, page.before, page.limit)
        .await?;
    Ok(HttpResponse::Ok().json(ServiceItemList {
        items: items.iter().map(ServiceItemView::from).collect(),
        next_cursor: page.next(&items, |i| i.id),
    }))
}

/// Renames, prices or stops a service item (HQ).
#[utoipa::path(tag = "merchant", params(("id" = Uuid, Path)), request_body = ServiceItemPatchRequest, responses((status = 200, body = ServiceItemView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
#[patch("/service-items/{id}")]
pub async fn update_service_item(
    staff: StaffAuth,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    body: Json<ServiceItemPatchRequest>,
) -> Result<HttpResponse, ApiError> {
    staff.require_headquarters()?;
    let patch = ServiceItemPatch {
        name: body.name.clone(),
        price: body
            .price
            .as_ref()
            .map(|p| p.as_deref().map(|p| money("price", p)).transpose())
            .transpose()?,
        active: body.active,
    };
    let item = state
        .loyalty
        .cards()
        .update_service_item(
            staff.merchant_id,
            ServiceItemId::from_uuid(id.into_inner()),
            patch,
        )
        .await?;
    Ok(HttpResponse::Ok().json(ServiceItemView::from(&item)))
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SellCardRequest {
    /// A count card template.
    pub template_id: Uuid,
    /// Where it is sold; the staff member's store when they have one, else the default.
    pub store_id: Option<Uuid>,
    /// The till's own order number; unique per merchant when given.
    #[schema(value_type = Option<Reference>)]
    pub order_no: Option<String>,
    /// Part or all of the price paid from one of the member's stored-value cards.
    pub pay_from: Option<CardTenderRequest>,
}

/// A count card sold: the order of its price, and the card's entry with the uses it added.
#[derive(Debug, Serialize, ToSchema)]
pub struct CardSaleView {
    pub order: OrderView,
    pub points_earned: i64,
    pub card_entry: CardEntryView,
}

fn render_sale(sale: &CardSale) -> CardSaleView {
    CardSaleView {
        order: OrderView::from(&sale.receipt.order),
        points_earned: sale.receipt.order.points_earned.value(),
        card_entry: CardEntryView::from(&sale.entry),
    }
}

/// Sells a count card (记次卡) to a member at the till: an order of the card's price, which
/// earns points like any order, and the card's uses added (the card opened when the member
/// holds none of the template; buying again adds uses).
#[utoipa::path(
    tag = "merchant",
    params(("id" = Uuid, Path), ("Idempotency-Key" = Option<String>, Header, description = "Replays return the first response")),
    request_body = SellCardRequest,
    responses((status = 201, body = CardSaleView), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem, description = "card_kind_mismatch, card_template_inactive, insufficient_card_balance, idempotency_key_reused")),
    security(("bearer" = []))
)]
#[post("/members/{id}/cards/sales")]
pub async fn sell_card(
    staff: StaffAuth,
    state: web::Data<AppState>,
    req: HttpRequest,
    key: IdempotencyHeader,
    member: web::Path<Uuid>,
    body: Json<SellCardRequest>,
) -> Result<HttpResponse, ApiError> {
    let prepared = Prepared::claim(&state.in_flight, &req, key, staff.key_scope(), &*body)?;
    let cmd = SellCard {
        merchant_id: staff.merchant_id,
        member_id: MemberId::from_uuid(member.into_inner()),
        template_id: CardTemplateId::from_uuid(body.template_id),
        store_id: staff.store_for(body.store_id.map(StoreId::from_uuid))?,
        order_no: body.order_no.clone(),
        pay_from: body
            .pay_from
            .as_ref()
            .map(CardTenderRequest::tender)
            .transpose()?,
        operator_id: Some(staff.staff_id),
    };
    let result = state
        .loyalty
        .checkout()
        .sell_card(cmd, prepared.idempotent())
        .await;
    respond(result, StatusCode::CREATED, render_sale)
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CardUseRequest {
    /// The service item served: one the card names.
    pub item_id: Uuid,
    /// Where: the staff member's store when they have one, else the merchant's default.
    pub store_id: Option<Uuid>,
}

fn render_entry(entry: &CardEntry) -> CardEntryView {
    CardEntryView::from(entry)
}

/// Verifies one use of a member's count card (核销) for one of its service items at a
/// store: never below zero, however many stores verify at once; the member is told (scene
/// `card_use`).
#[utoipa::path(
    tag = "merchant",
    params(("id" = Uuid, Path), ("card_id" = Uuid, Path), ("Idempotency-Key" = Option<String>, Header, description = "Replays return the first response")),
    request_body = CardUseRequest,
    responses((status = 201, body = CardEntryView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem, description = "card_used_up, card_expired, item_not_on_card, service_item_inactive, card_kind_mismatch, idempotency_key_reused")),
    security(("bearer" = []))
)]
#[post("/members/{id}/cards/{card_id}/uses")]
pub async fn use_card(
    staff: StaffAuth,
    state: web::Data<AppState>,
    req: HttpRequest,
    key: IdempotencyHeader,
    path: web::Path<(Uuid, Uuid)>,
    body: Json<CardUseRequest>,
) -> Result<HttpResponse, ApiError> {
    let prepared = Prepared::claim(&state.in_flight, &req, key, staff.key_scope(), &*body)?;
    let (member, card) = path.into_inner();
    let cmd = UseCard {
        merchant_id: staff.merchant_id,
        member_id: MemberId::from_uuid(member),
        card_id: CardId::from_uuid(card),
        item_id: ServiceItemId::from_uuid(body.item_id),
        store_id: staff.store_for(body.store_id.map(StoreId::from_uuid))?,
        operator_id: Some(staff.staff_id),
    };
    let result = state
        .loyalty
        .cards()
        .use_card(cmd, prepared.idempotent())
        .await;
    respond(result, StatusCode::CREATED, render_entry)
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UndoCardUseRequest {
    /// The store the use was verified at (the staff member's own when they have one, else
    /// the merchant's default).
    pub store_id: Option<Uuid>,
}

/// Undoes a use the same day at the same store: the use comes back to the card, once.
#[utoipa::path(
    tag = "merchant",
    params(("id" = Uuid, Path), ("card_id" = Uuid, Path), ("use_id" = Uuid, Path, description = "The use's ledger entry"), ("Idempotency-Key" = Option<String>, Header, description = "Replays return the first response")),
    request_body = UndoCardUseRequest,
    responses((status = 201, body = CardEntryView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem, description = "already_applied"), (status = 422, body = Problem, description = "undo_window_closed")),
    security(("bearer" = []))
)]
#[post("/members/{id}/cards/{card_id}/uses/{use_id}/undo")]
pub async fn undo_card_use(
    staff: StaffAuth,
    state: web::Data<AppState>,
    req: HttpRequest,
    key: IdempotencyHeader,
    path: web::Path<(Uuid, Uuid, Uuid)>,
    body: Json<UndoCardUseRequest>,
) -> Result<HttpResponse, ApiError> {
    let prepared = Prepared::claim(&state.in_flight, &req, key, staff.key_scope(), &*body)?;
    let (member, card, use_id) = path.into_inner();
    let cmd = UndoCardUse {
        merchant_id: staff.merchant_id,
        member_id: MemberId::from_uuid(member),
        card_id: CardId::from_uuid(card),
        use_id,
        store_id: staff.store_for(body.store_id.map(StoreId::from_uuid))?,
        operator_id: Some(staff.staff_id),
    };
    let result = state
        .loyalty
        .cards()
        .undo_use(cmd, prepared.idempotent())
        .await;
    respond(result, StatusCode::CREATED, render_entry)
}
