//! Coupons on real databases: claims against stock and limits, verification and its undo,
//! sends to segments and lists, gifts and expiry; on SQLite and PostgreSQL.

mod claims;
mod issuing;
mod verification;

use crate::support::*;
use loyalty_core::coupons::{CouponTemplate, HeldCoupon};
use loyalty_core::kernel::CouponTemplateId;
use loyalty_core::members::Member;
use loyalty_core::merchants::Merchant;

/// The template's id: the tests here claim and send by it.
async fn template(w: &World, merchant: &Merchant, extra: serde_json::Value) -> CouponTemplateId {
    coupon_template(w, merchant, extra).await.id
}

/// The template as stored now, with what it has issued.
async fn template_now(w: &World, merchant: &Merchant, id: CouponTemplateId) -> CouponTemplate {
    w.loyalty
        .coupons()
        .template(merchant.id, id)
        .await
        .expect("template")
}

async fn held(w: &World, m: &Member) -> Vec<HeldCoupon> {
    w.loyalty
        .coupons()
        .member_coupons(m.merchant_id, m.id, &[], None, 100)
        .await
        .expect("coupons")
}
