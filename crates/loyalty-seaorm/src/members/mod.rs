//! Members and the codes they log in with by SMS.

pub(crate) mod entities;
mod login_codes;
mod repository;
mod rows;

use crate::errors::UniqueConstraint;
use loyalty_core::kernel::UniqueKey;

/// The unique keys of this feature's tables.
pub(crate) const UNIQUE_KEYS: &[UniqueConstraint] = &[
    UniqueConstraint::new(
        "login_codes_minute_key",
        "login_codes.merchant_id, login_codes.phone",
        UniqueKey::LoginCodeMinute,
    ),
    UniqueConstraint::new(
        "members_merchant_phone_key",
        "members.merchant_id, members.phone",
        UniqueKey::MemberPhone,
    ),
    UniqueConstraint::new(
        "members_merchant_openid_key",
        "members.merchant_id, members.openid",
        UniqueKey::MemberOpenid,
    ),
    UniqueConstraint::new(
        "members_merchant_invite_code_key",
        "members.merchant_id, members.invite_code",
        UniqueKey::MemberInviteCode,
    ),
];
