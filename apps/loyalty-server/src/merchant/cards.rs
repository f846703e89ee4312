//! Stored-value cards (储值卡) as staff handle them: templates (HQ), opening a card for a
//! member and topping it up at the till, a member's cards and a card's ledger.

use super::coupons::TemplatePatch;
use crate::auth::StaffAuth;
use crate::error::{ApiError, Problem};
use crate::http::idempotency::{IdempotencyHeader, Prepared, respond};
use crate::http::input::money;
use crate::http::json::Json;
use crate::http::pagination::{Page, PageQuery};
use crate::shared::cards::{
    CardEntryView, CardLedgerView, CardList, CardView, cards_of, ledger_of,
};
use crate::state::AppState;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, patch, post, web};
use chrono::{DateTime, Utc};
use loyalty_core::cards::{CardEntry, CardRules, CardTemplate, OpenCard, RefundTopUp, TopUpCard};
use loyalty_core::kernel::schema::{PositiveMoney, Reference};
use loyalty_core::kernel::{CardId, CardTemplateId, MemberId, StoreId};
use loyalty_core::merchants::StaffRole;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

/// Registers this module's endpoints in its audience's scope.
pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(create_card_template)
        .service(list_card_templates)
        .service(get_card_template)
        .service(update_card_template)
        .service(open_card)
        .service(member_cards)
        .service(top_up)
        .service(refund_top_up)
        .service(card_ledger);
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CardTemplateList {
    pub items: Vec<CardTemplateView>,
    pub next_cursor: Option<String>,
}

/// Creates a card template (HQ): a stored-value card with its top-up plans (充 100 送 20),
/// other amounts allowed, a balance cap, and its look. See the README's "Stored-value cards".
#[utoipa::path(tag = "merchant", request_body(content = CardRules, description = "Card rules"), responses((status = 201, body = CardTemplateView), (status = 403, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
#[post("/card-templates")]
pub async fn create_card_template(
    staff: StaffAuth,
    state: web::Data<AppState>,
    body: Json<CardRules>,
) -> Result<HttpResponse, ApiError> {
    staff.require_headquarters()?;
    let template = state
        .loyalty
        .cards()
        .create_template(staff.merchant_id, body.into_inner(), Some(staff.staff_id))
        .await?;
    Ok(HttpResponse::Created().json(CardTemplateView::from(&template)))
}

/// The merchant's card templates, newest first.
#[utoipa::path(tag = "merchant", params(PageQuery), responses((status = 200, body = CardTemplateList)), security(("bearer" = [])))]
#[get("/card-templates")]
pub async fn list_card_templates(
    staff: StaffAuth,
    state: web::Data<AppState>,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let page =
        Page::<CardTemplateId>::checked("card_template", query.limit, query.cursor.as_deref())?;
    let templates = state
        .loyalty
        .cards()
        .templates(staff.merchant_id, page.before, page.limit)
        .await?;
    Ok(HttpResponse::Ok().json(CardTemplateList {
        items: templates.iter().map(CardTemplateView::from).collect(),
        next_cursor: page.next(&templates, |t| t.id),
    }))
}

/// One card template.
#[utoipa::path(tag = "merchant", params(("id" = Uuid, Path)), responses((status = 200, body = CardTemplateView), (status = 404, body = Problem)), security(("bearer" = [])))]
#[get("/card-templates/{id}")]
pub async fn get_card_template(
    staff: StaffAuth,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let template = state
        .loyalty
        .cards()
        .template(
            staff.merchant_id,
            CardTemplateId::from_uuid(id.into_inner()),
        )
        .await?;
    Ok(HttpResponse::Ok().json(CardTemplateView::from(&template)))
}

