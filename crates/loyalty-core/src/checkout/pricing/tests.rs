//! Table tests with hand-computed numbers; invariants are in `props`.

use super::*;
use chrono::Duration;

mod coupons;
mod points;
mod props;

fn money(s: &str) -> Money {
    s.parse().expect("valid money")
}

fn dec(s: &str) -> Decimal {
    s.parse().expect("decimal")
}

fn at(rfc3339: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(rfc3339)
        .expect("time")
        .to_utc()
}

const NOW: &str = "2026-03-10T04:00:00Z";

fn line(sku: &str, category: &str, quantity: i64, price: &str) -> PricingLine {
    PricingLine {
        sku: Some(sku.into()),
        category: Some(category.into()),
        quantity,
        unit_price: money(price),
    }
}

fn item(price: &str) -> PricingLine {
    line("item", "goods", 1, price)
}

/// A stackable coupon for any line, store and tier, valid a day either side of [`NOW`].
fn offer(code: &str, benefit: CouponBenefit) -> CouponOffer {
    CouponOffer {
        coupon_id: CouponId::new(),
        template_id: CouponTemplateId::new(),
        code: code.into(),
        name: format!("coupon {code}"),
        benefit,
        scope: CouponScope::default(),
        stacking: Stacking::Stackable,
        valid_from: at(NOW) - Duration::days(1),
        valid_until: at(NOW) + Duration::days(1),
    }
}

fn exclusive(code: &str, benefit: CouponBenefit) -> CouponOffer {
    CouponOffer {
        stacking: Stacking::Exclusive,
        ..offer(code, benefit)
    }
}

fn amount_off(threshold: &str, amount: &str) -> CouponBenefit {
    CouponBenefit::AmountOff {
        threshold: money(threshold),
        amount: money(amount),
    }
}

fn percent_off(rate: &str, threshold: &str, cap: Option<&str>) -> CouponBenefit {
    CouponBenefit::PercentOff {
        rate: dec(rate),
        threshold: money(threshold),
        cap: cap.map(money),
    }
}

fn no_threshold(amount: &str) -> CouponBenefit {
    CouponBenefit::NoThreshold {
        amount: money(amount),
    }
}

fn free_item(quantity: i64) -> CouponBenefit {
    CouponBenefit::FreeItem { quantity }
}

fn input<'a>(lines: &'a [PricingLine], coupons: &'a [CouponOffer]) -> PricingInput<'a> {
    PricingInput {
        store_id: StoreId::from_uuid(uuid::Uuid::nil()),
        at: at(NOW),
        lines,
        tier_code: None,
        tier_discount_rate: Decimal::ONE,
        coupons,
        points_requested: Points::ZERO,
        points_available: Points::ZERO,
        points_rule: None,
    }
}

fn price(input: &PricingInput<'_>) -> PricedOrder {
    price_order(input).expect("prices")
}

fn refuse(input: &PricingInput<'_>) -> PricingError {
    price_order(input).expect_err("is refused")
}

