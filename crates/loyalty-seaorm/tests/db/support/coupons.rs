//! Coupon templates and the coupons members claim from them.

use super::{World, done};
use loyalty_core::Error;
use loyalty_core::coupons::{ClaimCoupon, CouponCode, CouponRules, CouponTemplate, HeldCoupon};
use loyalty_core::kernel::CouponTemplateId;
use loyalty_core::members::Member;
use loyalty_core::merchants::Merchant;
use serde_json::json;

/// 满100减20, valid for 7 days after it is claimed, with the fields of `extra` put over it
/// (each replacing the whole field).
pub fn coupon_rules(extra: serde_json::Value) -> CouponRules {
    let mut base = json!({
        "name": "满100减20",
        "benefit": {"type": "amount_off", "threshold": "100.00", "amount": "20.00"},
        "validity": {"mode": "after_claim", "days": 7},
    });
    if let (Some(base), Some(extra)) = (base.as_object_mut(), extra.as_object()) {
        base.extend(extra.clone());
    }
    serde_json::from_value(base).expect("coupon rules")
}

/// A template of the merchant with the rules of [`coupon_rules`].
pub async fn coupon_template(
    w: &World,
    merchant: &Merchant,
    extra: serde_json::Value,
) -> CouponTemplate {
    w.loyalty
        .coupons()
        .create_template(merchant.id, coupon_rules(extra), None)
        .await
        .expect("template created")
}

/// The member's own claim of a coupon of `template` (no idempotency key, so never a replay).
pub async fn claim(w: &World, m: &Member, template: CouponTemplateId) -> Result<HeldCoupon, Error> {
    let cmd = ClaimCoupon {
        merchant_id: m.merchant_id,
        member_id: m.id,
        template_id: template,
        exchange: false,
    };
    w.loyalty.coupons().claim(cmd, None).await.map(done)
}

/// The coupon of this code as stored now.
pub async fn coupon_by_code(w: &World, merchant: &Merchant, code: &CouponCode) -> HeldCoupon {
    w.loyalty
        .coupons()
        .by_code(merchant.id, code)
        .await
        .expect("coupon")
}
