//! The rows as stored. They stay inside this crate; the core sees its own types only.

pub(crate) mod coupon_templates;
pub(crate) mod coupon_verifications;
pub(crate) mod coupons;

crate::shared::merchant_keyed!(coupon_templates, coupon_verifications, coupons);
