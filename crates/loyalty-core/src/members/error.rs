//! What the members feature refuses, and what it does not find.

use crate::kernel::{DomainError, ErrorKind, Subject, refusals};
use crate::members::IdentityError;

/// A member this request named does not exist for the caller.
pub const MEMBER: Subject = Subject::new("member", "member_not_found");

/// The members feature's refusals.
#[derive(Debug, thiserror::Error)]
pub enum MembersError {
    #[error(transparent)]
    Identity(#[from] IdentityError),
    #[error("the phone number belongs to another member")]
    PhoneTaken,
    #[error("this member code was used already; ask for a fresh one")]
    MemberCodeUsed,
    #[error("not a current member code of this merchant")]
    InvalidMemberCode,
    #[error("the token was revoked: sign in again")]
    TokenRevoked,
}

impl DomainError for MembersError {
    fn code(&self) -> &str {
        match self {
            Self::Identity(IdentityError::InvalidCode) => "invalid_code",
            Self::Identity(IdentityError::RateLimited) => "provider_rate_limited",
            Self::Identity(IdentityError::Unavailable(_)) => "provider_unavailable",
            Self::PhoneTaken => "phone_taken",
            Self::MemberCodeUsed => "member_code_used",
            Self::InvalidMemberCode => "invalid_member_code",
            Self::TokenRevoked => "token_revoked",
        }
    }

    fn kind(&self) -> ErrorKind {
        match self {
            Self::Identity(IdentityError::InvalidCode) | Self::InvalidMemberCode => {
                ErrorKind::Invalid
            }
            Self::Identity(_) => ErrorKind::Unavailable,
            Self::PhoneTaken | Self::MemberCodeUsed => ErrorKind::Conflict,
            Self::TokenRevoked => ErrorKind::Unauthenticated,
        }
    }
}

impl From<IdentityError> for crate::kernel::Error {
    fn from(e: IdentityError) -> Self {
        MembersError::Identity(e).into()
    }
}

refusals!(MembersError);
