//! Checkout on real databases: orders priced with the tier discount, coupons and points as cash,
//! committed at once; refunds that give every balance back; properties over random orders.

mod lots;
mod orders;
mod properties;
mod refunded_points;
mod refunds;

use crate::support::*;
use loyalty_core::checkout::{CommitOrder, LineInput};
use loyalty_core::coupons::CouponCode;
use loyalty_core::kernel::{CouponTemplateId, Points};
use loyalty_core::members::Member;
use loyalty_core::merchants::Merchant;
use serde_json::json;

/// A merchant with 9.5 折 for its first tier, points as cash at 100 = 1.00 up to half the
/// order, points that expire after a year, and a 满100减20 coupon template.
async fn shop(w: &World) -> (Merchant, CouponTemplateId) {
    let ladder = serde_json::from_value(json!({
        "basis": "spend", "window": {"mode": "lifetime"},
        "levels": [
            {"code": "normal", "name": "普通会员", "threshold": 0, "benefits": {"discount_rate": "0.95"}},
            {"code": "gold", "name": "金卡", "threshold": 100000000}
        ]
    }))
    .expect("ladder");
    let (merchant, _) = merchant(w, "shop")
        .points_valid_for_days(365)
        .tiers(ladder)
        .checkout(points_as_cash("0.5"))
        .await;
    let template = coupon_template(w, &merchant, json!({"stacking": "stackable"})).await;
    (merchant, template.id)
}

async fn coupon(w: &World, m: &Member, template: CouponTemplateId) -> CouponCode {
    claim(w, m, template).await.expect("claimed").coupon.code
}

/// Two lattes at 32.00 and a cake at 50.00, with the coupons and points given.
fn basket(m: &Member, coupons: Vec<CouponCode>, points: i64) -> CommitOrder {
    let line = |sku: &str, category: &str, quantity, price: &str| LineInput {
        sku: Some(sku.into()),
        category: Some(category.into()),
        quantity,
        unit_price: money(price),
    };
    CommitOrder {
        merchant_id: m.merchant_id,
        store_id: None,
        member_id: m.id,
        order_no: None,
        amount_paid: None,
        lines: vec![
            line("latte", "coffee", 2, "32.00"),
            line("cake", "dessert", 1, "50.00"),
        ],
        coupon_codes: coupons,
        points_to_use: Points::new(points),
        card: None,
        operator_id: None,
    }
}

/// The member with 500 points from an earlier order, and a coupon.
async fn member_with_points(
    w: &World,
    merchant: &Merchant,
    template: CouponTemplateId,
) -> (Member, CouponCode) {
    let m = member(w, merchant, "13800000001")
        .having_bought("500.00")
        .await;
    let code = coupon(w, &m, template).await;
    (m, code)
}
