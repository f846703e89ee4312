//! Errors of the use cases, each with a stable machine code. The core knows nothing of HTTP:
//! an [`ErrorKind`] says what sort of failure it is and the edge picks a status for it.
//!
//! [`Error`] is what every use case returns: the failures any of them can meet (a malformed
//! request, something not found, a clash, storage), and a feature's own refusal (not enough
//! points, a coupon used already …) carried as that feature's error type behind the
//! [`DomainError`] trait. Each feature declares its error type, its codes and what it does not
//! find ([`Subject`]); the kernel names none of them.

use crate::kernel::{InvalidValue, Refusal, StoreError, UniqueKey};
use serde::{Deserialize, Serialize};
use std::any::Any;

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What sort of failure an error is, for the edge to translate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    /// The request itself is malformed or out of range.
    Invalid,
    /// The thing named does not exist for this merchant (or this member).
    NotFound,
    /// It clashes with something that exists (a phone, a code, a running request).
    Conflict,
    /// Well formed but refused by a business rule (not enough points, refund too large).
    Rejected,
    /// Wrong or missing credentials.
    Unauthenticated,
    /// Signed in, but this role may not do it.
    Forbidden,
    /// The database stayed busy through every retry.
    Unavailable,
    /// Too many requests for now; [`Error::retry_after_secs`] says how long to wait.
    RateLimited,
    /// A defect or an outage; details are logged, not shown.
    Internal,
}

/// What every error of the engine tells the edge: a stable code clients switch on, and the
/// sort of failure it is. A feature's error type implements it, and converts into [`Error`]
/// (with [`refusals!`](crate::kernel::refusals)).
pub trait DomainError: std::error::Error + Send + Sync + AsAny + 'static {
    /// The stable code clients switch on (`insufficient_points`).
    fn code(&self) -> &str;

    fn kind(&self) -> ErrorKind;

    /// The field a refused value came from, when the refusal is about one.
    fn field(&self) -> Option<&'static str> {
        None
    }
}

/// A value as [`Any`], so a caller can tell which feature's refusal an error carries.
pub trait AsAny {
    fn as_any(&self) -> &dyn Any;
}

impl<T: Any> AsAny for T {
    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// Something a request named that does not exist for the caller: declared by the feature
/// that owns it (`members::MEMBER`), with the code its absence answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Subject {
    /// What it is, as people read it (`member`).
    pub name: &'static str,
    /// The code of its absence (`member_not_found`).
    pub code: &'static str,
}