/// Stops or restarts opening cards from a template (HQ); opened cards stay usable.
#[utoipa::path(tag = "merchant", params(("id" = Uuid, Path)), request_body = TemplatePatch, responses((status = 200, body = CardTemplateView), (status = 403, body = Problem), (status = 404, body = Problem)), security(("bearer" = [])))]
#[patch("/card-templates/{id}")]
pub async fn update_card_template(
    staff: StaffAuth,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    body: Json<TemplatePatch>,
) -> Result<HttpResponse, ApiError> {
    staff.require_headquarters()?;
    let template = state
        .loyalty
        .cards()
        .set_template_active(
            staff.merchant_id,
            CardTemplateId::from_uuid(id.into_inner()),
            body.active,
        )
        .await?;
    Ok(HttpResponse::Ok().json(CardTemplateView::from(&template)))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CardTemplateView {
    pub id: Uuid,
    /// The rules as created (kind, name, look, plans, custom range, balance cap); see the
    /// README's "Stored-value cards".
    pub rules: CardRules,
    pub active: bool,
    pub created_at: DateTime<Utc>,
}

impl From<&CardTemplate> for CardTemplateView {
    fn from(t: &CardTemplate) -> Self {
        Self {
            id: t.id.as_uuid(),
            rules: t.rules.clone(),
            active: t.active,
            created_at: t.created_at,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OpenCardRequest {
    pub template_id: Uuid,
    /// Where it is opened; the staff member's store when they have one.
    pub store_id: Option<Uuid>,
}

/// Opens a card of an active template for a member; a member holds one card of a template.
#[utoipa::path(tag = "merchant", params(("id" = Uuid, Path)), request_body = OpenCardRequest, responses((status = 201, body = CardView), (status = 404, body = Problem), (status = 409, body = Problem, description = "card_exists"), (status = 422, body = Problem, description = "card_template_inactive")), security(("bearer" = [])))]
#[post("/members/{id}/cards")]
pub async fn open_card(
    staff: StaffAuth,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    body: Json<OpenCardRequest>,
) -> Result<HttpResponse, ApiError> {
    let cmd = OpenCard {
        merchant_id: staff.merchant_id,
        member_id: MemberId::from_uuid(id.into_inner()),
        template_id: CardTemplateId::from_uuid(body.template_id),
        store_id: staff.store_for(body.store_id.map(StoreId::from_uuid))?,
        operator_id: Some(staff.staff_id),
    };
    let held = state.loyalty.cards().open(cmd).await?;
    Ok(HttpResponse::Created().json(CardView::from(&held)))
}

/// A member's cards with their balances.
#[utoipa::path(tag = "merchant", params(("id" = Uuid, Path)), responses((status = 200, body = CardList), (status = 404, body = Problem)), security(("bearer" = [])))]
#[get("/members/{id}/cards")]
pub async fn member_cards(
    staff: StaffAuth,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    cards_of(
        &state,
        staff.merchant_id,
        MemberId::from_uuid(id.into_inner()),
    )
    .await
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TopUpRequest {
    /// What the member paid: a plan's amount (with its bonus) or one in the template's
    /// custom range.
    #[schema(value_type = PositiveMoney, example = "100.00")]
    pub amount: String,
    /// The payment's reference at the till (POS or terminal transaction number): a payment
    /// tops up once, however often it is sent (409 `already_applied`).
    #[schema(value_type = Option<Reference>)]
    pub payment_ref: Option<String>,
    /// Where it is paid; the staff member's store when they have one.
    pub store_id: Option<Uuid>,
}

fn render_entry(entry: &CardEntry) -> CardEntryView {
    CardEntryView::from(entry)
}

/// Tops a member's card up at the till: the amount paid and the plan's bonus go onto the
/// card, in its ledger, and the member is told (scene `top_up`).
#[utoipa::path(
    tag = "merchant",
    params(("id" = Uuid, Path), ("card_id" = Uuid, Path), ("Idempotency-Key" = Option<String>, Header, description = "Replays return the first response")),
    request_body = TopUpRequest,
    responses((status = 201, body = CardEntryView), (status = 404, body = Problem), (status = 409, body = Problem, description = "already_applied"), (status = 422, body = Problem, description = "validation_failed, top_up_not_offered, card_balance_limit, idempotency_key_reused")),
    security(("bearer" = []))
)]
#[post("/members/{id}/cards/{card_id}/top-ups")]
pub async fn top_up(
    staff: StaffAuth,
    state: web::Data<AppState>,
    req: HttpRequest,
    key: IdempotencyHeader,
    path: web::Path<(Uuid, Uuid)>,
    body: Json<TopUpRequest>,
) -> Result<HttpResponse, ApiError> {
    let prepared = Prepared::claim(&state.in_flight, &req, key, staff.key_scope(), &*body)?;
    let (member, card) = path.into_inner();
    let body = body.into_inner();
    let cmd = TopUpCard {
        merchant_id: staff.merchant_id,
        member_id: MemberId::from_uuid(member),
        card_id: CardId::from_uuid(card),
        amount: money("amount", &body.amount)?,
        payment_ref: body.payment_ref,
        store_id: staff.store_for(body.store_id.map(StoreId::from_uuid))?,
        operator_id: Some(staff.staff_id),
    };
    let result = state
        .loyalty
        .cards()
        .top_up(cmd, prepared.idempotent())
        .await;
    respond(result, StatusCode::CREATED, render_entry)
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefundTopUpRequest {
    /// Where it is refunded; the staff member's store when they have one.
    pub store_id: Option<Uuid>,
}

/// Refunds a top-up (退充值) while what it put on the card is still there: its principal
/// (paid back to the member outside the engine) and its bonus come off the card, once. HQ
/// and store managers only.
#[utoipa::path(
    tag = "merchant",
    params(("id" = Uuid, Path), ("card_id" = Uuid, Path), ("entry_id" = Uuid, Path, description = "The top-up's ledger entry"), ("Idempotency-Key" = Option<String>, Header, description = "Replays return the first response")),
    request_body = RefundTopUpRequest,
    responses((status = 201, body = CardEntryView), (status = 403, body = Problem), (status = 404, body = Problem, description = "card_not_found, top_up_not_found"), (status = 409, body = Problem, description = "already_applied"), (status = 422, body = Problem, description = "top_up_spent, idempotency_key_reused")),
    security(("bearer" = []))
)]
#[post("/members/{id}/cards/{card_id}/top-ups/{entry_id}/refund")]
pub async fn refund_top_up(
    staff: StaffAuth,
    state: web::Data<AppState>,
    req: HttpRequest,
    key: IdempotencyHeader,
    path: web::Path<(Uuid, Uuid, Uuid)>,
    body: Json<RefundTopUpRequest>,
) -> Result<HttpResponse, ApiError> {
    if staff.role == StaffRole::Cashier {
        return Err(ApiError::forbidden(
            "a top-up is refunded by HQ or a store manager",
        ));
    }
    let prepared = Prepared::claim(&state.in_flight, &req, key, staff.key_scope(), &*body)?;
    let (member, card, entry) = path.into_inner();
    let cmd = RefundTopUp {
        merchant_id: staff.merchant_id,
        member_id: MemberId::from_uuid(member),
        card_id: CardId::from_uuid(card),
        top_up: entry,
        store_id: staff.store_for(body.store_id.map(StoreId::from_uuid))?,
        operator_id: Some(staff.staff_id),
    };
    let result = state
        .loyalty
        .cards()
        .refund_top_up(cmd, prepared.idempotent())
        .await;
    respond(result, StatusCode::CREATED, render_entry)
}

/// A member's card with its ledger, newest first.
#[utoipa::path(tag = "merchant", params(("id" = Uuid, Path), ("card_id" = Uuid, Path), PageQuery), responses((status = 200, body = CardLedgerView), (status = 404, body = Problem)), security(("bearer" = [])))]
#[get("/members/{id}/cards/{card_id}/ledger")]
pub async fn card_ledger(
    staff: StaffAuth,
    state: web::Data<AppState>,
    path: web::Path<(Uuid, Uuid)>,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let (member, card) = path.into_inner();
    ledger_of(
        &state,
        staff.merchant_id,
        MemberId::from_uuid(member),
        card,
        &query,
    )
    .await
}
