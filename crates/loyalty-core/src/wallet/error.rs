//! What the wallet feature refuses, and what it does not find.

use crate::kernel::{DomainError, ErrorKind, Subject, refusals};

/// A withdrawal this request named does not exist for the caller.
pub const WITHDRAWAL: Subject = Subject::new("withdrawal", "withdrawal_not_found");

/// The wallet feature's refusals.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WalletError {
    #[error("the wallet does not hold that much ({available} available)")]
    InsufficientBalance { available: String },
    #[error("the withdrawal was reviewed already: it is {0}")]
    WithdrawalReviewed(&'static str),
}

impl DomainError for WalletError {
    fn code(&self) -> &str {
        match self {
            Self::InsufficientBalance { .. } => "insufficient_balance",
            Self::WithdrawalReviewed(_) => "withdrawal_already_reviewed",
        }
    }

    fn kind(&self) -> ErrorKind {
        match self {
            Self::InsufficientBalance { .. } => ErrorKind::Rejected,
            Self::WithdrawalReviewed(_) => ErrorKind::Conflict,
        }
    }
}

refusals!(WalletError);