impl Subject {
    #[must_use]
    pub const fn new(name: &'static str, code: &'static str) -> Self {
        Self { name, code }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Invalid(#[from] InvalidValue),
    #[error("{} not found", .0.name)]
    NotFound(Subject),
    #[error("{0} is already taken")]
    Taken(UniqueKey),
    /// The source (an order, a payment, an undone verification …) moved value already.
    #[error("this source already moved points")]
    AlreadyApplied,
    #[error("the idempotency key was used with a different request")]
    IdempotencyKeyReused,
    #[error("a request with this idempotency key is still being processed")]
    IdempotencyInFlight,
    /// The refusal the first request with this idempotency key got, answered again.
    #[error("{}", .0.message)]
    Replayed(Refusal),
    #[error(
        "a request with this idempotency key was answered by an earlier version of the engine; its answer cannot be given again"
    )]
    ReplayUnavailable,
    #[error("not allowed: {0}")]
    Forbidden(&'static str),
    #[error("it changed since it was read; read it again")]
    VersionConflict,
    #[error("too many requests; try again in {retry_after_secs} s")]
    RateLimited { retry_after_secs: u64 },
    /// A feature's own refusal.
    #[error("{0}")]
    Refused(Box<dyn DomainError>),
    #[error("the database is busy; try again")]
    Busy(#[source] StoreError),
    #[error("storage failed")]
    Store(#[source] StoreError),
}

impl Error {
    /// The stable code clients switch on.
    #[must_use]
    pub fn code(&self) -> &str {
        match self {
            Self::Invalid(_) => "validation_failed",
            Self::NotFound(subject) => subject.code,
            Self::Taken(key) => key.code(),
            Self::AlreadyApplied => "already_applied",
            Self::IdempotencyKeyReused => "idempotency_key_reused",
            Self::IdempotencyInFlight => "idempotency_in_flight",
            Self::Replayed(refusal) => &refusal.code,
            Self::ReplayUnavailable => "idempotency_replay_unavailable",
            Self::Forbidden(_) => "forbidden",
            Self::VersionConflict => "version_conflict",
            Self::RateLimited { .. } => "too_many_requests",
            Self::Refused(refusal) => refusal.code(),
            Self::Busy(_) => "busy",
            Self::Store(_) => "internal",
        }
    }

    #[must_use]
    pub fn kind(&self) -> ErrorKind {
        match self {
            Self::Invalid(_) | Self::IdempotencyKeyReused => ErrorKind::Invalid,
            Self::NotFound(_) => ErrorKind::NotFound,
            Self::Taken(_)
            | Self::AlreadyApplied
            | Self::IdempotencyInFlight
            | Self::ReplayUnavailable
            | Self::VersionConflict => ErrorKind::Conflict,
            Self::Replayed(refusal) => refusal.kind,
            Self::Forbidden(_) => ErrorKind::Forbidden,
            Self::RateLimited { .. } => ErrorKind::RateLimited,
            Self::Refused(refusal) => refusal.kind(),
            Self::Busy(_) => ErrorKind::Unavailable,
            Self::Store(_) => ErrorKind::Internal,
        }
    }

    /// The feature's refusal of type `E` this error carries, if it does.
    #[must_use]
    pub fn refusal<E: DomainError>(&self) -> Option<&E> {
        match self {
            // The refusal itself, not its box: a `Box` is `Any` too.
            Self::Refused(refusal) => (**refusal).as_any().downcast_ref(),
            _ => None,
        }
    }

    /// Whether running the whole use case again may succeed.
    #[must_use]
    pub fn is_retryable(&self) -> bool {
        matches!(self, Self::Store(StoreError::Contention(_)))
    }

    /// How long to wait before trying again, for a rate limit.
    #[must_use]
    pub fn retry_after_secs(&self) -> Option<u64> {
        match self {
            Self::RateLimited { retry_after_secs } => Some(*retry_after_secs),
            _ => None,
        }
    }

    /// The field a refused value came from.
    #[must_use]
    pub fn field(&self) -> Option<&str> {
        match self {
            Self::Invalid(v) => Some(v.field),
            Self::Refused(refusal) => refusal.field(),
            _ => None,
        }
    }

    /// The field a request failed validation on, and what is wrong with it: shown to the
    /// caller beside the message.
    #[must_use]
    pub fn invalid_field(&self) -> Option<(&str, &str)> {
        match self {
            Self::Invalid(v) => Some((v.field, &v.message)),
            Self::Replayed(refusal) => refusal
                .field
                .as_ref()
                .map(|(f, m)| (f.as_str(), m.as_str())),
            _ => None,
        }
    }

    /// The refusal to keep under an idempotency key, so that a replay answers the same even
    /// if the state has changed since: a request that was malformed, named what does not
    /// exist, clashed or broke a rule. Not for failures that may pass on a retry, and not for
    /// the key's own refusals.
    #[must_use]
    pub fn to_refusal(&self) -> Option<Refusal> {
        let kept = matches!(
            self.kind(),
            ErrorKind::Invalid | ErrorKind::NotFound | ErrorKind::Rejected | ErrorKind::Conflict
        ) && !matches!(
            self,
            Self::IdempotencyKeyReused
                | Self::IdempotencyInFlight
                | Self::Replayed(_)
                | Self::ReplayUnavailable
        );
        kept.then(|| Refusal {
            code: self.code().to_owned(),
            kind: self.kind(),
            message: self.to_string(),
            field: self
                .invalid_field()
                .map(|(f, m)| (f.to_owned(), m.to_owned())),
        })
    }
}

impl From<StoreError> for Error {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Unique(key) => Self::Taken(key),
            other => Self::Store(other),
        }
    }
}

/// Makes a feature's error type (which implements [`DomainError`]) a refusal the use cases
/// return: `refusals!(PointsError)` lets `?` and `.into()` turn it into [`Error::Refused`].
macro_rules! refusals {
    ($error:ty) => {
        impl From<$error> for $crate::kernel::Error {
            fn from(e: $error) -> Self {
                Self::Refused(Box::new(e))
            }
        }
    };
}
pub(crate) use refusals;
