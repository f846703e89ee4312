//! Reading the values requests carry into the core's types; a bad one is
//! `validation_failed` on the field it came in.

use crate::error::ApiError;
use loyalty_core::coupons::CouponCode;
use loyalty_core::kernel::{InvalidValue, Money};

/// A decimal money string from a request.
pub fn money(field: &str, value: &str) -> Result<Money, ApiError> {
    value
        .parse()
        .map_err(|e: InvalidValue| ApiError::invalid(field, e.message))
}

/// A coupon's 12-digit code from a request.
pub fn coupon_code(field: &str, code: &str) -> Result<CouponCode, ApiError> {
    CouponCode::parse(code).map_err(|e| ApiError::invalid(field, e.message))
}
