//! Coupon templates, coupons and verifications as stored, and back: a row that does not decode
//! is corrupt data.

use crate::coupons::entities::{coupon_templates, coupon_verifications, coupons};
use crate::errors::corrupt;
use crate::shared::{from_json, to_json};
use loyalty_core::coupons::CouponCode;
use loyalty_core::coupons::CouponRules;
use loyalty_core::coupons::{Coupon, CouponSource, CouponStatus, CouponTemplate, Verification};
use loyalty_core::kernel::StaffId;
use loyalty_core::kernel::StoreError;
use sea_orm::ActiveValue::Set;

pub(super) fn template_from(t: coupon_templates::Model) -> Result<CouponTemplate, StoreError> {
    let rules: CouponRules = from_json(&t.rules, "coupon template rules")?;
    Ok(CouponTemplate {
        id: t.id.into(),
        merchant_id: t.merchant_id.into(),
        rules,
        issued: t.issued,
        active: t.active,
        created_by: t.created_by.map(StaffId::from_uuid),
        created_at: t.created_at,
    })
}

pub(super) fn coupon_from(c: coupons::Model) -> Result<Coupon, StoreError> {
    Ok(Coupon {
        id: c.id.into(),
        merchant_id: c.merchant_id.into(),
        template_id: c.template_id.into(),
        member_id: c.member_id.into(),
        code: CouponCode::parse(&c.code).map_err(|e| corrupt("coupon code", e))?,
        status: CouponStatus::parse(&c.status)
            .ok_or_else(|| corrupt("coupon status", &c.status))?,
        source: CouponSource::parse(&c.source)
            .ok_or_else(|| corrupt("coupon source", &c.source))?,
        source_ref: c.source_ref,
        valid_from: c.valid_from,
        valid_until: c.valid_until,
        claimed_at: c.claimed_at,
        used_at: c.used_at,
        used_order_id: c.used_order_id.map(Into::into),
        used_store_id: c.used_store_id.map(Into::into),
    })
}

pub(super) fn verification_from(
    v: coupon_verifications::Model,
) -> Result<Verification, StoreError> {
    Ok(Verification {
        id: v.id.into(),
        merchant_id: v.merchant_id.into(),
        coupon_id: v.coupon_id.into(),
        code: CouponCode::parse(&v.code).map_err(|e| corrupt("coupon code", e))?,
        member_id: v.member_id.into(),
        store_id: v.store_id.into(),
        staff_id: v.staff_id.map(Into::into),
        order_id: v.order_id.map(Into::into),
        created_at: v.created_at,
        undone_at: v.undone_at,
        undone_by: v.undone_by.map(Into::into),
    })
}

/// The statuses in which a coupon can still be used, revoked or expire.
pub(super) fn usable() -> [&'static str; 2] {
    [
        CouponStatus::Available.as_str(),
        CouponStatus::Returned.as_str(),
    ]
}

pub(super) fn template_row(
    t: &CouponTemplate,
) -> Result<coupon_templates::ActiveModel, StoreError> {
    Ok(coupon_templates::ActiveModel {
        id: Set(t.id.as_uuid()),
        merchant_id: Set(t.merchant_id.as_uuid()),
        name: Set(t.rules.name.clone()),
        rules: Set(to_json(&t.rules, "coupon rules")?),
        stock: Set(t.rules.stock),
        issued: Set(t.issued),
        active: Set(t.active),
        created_by: Set(t.created_by.map(|s| s.as_uuid())),
        created_at: Set(t.created_at),
    })
}

pub(super) fn coupon_row(c: &Coupon) -> coupons::ActiveModel {
    coupons::ActiveModel {
        id: Set(c.id.as_uuid()),
        merchant_id: Set(c.merchant_id.as_uuid()),
        template_id: Set(c.template_id.as_uuid()),
        member_id: Set(c.member_id.as_uuid()),
        code: Set(c.code.as_str().to_owned()),
        status: Set(c.status.as_str().to_owned()),
        source: Set(c.source.as_str().to_owned()),
        source_ref: Set(c.source_ref.clone()),
        valid_from: Set(c.valid_from),
        valid_until: Set(c.valid_until),
        claimed_at: Set(c.claimed_at),
        used_at: Set(c.used_at),
        used_order_id: Set(c.used_order_id.map(|o| o.as_uuid())),
        used_store_id: Set(c.used_store_id.map(|s| s.as_uuid())),
        announced_at: Set(None),
    }
}

pub(super) fn verification_row(v: &Verification) -> coupon_verifications::ActiveModel {
    coupon_verifications::ActiveModel {
        id: Set(v.id.as_uuid()),
        merchant_id: Set(v.merchant_id.as_uuid()),
        coupon_id: Set(v.coupon_id.as_uuid()),
        code: Set(v.code.as_str().to_owned()),
        member_id: Set(v.member_id.as_uuid()),
        store_id: Set(v.store_id.as_uuid()),
        staff_id: Set(v.staff_id.map(|s| s.as_uuid())),
        order_id: Set(v.order_id.map(|o| o.as_uuid())),
        created_at: Set(v.created_at),
        undone_at: Set(v.undone_at),
        undone_by: Set(v.undone_by.map(|s| s.as_uuid())),
    }
}
