//! What the checkout feature refuses, and what it does not find.

use crate::checkout::PricingError;
use crate::kernel::{DomainError, ErrorKind, Subject, refusals};

/// A order this request named does not exist for the caller.
pub const ORDER: Subject = Subject::new("order", "order_not_found");

/// The checkout feature's refusals (pricing refusals are [`PricingError`]s).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CheckoutError {
    #[error("the refund exceeds what is left to refund ({refundable})")]
    RefundExceedsPaid { refundable: String },
}

impl DomainError for CheckoutError {
    fn code(&self) -> &str {
        match self {
            Self::RefundExceedsPaid { .. } => "refund_exceeds_paid",
        }
    }

    fn kind(&self) -> ErrorKind {
        ErrorKind::Rejected
    }
}

impl DomainError for PricingError {
    fn code(&self) -> &str {
        PricingError::code(self)
    }

    fn kind(&self) -> ErrorKind {
        match self {
            Self::Invalid(_) => ErrorKind::Invalid,
            _ => ErrorKind::Rejected,
        }
    }

    fn field(&self) -> Option<&'static str> {
        match self {
            Self::Invalid(v) => Some(v.field),
            _ => None,
        }
    }
}

refusals!(PricingError);

refusals!(CheckoutError);
