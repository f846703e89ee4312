//! Errors of the use cases, each with a stable machine code. The core knows nothing of HTTP:
//! an [`ErrorKind`] says what sort of failure it is and the edge picks a status for it.

use crate::checkout::PricingError;
use crate::coupons::CouponStatus;
use crate::kernel::{InvalidValue, Points, Refusal};
use crate::kernel::{StoreError, UniqueKey};
use crate::members::IdentityError;
use serde::{Deserialize, Serialize};

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

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Invalid(#[from] InvalidValue),
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("not enough points: {requested} requested, {available} available")]
    InsufficientPoints {
        requested: Points,
        available: Points,
    },
    #[error("{0} is already taken")]
    Taken(UniqueKey),
    #[error("this source already moved points")]
    AlreadyApplied,
    #[error(
        "the member was told by the SMS kept in reserve for this WeChat message; queue that one instead"
    )]
    MessageReplaced,
    #[error("the refund exceeds what is left to refund ({refundable})")]
    RefundExceedsPaid { refundable: String },
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
    #[error("wrong merchant code, username or password")]
    InvalidCredentials,
    #[error("the account is disabled")]
    AccountDisabled,
    #[error(transparent)]
    Identity(#[from] IdentityError),
    #[error("the phone number belongs to another member")]
    PhoneTaken,
    #[error("this member code was used already; ask for a fresh one")]
    MemberCodeUsed,
    #[error("not allowed: {0}")]
    Forbidden(&'static str),
    #[error("the merchant does not award points for this action")]
    ActionNotOffered,
    #[error("the daily cap of points for this is reached")]
    DailyCapReached,
    #[error("it changed since it was read; read it again")]
    VersionConflict,
    #[error("too many requests; try again in {retry_after_secs} s")]
    RateLimited { retry_after_secs: u64 },
    #[error(transparent)]
    Pricing(#[from] PricingError),
    #[error("the coupon template has no stock left")]
    StockExhausted,
    #[error("this member holds as many coupons of this template as it allows")]
    CouponLimitReached,
    #[error("this member claimed as many coupons of this template today as it allows")]
    CouponDailyLimitReached,
    #[error("the coupon template cannot be claimed now")]
    ClaimClosed,
    #[error("the coupon cannot be used: it is {0:?}")]
    CouponNotUsable(CouponStatus),
    #[error("the coupon is not valid yet")]
    CouponNotYetValid,
    #[error("the coupon has expired")]
    CouponExpired,
    #[error("the coupon does not apply at this store")]
    CouponStoreNotApplicable,
    #[error("the verification can no longer be undone")]
    UndoWindowClosed,
    #[error("the card template offers no top-up of this amount")]
    TopUpNotOffered,
    #[error("the card would hold more than its template allows ({max})")]
    CardBalanceLimit { max: String },
    #[error("cards are no longer opened from this template")]
    CardTemplateInactive,
    #[error("the wallet does not hold that much ({available} available)")]
    InsufficientBalance { available: String },
    #[error("the withdrawal was reviewed already: it is {0}")]
    WithdrawalReviewed(&'static str),
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
            Self::Replayed(refusal) => &refusal.code,
            Self::ReplayUnavailable => "idempotency_replay_unavailable",
            Self::Invalid(_) => "validation_failed",
            Self::NotFound(what) => match *what {
                "member" => "member_not_found",
                "store" => "store_not_found",
                "order" => "order_not_found",
                "merchant" => "merchant_not_found",
                "staff" => "staff_not_found",
                "version" => "version_not_found",
                "message" => "message_not_found",
                "coupon" => "coupon_not_found",
                "coupon_template" => "coupon_template_not_found",
                "verification" => "verification_not_found",
                "card_template" => "card_template_not_found",
                "card" => "card_not_found",
                "withdrawal" => "withdrawal_not_found",
                _ => "not_found",
            },
            Self::InsufficientPoints { .. } => "insufficient_points",
            Self::Taken(key) => key.code(),
            Self::AlreadyApplied => "already_applied",
            Self::MessageReplaced => "message_replaced",
            Self::RefundExceedsPaid { .. } => "refund_exceeds_paid",
            Self::IdempotencyKeyReused => "idempotency_key_reused",
            Self::IdempotencyInFlight => "idempotency_in_flight",
            Self::InvalidCredentials => "invalid_credentials",
            Self::AccountDisabled => "account_disabled",
            Self::Identity(IdentityError::InvalidCode) => "invalid_code",
            Self::Identity(IdentityError::RateLimited) => "provider_rate_limited",
            Self::Identity(IdentityError::Unavailable(_)) => "provider_unavailable",
            Self::PhoneTaken => "phone_taken",
            Self::MemberCodeUsed => "member_code_used",
            Self::RateLimited { .. } => "too_many_requests",
            Self::Forbidden(_) => "forbidden",
            Self::ActionNotOffered => "action_not_offered",
            Self::DailyCapReached => "daily_cap_reached",
            Self::VersionConflict => "version_conflict",
            Self::Pricing(e) => e.code(),
            Self::StockExhausted => "stock_exhausted",
            Self::CouponLimitReached => "coupon_limit_reached",
            Self::CouponDailyLimitReached => "coupon_daily_limit_reached",
            Self::ClaimClosed => "claim_closed",
            Self::CouponNotUsable(CouponStatus::Used) => "coupon_used",
            Self::CouponNotUsable(CouponStatus::Expired) | Self::CouponExpired => "coupon_expired",
            Self::CouponNotUsable(CouponStatus::Revoked) => "coupon_revoked",
            Self::CouponNotUsable(_) => "coupon_not_usable",
            Self::CouponNotYetValid => "coupon_not_yet_valid",
            Self::CouponStoreNotApplicable => "coupon_not_applicable",
            Self::UndoWindowClosed => "undo_window_closed",
            Self::TopUpNotOffered => "top_up_not_offered",
            Self::CardBalanceLimit { .. } => "card_balance_limit",
            Self::CardTemplateInactive => "card_template_inactive",
            Self::InsufficientBalance { .. } => "insufficient_balance",
            Self::WithdrawalReviewed(_) => "withdrawal_already_reviewed",
            Self::Busy(_) => "busy",
            Self::Store(_) => "internal",
        }
    }

    #[must_use]
    pub fn kind(&self) -> ErrorKind {
        match self {
            Self::Replayed(refusal) => refusal.kind,
            Self::ReplayUnavailable => ErrorKind::Conflict,
            Self::Invalid(_) | Self::IdempotencyKeyReused => ErrorKind::Invalid,
            Self::NotFound(_) => ErrorKind::NotFound,
            Self::Taken(_)
            | Self::AlreadyApplied
            | Self::MessageReplaced
            | Self::IdempotencyInFlight
            | Self::PhoneTaken
            | Self::MemberCodeUsed
            | Self::VersionConflict
            | Self::WithdrawalReviewed(_)
            | Self::CouponNotUsable(CouponStatus::Used) => ErrorKind::Conflict,
            Self::Pricing(PricingError::Invalid(_)) => ErrorKind::Invalid,
            Self::Pricing(_)
            | Self::StockExhausted
            | Self::CouponLimitReached
            | Self::CouponDailyLimitReached
            | Self::ClaimClosed
            | Self::CouponNotUsable(_)
            | Self::CouponNotYetValid
            | Self::CouponExpired
            | Self::CouponStoreNotApplicable
            | Self::UndoWindowClosed
            | Self::TopUpNotOffered
            | Self::CardBalanceLimit { .. }
            | Self::CardTemplateInactive
            | Self::InsufficientBalance { .. } => ErrorKind::Rejected,
            Self::Identity(IdentityError::InvalidCode) => ErrorKind::Invalid,
            Self::Identity(_) => ErrorKind::Unavailable,
            Self::InsufficientPoints { .. }
            | Self::RefundExceedsPaid { .. }
            | Self::ActionNotOffered
            | Self::DailyCapReached => ErrorKind::Rejected,
            Self::InvalidCredentials | Self::AccountDisabled => ErrorKind::Unauthenticated,
            Self::Busy(_) => ErrorKind::Unavailable,
            Self::RateLimited { .. } => ErrorKind::RateLimited,
            Self::Forbidden(_) => ErrorKind::Forbidden,
            Self::Store(_) => ErrorKind::Internal,
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

    /// The field an [`Error::Invalid`] is about.
    #[must_use]
    pub fn field(&self) -> Option<&'static str> {
        match self {
            Self::Invalid(v) | Self::Pricing(PricingError::Invalid(v)) => Some(v.field),
            _ => None,
        }
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
