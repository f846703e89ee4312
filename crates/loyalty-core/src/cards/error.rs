//! What the cards feature refuses, and what it does not find.

use crate::kernel::{DomainError, ErrorKind, Subject, refusals};

/// A card this request named does not exist for the caller.
pub const CARD: Subject = Subject::new("card", "card_not_found");
/// A service item this request named does not exist for the caller.
pub const SERVICE_ITEM: Subject = Subject::new("service_item", "service_item_not_found");
/// A use of a card this request named is not one of the card's.
pub const CARD_USE: Subject = Subject::new("card_use", "card_use_not_found");
/// A top-up this request named is not one of the card's.
pub const TOP_UP: Subject = Subject::new("top_up", "top_up_not_found");
/// A card template this request named does not exist for the caller.
pub const CARD_TEMPLATE: Subject = Subject::new("card_template", "card_template_not_found");

/// The cards feature's refusals.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CardsError {
    #[error("the card template offers no top-up of this amount")]
    TopUpNotOffered,
    #[error("the card would hold more than its template allows ({max})")]
    CardBalanceLimit { max: String },
    #[error("cards are no longer opened from this template")]
    CardTemplateInactive,
    #[error("the card holds {balance}, less than the {amount} asked of it")]
    InsufficientCardBalance { balance: String, amount: String },
    #[error("the card would pay {amount}, more than the {due} the order costs")]
    CardAmountExceedsDue { amount: String, due: String },
    #[error(
        "the card holds {principal} of principal and {bonus} of bonus, less than the top-up put on it: it was spent"
    )]
    TopUpSpent { principal: String, bonus: String },
    #[error("this is not what the card is for: {what}")]
    CardKindMismatch { what: &'static str },
    #[error("the card does not serve this item")]
    ItemNotOnCard,
    #[error("the service item is stopped")]
    ServiceItemInactive,
    #[error("the card's uses lapsed at {at}")]
    CardExpired { at: String },
    #[error("the card has no uses left")]
    CardUsedUp,
    #[error("a use is undone only on its day, at its store")]
    UndoWindowClosed,
    #[error("the order sold a count card: its uses are not taken back by a refund")]
    CardSaleNotRefundable,
    #[error("the card is used as often as it may be this {per}")]
    UseLimitReached { per: &'static str },
}

impl DomainError for CardsError {
    fn code(&self) -> &str {
        match self {
            Self::TopUpNotOffered => "top_up_not_offered",
            Self::CardBalanceLimit { .. } => "card_balance_limit",
            Self::CardTemplateInactive => "card_template_inactive",
            Self::InsufficientCardBalance { .. } => "insufficient_card_balance",
            Self::CardAmountExceedsDue { .. } => "card_amount_exceeds_due",
            Self::TopUpSpent { .. } => "top_up_spent",
            Self::CardKindMismatch { .. } => "card_kind_mismatch",
            Self::ItemNotOnCard => "item_not_on_card",
            Self::ServiceItemInactive => "service_item_inactive",
            Self::CardExpired { .. } => "card_expired",
            Self::CardUsedUp => "card_used_up",
            Self::UndoWindowClosed => "undo_window_closed",
            Self::CardSaleNotRefundable => "card_sale_not_refundable",
            Self::UseLimitReached { .. } => "use_limit_reached",
        }
    }

    fn kind(&self) -> ErrorKind {
        ErrorKind::Rejected
    }
}

refusals!(CardsError);
