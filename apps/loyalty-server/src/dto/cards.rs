//! What the card and wallet endpoints answer.

use chrono::{DateTime, Utc};
use loyalty_core::cards::CardRules;
use loyalty_core::cards::HeldCard;
use loyalty_core::cards::{CardEntry, CardTemplate};
use loyalty_core::wallet::{WalletEntry, WalletWithdrawal};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

fn fen(amount: i64) -> String {
    let sign = if amount < 0 { "-" } else { "" };
    let abs = amount.unsigned_abs();
    format!("{sign}{}.{:02}", abs / 100, abs % 100)
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CardTemplateView {
    pub id: Uuid,
    /// The rules as created (kind, name, look, plans, custom range, balance cap); see the
    /// README's "Stored-value cards".
    #[schema(value_type = Object)]
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

/// A member's card with its balance, principal and bonus apart.
#[derive(Debug, Serialize, ToSchema)]
pub struct CardView {
    pub id: Uuid,
    pub member_id: Uuid,
    pub template_id: Uuid,
    /// `stored_value`.
    pub kind: String,
    pub name: String,
    pub theme_colour: Option<String>,
    pub background_image: Option<String>,
    /// Principal and bonus together: what the card can pay.
    #[schema(example = "120.00")]
    pub balance: String,
    #[schema(example = "100.00")]
    pub principal: String,
    #[schema(example = "20.00")]
    pub bonus: String,
    pub opened_at: DateTime<Utc>,
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
            theme_colour: rules.theme_colour.clone(),
            background_image: rules.background_image.clone(),
            balance: h.card.balance().to_string(),
            principal: h.card.principal.to_string(),
            bonus: h.card.bonus.to_string(),
            opened_at: h.card.opened_at,
        }
    }
}

/// One movement of a card's balance.
#[derive(Debug, Serialize, ToSchema)]
pub struct CardEntryView {
    pub id: Uuid,
    pub card_id: Uuid,
    /// `top_up`.
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
    /// The payment's reference at the till, when one was given.
    pub payment_ref: Option<String>,
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
            // Without a reference the entry's own id is its business key: not a payment's.
            payment_ref: (e.source_ref != e.id.to_string()).then(|| e.source_ref.clone()),
            store_id: e.store_id.map(|s| s.as_uuid()),
            created_at: e.created_at,
        }
    }
}

/// One movement of a merchant's wallet.
#[derive(Debug, Serialize, ToSchema)]
pub struct WalletEntryView {
    pub id: Uuid,
    /// `payment`, `withdrawal_held`, `withdrawal_paid` or `withdrawal_returned`.
    pub kind: String,
    /// Signed changes.
    #[schema(example = "-100.00")]
    pub available_change: String,
    #[schema(example = "100.00")]
    pub pending_change: String,
    pub available_after: String,
    pub pending_after: String,
    /// The payment's reference at the provider, or the withdrawal's id.
    pub source_ref: String,
    pub created_at: DateTime<Utc>,
}

impl From<&WalletEntry> for WalletEntryView {
    fn from(e: &WalletEntry) -> Self {
        Self {
            id: e.id,
            kind: e.kind.as_str().to_owned(),
            available_change: fen(e.available_delta),
            pending_change: fen(e.pending_delta),
            available_after: e.available_after.to_string(),
            pending_after: e.pending_after.to_string(),
            source_ref: e.source_ref.clone(),
            created_at: e.created_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct WithdrawalView {
    pub id: Uuid,
    pub merchant_id: Uuid,
    #[schema(example = "500.00")]
    pub amount: String,
    /// `pending`, `approved` (paid out) or `rejected` (back in the wallet).
    pub status: String,
    /// HQ's note for the platform.
    pub note: Option<String>,
    pub requested_by: Option<Uuid>,
    pub requested_at: DateTime<Utc>,
    pub reviewed_at: Option<DateTime<Utc>>,
    /// The platform's reason.
    pub review_note: Option<String>,
}

impl From<&WalletWithdrawal> for WithdrawalView {
    fn from(w: &WalletWithdrawal) -> Self {
        Self {
            id: w.id.as_uuid(),
            merchant_id: w.merchant_id.as_uuid(),
            amount: w.amount.to_string(),
            status: w.status.as_str().to_owned(),
            note: w.note.clone(),
            requested_by: w.requested_by.map(|s| s.as_uuid()),
            requested_at: w.requested_at,
            reviewed_at: w.reviewed_at,
            review_note: w.review_note.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn signed_fen_read_as_yuan_with_two_places() {
        assert_eq!(super::fen(12_000), "120.00");
        assert_eq!(super::fen(-5), "-0.05");
        assert_eq!(super::fen(0), "0.00");
    }
}
