//! Members and the codes they log in with by SMS.

pub(crate) mod entities;
mod login_codes;
mod repository;
mod rows;

use crate::errors::UniqueConstraint;

/// The unique keys of this feature's tables.
pub(crate) const UNIQUE_KEYS: &[UniqueConstraint] = &[
    UniqueConstraint::new(
        "login_codes_minute_key",
        "login_codes.merchant_id, login_codes.phone",
        loyalty_core::members::LOGIN_CODE_MINUTE_KEY,
    ),
    UniqueConstraint::new(
        "members_merchant_phone_key",
        "members.merchant_id, members.phone",
        loyalty_core::members::MEMBER_PHONE_KEY,
    ),
    UniqueConstraint::new(
        "members_merchant_openid_key",
        "members.merchant_id, members.openid",
        loyalty_core::members::MEMBER_OPENID_KEY,
    ),
    UniqueConstraint::new(
        "members_merchant_invite_code_key",
        "members.merchant_id, members.invite_code",
        loyalty_core::members::MEMBER_INVITE_CODE_KEY,
    ),
];
