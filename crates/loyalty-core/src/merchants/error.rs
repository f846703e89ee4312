//! What the merchants feature refuses, and what it does not find.

use crate::kernel::{DomainError, ErrorKind, Subject, refusals};

/// A merchant this request named does not exist for the caller.
pub const MERCHANT: Subject = Subject::new("merchant", "merchant_not_found");
/// A store this request named does not exist for the caller.
pub const STORE: Subject = Subject::new("store", "store_not_found");
/// A staff this request named does not exist for the caller.
pub const STAFF: Subject = Subject::new("staff", "staff_not_found");

/// The merchants feature's refusals: staff sign-in, and stores.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MerchantsError {
    #[error("wrong merchant code, username or password")]
    InvalidCredentials,
    #[error("the account is disabled")]
    AccountDisabled,
    #[error("the default store cannot be closed")]
    DefaultStoreStaysOpen,
}

impl DomainError for MerchantsError {
    fn code(&self) -> &str {
        match self {
            Self::InvalidCredentials => "invalid_credentials",
            Self::AccountDisabled => "account_disabled",
            Self::DefaultStoreStaysOpen => "default_store_stays_open",
        }
    }

    fn kind(&self) -> ErrorKind {
        match self {
            Self::InvalidCredentials | Self::AccountDisabled => ErrorKind::Unauthenticated,
            Self::DefaultStoreStaysOpen => ErrorKind::Rejected,
        }
    }
}

refusals!(MerchantsError);
