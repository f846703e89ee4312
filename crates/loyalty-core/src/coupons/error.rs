//! What the coupons feature refuses, and what it does not find.

use crate::coupons::CouponStatus;
use crate::kernel::{DomainError, ErrorKind, Subject, refusals};

/// A coupon this request named does not exist for the caller.
pub const COUPON: Subject = Subject::new("coupon", "coupon_not_found");
/// A coupon template this request named does not exist for the caller.
pub const COUPON_TEMPLATE: Subject = Subject::new("coupon_template", "coupon_template_not_found");
/// A verification this request named does not exist for the caller.
pub const VERIFICATION: Subject = Subject::new("verification", "verification_not_found");

/// The coupons feature's refusals.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CouponsError {
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
    #[error("this coupon is not exchanged for points")]
    NotExchangeable,
}

impl DomainError for CouponsError {
    fn code(&self) -> &str {
        match self {
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
            Self::NotExchangeable => "not_exchangeable",
        }
    }

    fn kind(&self) -> ErrorKind {
        match self {
            Self::CouponNotUsable(CouponStatus::Used) => ErrorKind::Conflict,
            _ => ErrorKind::Rejected,
        }
    }
}

refusals!(CouponsError);
