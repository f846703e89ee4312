//! What the merchants feature refuses, and what it does not find.

use crate::kernel::{DomainError, ErrorKind, Subject, refusals};

/// A merchant this request named does not exist for the caller.
pub const MERCHANT: Subject = Subject::new("merchant", "merchant_not_found");
/// A store this request named does not exist for the caller.
pub const STORE: Subject = Subject::new("store", "store_not_found");
/// A staff this request named does not exist for the caller.
pub const STAFF: Subject = Subject::new("staff", "staff_not_found");

/// The merchants feature's refusals: staff sign-in.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MerchantsError {
    #[error("wrong merchant code, username or password")]
    InvalidCredentials,
    #[error("the account is disabled")]
    AccountDisabled,
}

impl DomainError for MerchantsError {
    fn code(&self) -> &str {
        match self {
            Self::InvalidCredentials => "invalid_credentials",
            Self::AccountDisabled => "account_disabled",
        }
    }

    fn kind(&self) -> ErrorKind {
        ErrorKind::Unauthenticated
    }
}

refusals!(MerchantsError);
