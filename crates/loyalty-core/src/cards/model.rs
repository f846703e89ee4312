//! Member cards: card templates, the cards members hold with their balances, and every
//! movement of a card's balance in its ledger.

use crate::cards::CardRules;
use crate::kernel::{
    CardId, CardTemplateId, MemberId, MerchantId, Money, ServiceItemId, StaffId, StoreId,
};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A card template (会员卡模板).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CardTemplate {
    pub id: CardTemplateId,
    pub merchant_id: MerchantId,
    pub rules: CardRules,
    /// Cards are opened only from an active template (opened cards stay usable).
    pub active: bool,
    pub created_by: Option<StaffId>,
    pub created_at: DateTime<Utc>,
}

/// A member's stored-value card (储值卡): what they paid in and what they were given, kept
/// apart. A member holds at most one card of a template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberCard {
    pub id: CardId,
    pub merchant_id: MerchantId,
    pub member_id: MemberId,
    pub template_id: CardTemplateId,
    pub principal: Money,
    pub bonus: Money,
    pub opened_at: DateTime<Utc>,
    pub opened_by: Option<StaffId>,
    pub store_id: Option<StoreId>,
    /// A count card's uses left (`None` for a stored-value card).
    pub uses_left: Option<i64>,
    /// When a count card's uses lapse, or a period card's period ends (`None`: never, or
    /// not started).
    pub expires_at: Option<DateTime<Utc>>,
    /// When a period card's period started (`None`: not yet).
    pub starts_at: Option<DateTime<Utc>>,
    /// Periods bought that start at the first use, not started yet.
    pub periods_pending: i64,
}

impl MemberCard {
    /// What the card can pay: principal and bonus together.
    #[must_use]
    pub fn balance(&self) -> Money {
        Money::from_fen(self.principal.fen() + self.bonus.fen()).unwrap_or(Money::ZERO)
    }
}

/// A service item (项目) that count cards serve: HQ names it, may price it, and stops it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceItem {
    pub id: ServiceItemId,
    pub merchant_id: MerchantId,
    /// The merchant's own code for it, unique among its items.
    pub code: String,
    pub name: String,
    pub price: Option<Money>,
    /// A stopped item is served no more (cards that name it keep it for history).
    pub active: bool,
    pub created_at: DateTime<Utc>,
}

/// What moved a card's balance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum CardEntryKind {
    /// Money paid in (at the till, for now), with the plan's bonus.
    TopUp,
    /// An order paid from the card (its source: the order).
    Payment,
    /// A refund of such an order giving the card back its share (its source: the refund).
    Refund,
    /// A top-up given back to the payer: its principal and its bonus taken off the card
    /// (its source: the top-up's entry, so a top-up is refunded once).
    TopUpRefund,
    /// A count card sold at the till: its uses added (its source: the sale's order).
    Sale,
    /// One use of a count card at a store (核销; its source: the entry itself).
    Use,
    /// A use undone the same day at the same store (its source: the use's entry, so a use
    /// is undone once).
    UseUndone,
}

impl CardEntryKind {
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::TopUp => "top_up",
            Self::Payment => "payment",
            Self::Refund => "refund",
            Self::TopUpRefund => "top_up_refund",
            Self::Sale => "sale",
            Self::Use => "use",
            Self::UseUndone => "use_undone",
        }
    }

    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        [
            Self::TopUp,
            Self::Payment,
            Self::Refund,
            Self::TopUpRefund,
            Self::Sale,
            Self::Use,
            Self::UseUndone,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }
}

/// One movement of a card's balance. `(merchant, kind, source_ref)` is unique: a payment
/// tops a card up once, however often it is sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CardEntry {
    pub id: Uuid,
    pub merchant_id: MerchantId,
    pub card_id: CardId,
    pub member_id: MemberId,
    pub kind: CardEntryKind,
    /// Changes in fen (negative for money taken).
    pub principal_delta: i64,
    pub bonus_delta: i64,
    pub principal_after: Money,
    pub bonus_after: Money,
    /// A top-up's payment reference at the till (the entry's own id when there is none),
    /// or the order or refund that moved the card.
    pub source_ref: String,
    pub store_id: Option<StoreId>,
    pub operator_id: Option<StaffId>,
    pub created_at: DateTime<Utc>,
    /// Uses a count card's entry added (a sale) or took (a use: -1); 0 for money.
    #[serde(default)]
    pub uses_delta: i64,
    /// A count card's uses left after the entry.
    #[serde(default)]
    pub uses_after: Option<i64>,
    /// The service item a use served.
    #[serde(default)]
    pub item_id: Option<ServiceItemId>,
}
