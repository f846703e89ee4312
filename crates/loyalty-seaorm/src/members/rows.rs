//! Members and login codes as stored, and back: a row that does not decode is corrupt data.

use crate::errors::corrupt;
use crate::members::entities::{login_codes, members};
use loyalty_core::kernel::{Phone, StoreError};
use loyalty_core::members::{LoginCode, Member};
use sea_orm::ActiveValue::Set;

pub(super) fn member_from(m: members::Model) -> Result<Member, StoreError> {
    Ok(Member {
        id: m.id.into(),
        merchant_id: m.merchant_id.into(),
        phone: m
            .phone
            .as_deref()
            .map(Phone::parse)
            .transpose()
            .map_err(|e| corrupt("phone", e))?,
        openid: m.openid,
        unionid: m.unionid,
        invited_by: m.invited_by.map(Into::into),
        name: m.name,
        birthday: m.birthday,
        registered_store_id: m.registered_store_id.map(Into::into),
        invite_code: m.invite_code,
        points_balance: crate::shared::points(m.points_balance),
        points_debt: crate::shared::points(m.points_debt),
        tier_code: m.tier_code,
        tier_protected_until: m.tier_protected_until,
        sms_consent: m.sms_consent,
        wechat_consent: m.wechat_consent,
        created_at: m.created_at,
        token_version: m.token_version,
        erased_at: m.erased_at,
    })
}

pub(super) fn member_row(m: &Member) -> members::ActiveModel {
    members::ActiveModel {
        id: Set(m.id.as_uuid()),
        merchant_id: Set(m.merchant_id.as_uuid()),
        phone: Set(m.phone.as_ref().map(|p| p.as_str().to_owned())),
        openid: Set(m.openid.clone()),
        unionid: Set(m.unionid.clone()),
        invited_by: Set(m.invited_by.map(|i| i.as_uuid())),
        name: Set(m.name.clone()),
        birthday: Set(m.birthday),
        registered_store_id: Set(m.registered_store_id.map(|s| s.as_uuid())),
        invite_code: Set(m.invite_code.clone()),
        points_balance: Set(0),
        points_seq: Set(0),
        points_debt: Set(0),
        code_step: Set(None),
        tier_code: Set(m.tier_code.clone()),
        tier_protected_until: Set(m.tier_protected_until),
        sms_consent: Set(m.sms_consent),
        wechat_consent: Set(m.wechat_consent),
        created_at: Set(m.created_at),
        token_version: Set(m.token_version),
        erased_at: Set(m.erased_at),
    }
}

pub(super) fn login_code_row(c: &LoginCode) -> login_codes::ActiveModel {
    login_codes::ActiveModel {
        id: Set(c.id),
        merchant_id: Set(c.merchant_id.as_uuid()),
        phone: Set(c.phone.as_str().to_owned()),
        code: Set(c.code.clone()),
        minute_bucket: Set(c.created_at.timestamp().div_euclid(60)),
        attempts: Set(c.attempts),
        consumed: Set(c.consumed),
        created_at: Set(c.created_at),
        expires_at: Set(c.expires_at),
    }
}

pub(super) fn login_code_from(r: login_codes::Model) -> Result<LoginCode, StoreError> {
    Ok(LoginCode {
        id: r.id,
        merchant_id: r.merchant_id.into(),
        phone: Phone::parse(&r.phone).map_err(|e| corrupt("phone", e))?,
        code: r.code,
        attempts: r.attempts,
        consumed: r.consumed,
        created_at: r.created_at,
        expires_at: r.expires_at,
    })
}