fn invalid_field(input: &PricingInput<'_>) -> &'static str {
    match refuse(input) {
        PricingError::Invalid(e) => e.field,
        other => panic!("expected a validation error, got {other:?}"),
    }
}

fn dues(order: &PricedOrder) -> Vec<String> {
    order.lines.iter().map(|l| l.due.to_string()).collect()
}

fn step_names(order: &PricedOrder) -> Vec<&str> {
    order.steps.iter().map(|s| s.step.as_ref()).collect()
}

fn not_applicable(code: &str, reason: &'static str) -> PricingError {
    PricingError::CouponNotApplicable {
        code: code.into(),
        reason,
    }
}

#[test]
fn line_prices_are_unit_price_times_quantity() {
    let lines = [line("latte", "coffee", 3, "12.50"), item("9.99")];
    let order = price(&input(&lines, &[]));
    assert_eq!(order.lines[0].gross, money("37.50"));
    assert_eq!(order.lines[1].gross, money("9.99"));
    assert_eq!((order.lines[0].line_no, order.lines[1].line_no), (1, 2));
    assert_eq!(order.gross, money("47.49"));
    assert_eq!(order.amount_due, money("47.49"));
    assert_eq!(step_names(&order), ["line_prices", "amount_due"]);
    assert_eq!(order.steps[0].amount, money("47.49"));
}

#[test]
fn the_tier_rate_rounds_each_line_half_up_to_the_fen() {
    // 33.33 × 0.95 = 31.6635 → 31.66; 0.70 × 0.95 = 0.665 → 0.67 (half-up, not to even).
    let lines = [item("33.33"), item("0.70")];
    let order = price(&PricingInput {
        tier_discount_rate: dec("0.95"),
        ..input(&lines, &[])
    });
    assert_eq!(dues(&order), ["31.66", "0.67"]);
    assert_eq!(order.lines[0].tier_discount, money("1.67"));
    assert_eq!(order.lines[1].tier_discount, money("0.03"));
    assert_eq!(order.tier_discount, money("1.70"));
    assert_eq!(order.amount_due, money("32.33"));
    assert_eq!(order.steps[1].step, "tier_discount");
    assert_eq!(order.steps[1].amount, money("1.70"));
}

#[test]
fn a_tier_rate_of_one_takes_nothing_and_shows_no_step() {
    let lines = [item("33.33")];
    let order = price(&input(&lines, &[]));
    assert_eq!(order.tier_discount, Money::ZERO);
    assert!(!step_names(&order).contains(&"tier_discount"));
}

#[test]
fn tier_rates_outside_zero_to_one_are_refused() {
    let lines = [item("10.00")];
    for rate in ["0", "-0.5", "1.01"] {
        let field = invalid_field(&PricingInput {
            tier_discount_rate: dec(rate),
            ..input(&lines, &[])
        });
        assert_eq!(field, "tier_discount_rate", "{rate}");
    }
}

#[test]
fn malformed_orders_are_refused_by_field() {
    let too_many: Vec<PricingLine> = (0..501).map(|_| item("1.00")).collect();
    let zero_qty = [line("a", "b", 0, "1.00")];
    let huge_qty = [line("a", "b", 100_001, "1.00")];
    let too_dear = [line("a", "b", 100_000, "10000.01")];
    let cases: [(&[PricingLine], &str); 5] = [
        (&[], "lines"),
        (&too_many, "lines"),
        (&zero_qty, "lines.quantity"),
        (&huge_qty, "lines.quantity"),
        (&too_dear, "lines.unit_price"),
    ];
    for (lines, field) in cases {
        assert_eq!(
            invalid_field(&input(lines, &[])),
            field,
            "{} lines",
            lines.len()
        );
    }
    let at_the_limit = [line("a", "b", 100_000, "10000.00")];
    assert_eq!(
        price(&input(&at_the_limit, &[])).gross,
        money("1000000000.00")
    );
}

#[test]
fn more_than_ten_coupons_the_same_coupon_twice_or_a_bad_benefit_are_invalid() {
    let lines = [item("100.00")];
    let many: Vec<CouponOffer> = (0..11)
        .map(|i| offer(&format!("C{i:02}"), no_threshold("1.00")))
        .collect();
    assert_eq!(invalid_field(&input(&lines, &many)), "coupons");
    let one = offer("A", no_threshold("1.00"));
    let twice = [one.clone(), one];
    assert_eq!(invalid_field(&input(&lines, &twice)), "coupons");
    let bad = [offer("B", percent_off("1.5", "0.00", None))];
    assert_eq!(invalid_field(&input(&lines, &bad)), "benefit.rate");
}

#[test]
fn negative_points_and_a_broken_points_rule_are_invalid() {
    let lines = [item("100.00")];
    let negative = PricingInput {
        points_requested: Points::new(-1),
        ..input(&lines, &[])
    };
    assert_eq!(invalid_field(&negative), "points_requested");
    let broken = PointsAsCash {
        points: Points::new(100),
        money: money("1.00"),
        max_share: dec("1.5"),
        min_points: Points::ZERO,
    };
    let with_broken = PricingInput {
        points_rule: Some(&broken),
        ..input(&lines, &[])
    };
    assert_eq!(invalid_field(&with_broken), "max_share");
}

#[test]
fn every_error_has_its_stable_code() {
    let cases = [
        (
            PricingError::Invalid(InvalidValue::new("x", "y")),
            "validation_failed",
        ),
        (not_applicable("A", "expired"), "coupon_not_applicable"),
        (
            PricingError::CouponsNotStackable { code: "A".into() },
            "coupons_not_stackable",
        ),
        (PricingError::PointsNotAccepted, "points_not_accepted"),
        (
            PricingError::PointsNotMultiple {
                step: Points::new(3),
            },
            "points_not_multiple",
        ),
        (
            PricingError::PointsBelowMinimum {
                min: Points::new(100),
            },
            "points_below_minimum",
        ),
        (
            PricingError::PointsExceedLimit {
                max: Points::new(5),
            },
            "points_limit_exceeded",
        ),
    ];
    for (error, code) in cases {
        assert_eq!(error.code(), code, "{error}");
    }
}

#[test]
fn a_full_order_explains_every_step_in_order() {
    // 120.00 + 80.00 at 0.95 → 114.00 + 76.00 = 190.00 (10.00 tier);
    // 满150减15 → 105.00 + 70.00 (9.00 / 6.00); 9折 on 175.00 → pay 157.50, 17.50 off
    // (10.50 / 7.00); 1000 points = 10.00 → 6.00 / 4.00; due 88.50 + 59.00 = 147.50.
    let lines = [item("120.00"), item("80.00")];
    let coupons = [
        offer("P90", percent_off("0.9", "0.00", None)),
        offer("A15", amount_off("150.00", "15.00")),
    ];
    let rule = PointsAsCash {
        points: Points::new(100),
        money: money("1.00"),
        max_share: dec("0.5"),
        min_points: Points::ZERO,
    };
    let order = price(&PricingInput {
        tier_discount_rate: dec("0.95"),
        points_requested: Points::new(1000),
        points_available: Points::new(100_000),
        points_rule: Some(&rule),
        ..input(&lines, &coupons)
    });
    let steps: Vec<(&str, Option<&str>, String)> = order
        .steps
        .iter()
        .map(|s| {
            (
                s.step.as_ref(),
                s.coupon_code.as_deref(),
                s.amount.to_string(),
            )
        })
        .collect();
    assert_eq!(
        steps,
        [
            ("line_prices", None, "200.00".to_owned()),
            ("tier_discount", None, "10.00".to_owned()),
            ("coupon", Some("A15"), "15.00".to_owned()),
            ("coupon", Some("P90"), "17.50".to_owned()),
            ("points_as_cash", None, "10.00".to_owned()),
            ("amount_due", None, "147.50".to_owned()),
        ]
    );
    assert_eq!(
        order.steps[2].detail,
        "15.00 off 190.00 of eligible items (threshold 150.00)"
    );
    assert_eq!(dues(&order), ["88.50", "59.00"]);
    assert_eq!(
        order.coupons[1].line_discounts,
        [money("10.50"), money("7.00")]
    );
    assert_eq!(
        (order.lines[0].points_used, order.lines[1].points_used),
        (Points::new(600), Points::new(400))
    );
    // 157.50 × 0.5 = 78.75 → 7875 points at most.
    assert_eq!(order.points_max_usable, Points::new(7875));
    let json = serde_json::to_value(&order.steps[0]).expect("serialises");
    assert!(
        json.get("coupon_code").is_none(),
        "absent, not null: {json}"
    );
}

#[test]
fn largest_remainder_allocation_gives_the_odd_fen_to_the_earliest_line() {
    let lines = [item("10.00"), item("10.00"), item("10.00")];
    let coupons = [offer("N10", no_threshold("10.00"))];
    let order = price(&input(&lines, &coupons));
    assert_eq!(
        order.coupons[0].line_discounts,
        [money("3.34"), money("3.33"), money("3.33")]
    );
    assert_eq!(dues(&order), ["6.66", "6.67", "6.67"]);
}
