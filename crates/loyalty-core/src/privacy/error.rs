//! What the privacy feature refuses.

use crate::kernel::{DomainError, ErrorKind, refusals};

/// The privacy feature's refusals.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PrivacyError {
    /// Erasing would leave stored value nobody can claim: refund or spend it first.
    #[error("the member still holds {amount} of stored value on a card; refund or spend it first")]
    HoldsStoredValue { amount: String },
}

impl DomainError for PrivacyError {
    fn code(&self) -> &str {
        match self {
            Self::HoldsStoredValue { .. } => "member_holds_stored_value",
        }
    }

    fn kind(&self) -> ErrorKind {
        match self {
            Self::HoldsStoredValue { .. } => ErrorKind::Conflict,
        }
    }
}

refusals!(PrivacyError);
