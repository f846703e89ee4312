//! Order pricing in process: how many quotes (or commits) one core prices per second.

use chrono::{Duration, TimeZone, Utc};
use criterion::{Criterion, criterion_group, criterion_main};
use loyalty_core::checkout::{CouponOffer, PointsAsCash, PricingInput, PricingLine, price_order};
use loyalty_core::coupons::{CouponBenefit, CouponScope, Stacking};
use loyalty_core::kernel::{CouponId, CouponTemplateId, Money, Points, StoreId};
use rust_decimal::Decimal;
use std::hint::black_box;

fn pricing(c: &mut Criterion) {
    let money = |s: &str| -> Money { s.parse().expect("money") };
    let decimal = |s: &str| -> Decimal { s.parse().expect("decimal") };
    let at = Utc
        .with_ymd_and_hms(2026, 3, 8, 4, 0, 0)
        .single()
        .expect("valid time");
    let store_id = StoreId::new();
    let line = |sku: &str, category: &str, quantity: i64, price: &str| PricingLine {
        sku: Some(sku.into()),
        category: Some(category.into()),
        quantity,
        unit_price: money(price),
    };
    let coupon = |code: &str, benefit: CouponBenefit| CouponOffer {
        coupon_id: CouponId::new(),
        template_id: CouponTemplateId::new(),
        code: code.into(),
        name: code.into(),
        benefit,
        scope: CouponScope {
            exclude_categories: vec!["tobacco".into()],
            ..CouponScope::default()
        },
        stacking: Stacking::Stackable,
        valid_from: at - Duration::days(1),
        valid_until: at + Duration::days(6),
    };
    let rule = PointsAsCash {
        points: Points::new(100),
        money: money("1.00"),
        max_share: decimal("0.5"),
        min_points: Points::new(100),
    };

    let single = [line("latte", "coffee", 1, "32.00")];
    let plain = PricingInput {
        store_id,
        at,
        lines: &single,
        tier_code: None,
        tier_discount_rate: Decimal::ONE,
        coupons: &[],
        points_requested: Points::ZERO,
        points_available: Points::ZERO,
        points_rule: None,
    };
    c.bench_function("price_order (1 line, nothing off)", |b| {
        b.iter(|| price_order(black_box(&plain)))
    });

    let lines = [
        line("latte", "coffee", 2, "32.00"),
        line("americano", "coffee", 1, "24.00"),
        line("bagel", "bakery", 3, "18.80"),
        line("cigs", "tobacco", 1, "30.00"),
        line("water", "drinks", 4, "3.50"),
    ];
    let coupons = [
        coupon(
            "PERCENT-88",
            CouponBenefit::PercentOff {
                rate: decimal("0.88"),
                threshold: Money::ZERO,
                cap: Some(money("20.00")),
            },
        ),
        coupon(
            "AMOUNT-100-15",
            CouponBenefit::AmountOff {
                threshold: money("100.00"),
                amount: money("15.00"),
            },
        ),
    ];
    let full = PricingInput {
        store_id,
        at,
        lines: &lines,
        tier_code: Some("gold"),
        tier_discount_rate: decimal("0.95"),
        coupons: &coupons,
        points_requested: Points::new(300),
        points_available: Points::new(5_000),
        points_rule: Some(&rule),
    };
    assert!(price_order(&full).is_ok(), "the bench order prices");
    c.bench_function(
        "price_order (5 lines, tier 0.95, 2 stackable coupons, 300 points)",
        |b| b.iter(|| price_order(black_box(&full))),
    );
}

criterion_group!(benches, pricing);
criterion_main!(benches);
