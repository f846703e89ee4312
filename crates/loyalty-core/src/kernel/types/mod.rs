//! Value types that parse, not validate: once built, a value is valid.

pub mod decimal_text;
mod ids;
mod money;
mod phone;
mod points;
mod secret;
mod timezone;

pub use ids::{
    CardId, CardTemplateId, CouponId, CouponTemplateId, EntryId, LotId, MemberId, MerchantId,
    OrderId, RefundId, ServiceItemId, StaffId, StoreId, VerificationId, WithdrawalId,
};
pub use money::Money;
pub use phone::Phone;
pub use points::Points;
pub use secret::Secret;
pub use timezone::MerchantTimeZone;

/// Why a value was refused: the field it came from and a sentence for a person.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct InvalidValue {
    pub field: &'static str,
    pub message: String,
}

impl InvalidValue {
    #[must_use]
    pub fn new(field: &'static str, message: impl Into<String>) -> Self {
        Self {
            field,
            message: message.into(),
        }
    }
}
