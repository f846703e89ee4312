//! A member's stored-value cards and a card's ledger, as the member and staff see them.

use super::fen;
use crate::error::ApiError;
use crate::http::pagination::{Page, PageQuery};
use crate::state::AppState;
use actix_web::HttpResponse;
use chrono::{DateTime, Utc};
use loyalty_core::cards::{CardEntry, CardEntryKind, HeldCard};
use loyalty_core::kernel::{CardId, MemberId, MerchantId};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

/// A member's card with its balance, principal and bonus apart.
#[derive(Debug, Serialize, ToSchema)]
pub struct CardView {
    pub id: Uuid,
    pub member_id: Uuid,
    pub template_id: Uuid,
    /// `stored_value`, `count` or `period`.
    pub kind: String,
    pub name: String,
    /// The text the member sees on the card.
    pub description: Option<String>,
    pub theme_colour: Option<String>,
    pub background_image: Option<String>,
    /// Principal and bonus together: what the card can pay.
    #[schema(example = "120.00")]
    pub balance: String,
    #[schema(example = "100.00")]
    pub principal: String,
    #[schema(example = "20.00")]
    pub bonus: String,
    /// A count card's uses left.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uses_left: Option<i64>,
    /// When a count card's uses lapse, or a period card's period ends.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<DateTime<Utc>>,
    /// When a period card's period started.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub starts_at: Option<DateTime<Utc>>,
    /// Periods bought that start at the first use.
    #[serde(skip_serializing_if = "is_zero")]
    pub periods_pending: i64,
    /// The service items a count card serves.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub items: Vec<Uuid>,
    pub opened_at: DateTime<Utc>,
}

fn is_zero(n: &i64) -> bool {
    *n == 0
}

impl From<&HeldCard> for CardView {
    fn from(h: &HeldCard) -> Self {
        let rules = &h.template.rules;
        Self {
            id: h.card.id.as_uuid(),
            member_id: h.card.member_id.as_uuid(),
            template_id: h.template.id.as_uuid(),
            kind: rules.kind.as_str().to_owned(),
            name: rules.name.clone(),
            description: rules.description.clone(),
            theme_colour: rules.theme_colour.clone(),
            background_image: rules.background_image.clone(),
            balance: h.card.balance().to_string(),
            principal: h.card.principal.to_string(),
            bonus: h.card.bonus.to_string(),
            uses_left: h.card.uses_left,
            expires_at: h.card.expires_at,
            starts_at: h.card.starts_at,
            periods_pending: h.card.periods_pending,
            items: rules.items().iter().map(|i| i.as_uuid()).collect(),
            opened_at: h.card.opened_at,
        }
    }
}

/// One movement of a card's balance.
#[derive(Debug, Serialize, ToSchema)]
pub struct CardEntryView {
    pub id: Uuid,
    pub card_id: Uuid,
    /// `top_up`, `payment` (an order paid from the card), `refund` (a refund of such an
    /// order) or `top_up_refund` (a top-up given back).
    pub kind: String,
    /// Signed changes (`"-12.00"` for money taken).
    #[schema(example = "100.00")]
    pub principal_change: String,
    #[schema(example = "20.00")]
    pub bonus_change: String,
    #[schema(example = "120.00")]
    pub balance_after: String,
    pub principal_after: String,
    pub bonus_after: String,
    /// A top-up's payment reference at the till, when one was given.
    pub payment_ref: Option<String>,
    /// The order a `payment` paid, or a `sale` sold the card by.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub order_id: Option<Uuid>,
    /// The refund that gave a `refund` back.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refund_id: Option<Uuid>,
    /// The top-up a `top_up_refund` gave back.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub top_up_id: Option<Uuid>,
    /// Uses a count card's entry added (`sale`, `use_undone`) or took (`use`: -1).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uses_change: Option<i64>,
    /// A count card's uses left after the entry.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uses_after: Option<i64>,
    /// The service item a use served.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub item_id: Option<Uuid>,
    /// The use a `use_undone` undid.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub use_id: Option<Uuid>,
    pub store_id: Option<Uuid>,
    pub created_at: DateTime<Utc>,
}

impl From<&CardEntry> for CardEntryView {
    fn from(e: &CardEntry) -> Self {
        Self {
            id: e.id,
            card_id: e.card_id.as_uuid(),
            kind: e.kind.as_str().to_owned(),
            principal_change: fen(e.principal_delta),
            bonus_change: fen(e.bonus_delta),
            balance_after: fen(e.principal_after.fen() + e.bonus_after.fen()),
            principal_after: e.principal_after.to_string(),
            bonus_after: e.bonus_after.to_string(),
            // Without a reference a top-up's own id is its business key: not a payment's.
            payment_ref: (e.kind == CardEntryKind::TopUp && e.source_ref != e.id.to_string())
                .then(|| e.source_ref.clone()),
            order_id: matches!(e.kind, CardEntryKind::Payment | CardEntryKind::Sale)
                .then(|| Uuid::parse_str(&e.source_ref).ok())
                .flatten(),
            refund_id: (e.kind == CardEntryKind::Refund)
                .then(|| Uuid::parse_str(&e.source_ref).ok())
                .flatten(),
            top_up_id: (e.kind == CardEntryKind::TopUpRefund)
                .then(|| Uuid::parse_str(&e.source_ref).ok())
                .flatten(),
            uses_change: (e.uses_delta != 0).then_some(e.uses_delta),
            uses_after: e.uses_after,
            item_id: e.item_id.map(|i| i.as_uuid()),
            use_id: (e.kind == CardEntryKind::UseUndone)
                .then(|| Uuid::parse_str(&e.source_ref).ok())
                .flatten(),
            store_id: e.store_id.map(|s| s.as_uuid()),
            created_at: e.created_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CardList {
    pub items: Vec<CardView>,
}

/// A member's cards with their balances (the member's own, or for staff).
pub async fn cards_of(
    state: &AppState,
    merchant: MerchantId,
    member: MemberId,
) -> Result<HttpResponse, ApiError> {
    let cards = state.loyalty.cards().member_cards(merchant, member).await?;
    Ok(HttpResponse::Ok().json(CardList {
        items: cards.iter().map(CardView::from).collect(),
    }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CardLedgerView {
    pub card: CardView,
    /// Newest first.
    pub items: Vec<CardEntryView>,
    pub next_cursor: Option<String>,
}

/// A member's card with a page of its ledger, newest first.
pub async fn ledger_of(
    state: &AppState,
    merchant: MerchantId,
    member: MemberId,
    card: Uuid,
    query: &PageQuery,
) -> Result<HttpResponse, ApiError> {
    let page = Page::checked("card_entry", query.limit, query.cursor.as_deref())?;
    let (held, entries) = state
        .loyalty
        .cards()
        .ledger(
            merchant,
            member,
            CardId::from_uuid(card),
            page.before,
            page.limit,
        )
        .await?;
    Ok(HttpResponse::Ok().json(CardLedgerView {
        card: CardView::from(&held),
        items: entries.iter().map(CardEntryView::from).collect(),
        next_cursor: page.next(&entries, |e| e.id),
    }))
}
