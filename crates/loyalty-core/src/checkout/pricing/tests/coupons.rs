//! Coupons: each kind, thresholds, caps, scope, windows and stacking.

use super::*;

fn with<'a>(lines: &'a [PricingLine], coupons: &'a [CouponOffer]) -> PricedOrder {
    price(&input(lines, coupons))
}

fn discount_of(lines: &[PricingLine], benefit: CouponBenefit) -> Result<Money, PricingError> {
    let coupons = [offer("X", benefit)];
    price_order(&input(lines, &coupons)).map(|o| o.coupon_discount)
}

#[test]
fn amount_off_by_threshold_met_exactly_met_and_not_met() {
    let cases = [
        ("200.00", Ok("20.00")),
        ("150.00", Ok("20.00")),
        ("149.99", Err("threshold_not_met")),
    ];
    for (amount, expected) in cases {
        let lines = [item(amount)];
        let got = discount_of(&lines, amount_off("150.00", "20.00"));
        let expected = expected.map(money).map_err(|r| not_applicable("X", r));
        assert_eq!(got, expected, "{amount}");
    }
}

#[test]
fn amount_off_splits_over_lines_in_proportion_and_explains_itself() {
    let lines = [item("120.00"), item("80.00")];
    let coupons = [offer("A20", amount_off("150.00", "20.00"))];
    let order = with(&lines, &coupons);
    assert_eq!(
        order.coupons[0].line_discounts,
        [money("12.00"), money("8.00")]
    );
    assert_eq!(dues(&order), ["108.00", "72.00"]);
    assert_eq!(
        order.steps[1].detail,
        "20.00 off 200.00 of eligible items (threshold 150.00)"
    );
}

#[test]
fn an_amount_off_threshold_is_judged_after_the_tier_discount() {
    // 150.00 at 0.95 is 142.50: below the 150.00 threshold.
    let lines = [item("150.00")];
    let coupons = [offer("A20", amount_off("150.00", "20.00"))];
    let error = refuse(&PricingInput {
        tier_discount_rate: dec("0.95"),
        ..input(&lines, &coupons)
    });
    assert_eq!(error, not_applicable("A20", "threshold_not_met"));
}

#[test]
fn no_threshold_takes_its_amount_but_never_more_than_the_eligible_amount() {
    assert_eq!(
        discount_of(&[item("25.00")], no_threshold("10.00")),
        Ok(money("10.00"))
    );
    let lines = [item("6.00")];
    let coupons = [offer("N10", no_threshold("10.00"))];
    let order = with(&lines, &coupons);
    assert_eq!(order.coupon_discount, money("6.00"));
    assert_eq!(order.amount_due, Money::ZERO);
}

#[test]
fn percent_off_by_threshold_and_cap() {
    // 8.5折 of 200.00: pay 170.00, 30.00 off.
    let cases = [
        ("200.00", percent_off("0.85", "0.00", None), Ok("30.00")),
        (
            "200.00",
            percent_off("0.85", "0.00", Some("20.00")),
            Ok("20.00"),
        ),
        (
            "200.00",
            percent_off("0.85", "0.00", Some("50.00")),
            Ok("30.00"),
        ),
        (
            "200.00",
            percent_off("0.85", "0.00", Some("30.00")),
            Ok("30.00"),
        ),
        ("100.00", percent_off("0.85", "100.00", None), Ok("15.00")),
        (
            "99.99",
            percent_off("0.85", "100.00", None),
            Err("threshold_not_met"),
        ),
        // 0.15 × 0.9 = 0.135 to pay → 0.14 (half-up): 0.01 off.
        ("0.15", percent_off("0.9", "0.00", None), Ok("0.01")),
    ];
    for (amount, benefit, expected) in cases {
        let got = discount_of(&[item(amount)], benefit.clone());
        let expected = expected.map(money).map_err(|r| not_applicable("X", r));
        assert_eq!(got, expected, "{amount} {benefit:?}");
    }
}

#[test]
fn a_capped_percent_off_says_so() {
    let lines = [item("200.00")];
    let coupons = [offer("P85", percent_off("0.85", "100.00", Some("20.00")))];
    let order = with(&lines, &coupons);
    assert_eq!(
        order.steps[1].detail,
        "20.00 off 200.00 of eligible items (pay 0.85 rounded half-up to the fen, \
         threshold 100.00, capped at 20.00)"
    );
}

#[test]
fn free_item_frees_the_cheapest_unit() {
    let lines = [
        line("latte", "coffee", 2, "32.00"),
        line("bagel", "bakery", 3, "18.80"),
        line("water", "drinks", 1, "3.50"),
    ];
    let coupons = [offer("F1", free_item(1))];
    let order = with(&lines, &coupons);
    assert_eq!(
        order.coupons[0].line_discounts,
        [Money::ZERO, Money::ZERO, money("3.50")]
    );
    assert_eq!(
        order.steps[1].detail,
        "1 unit(s) free, cheapest eligible first: 3.50 off"
    );
}

#[test]
fn free_items_take_units_cheapest_first_across_lines() {
    // Water 3.50, then one of three bagels (56.40 / 3 = 18.80).
    let lines = [
        line("bagel", "bakery", 3, "18.80"),
        line("water", "drinks", 1, "3.50"),
    ];
    let coupons = [offer("F2", free_item(2))];
    let order = with(&lines, &coupons);
    assert_eq!(
        order.coupons[0].line_discounts,
        [money("18.80"), money("3.50")]
    );
    assert_eq!(dues(&order), ["37.60", "0.00"]);
}

#[test]
fn a_freed_unit_costs_its_share_of_the_line_after_the_tier_rounded_half_up() {
    // 3 × 3.33 = 9.99 at 0.95 → 9.49; one unit 9.49 / 3 = 3.163… → 3.16.
    let lines = [line("cookie", "bakery", 3, "3.33")];
    let coupons = [offer("F1", free_item(1))];
    let order = price(&PricingInput {
        tier_discount_rate: dec("0.95"),
        ..input(&lines, &coupons)
    });
    assert_eq!(order.coupon_discount, money("3.16"));
    assert_eq!(order.amount_due, money("6.33"));
}

#[test]
fn free_item_ties_go_to_the_earlier_line_and_extra_quantity_frees_everything() {
    let lines = [item("5.00"), item("5.00")];
    let one = [offer("F1", free_item(1))];
    assert_eq!(
        with(&lines, &one).coupons[0].line_discounts,
        [money("5.00"), Money::ZERO]
    );
    let five = [offer("F5", free_item(5))];
    let order = with(&lines, &five);
    assert_eq!(order.coupon_discount, money("10.00"));
    assert_eq!(order.amount_due, Money::ZERO);
}

#[test]
fn included_categories_limit_the_eligible_lines_and_the_threshold() {
    let lines = [
        line("latte", "coffee", 1, "30.00"),
        line("bagel", "bakery", 1, "20.00"),
    ];
    let coffee = |benefit| CouponOffer {
        scope: CouponScope {
            include_categories: vec!["coffee".into()],
            ..CouponScope::default()
        },
        ..offer("C", benefit)
    };
    let order = with(&lines, &[coffee(amount_off("25.00", "10.00"))]);
    assert_eq!(
        order.coupons[0].line_discounts,
        [money("10.00"), Money::ZERO]
    );
    // 50.00 in the order but only 30.00 of coffee.
    let error = refuse(&input(&lines, &[coffee(amount_off("40.00", "10.00"))]));
    assert_eq!(error, not_applicable("C", "threshold_not_met"));
}

#[test]
fn an_excluded_sku_wins_over_its_included_category() {
    let lines = [
        line("latte", "coffee", 1, "30.00"),
        line("americano", "coffee", 1, "20.00"),
    ];
    let coupons = [CouponOffer {
        scope: CouponScope {
            include_categories: vec!["coffee".into()],
            exclude_skus: vec!["latte".into()],
            ..CouponScope::default()
        },
        ..offer("N5", no_threshold("5.00"))
    }];
    let order = with(&lines, &coupons);
    assert_eq!(
        order.coupons[0].line_discounts,
        [Money::ZERO, money("5.00")]
    );
}

#[test]
fn a_coupon_without_eligible_lines_left_to_discount_is_refused() {
    let lines = [item("10.00")];
    let tea_only = [CouponOffer {
        scope: CouponScope {
            include_categories: vec!["tea".into()],
            ..CouponScope::default()
        },
        ..offer("T", no_threshold("1.00"))
    }];
    assert_eq!(
        refuse(&input(&lines, &tea_only)),
        not_applicable("T", "no_eligible_items")
    );
    // The first coupon leaves the line at 0.00: nothing for the second.
    let both = [
        offer("B", no_threshold("1.00")),
        offer("A", no_threshold("10.00")),
    ];
    assert_eq!(
        refuse(&input(&lines, &both)),
        not_applicable("B", "no_eligible_items")
    );
}

#[test]
fn store_and_tier_restrictions_are_checked() {
    let lines = [item("10.00")];
    let here = input(&lines, &[]).store_id;
    let other_store = [CouponOffer {
        scope: CouponScope {
            store_ids: vec![StoreId::new()],
            ..CouponScope::default()
        },
        ..offer("S", no_threshold("1.00"))
    }];
    assert_eq!(
        refuse(&input(&lines, &other_store)),
        not_applicable("S", "store")
    );
    let this_store = [CouponOffer {
        scope: CouponScope {
            store_ids: vec![here],
            ..CouponScope::default()
        },
        ..offer("S", no_threshold("1.00"))
    }];
    assert_eq!(with(&lines, &this_store).coupon_discount, money("1.00"));
    let gold_only = [CouponOffer {
        scope: CouponScope {
            tier_codes: vec!["gold".into()],
            ..CouponScope::default()
        },
        ..offer("G", no_threshold("1.00"))
    }];
    let as_tier = |tier_code| PricingInput {
        tier_code,
        ..input(&lines, &gold_only)
    };
    assert_eq!(
        refuse(&as_tier(Some("silver"))),
        not_applicable("G", "tier")
    );
    assert_eq!(refuse(&as_tier(None)), not_applicable("G", "tier"));
    assert_eq!(price(&as_tier(Some("gold"))).coupon_discount, money("1.00"));
}

#[test]
fn a_coupon_is_valid_from_valid_from_until_just_before_valid_until() {
    let lines = [item("10.00")];
    let coupon = offer("W", no_threshold("1.00"));
    let when = |at| PricingInput {
        at,
        ..input(&lines, std::slice::from_ref(&coupon))
    };
    assert!(price_order(&when(coupon.valid_from)).is_ok());
    assert!(price_order(&when(coupon.valid_until - Duration::seconds(1))).is_ok());
    assert_eq!(
        refuse(&when(coupon.valid_until)),
        not_applicable("W", "expired")
    );
    assert_eq!(
        refuse(&when(coupon.valid_from - Duration::seconds(1))),
        not_applicable("W", "not_yet_valid")
    );
}

#[test]
fn an_exclusive_coupon_works_alone_but_not_with_another() {
    let lines = [item("200.00")];
    let alone = [exclusive("E", amount_off("100.00", "30.00"))];
    assert_eq!(with(&lines, &alone).amount_due, money("170.00"));
    let together = [
        offer("S", no_threshold("5.00")),
        exclusive("E", amount_off("100.00", "30.00")),
    ];
    assert_eq!(
        refuse(&input(&lines, &together)),
        PricingError::CouponsNotStackable { code: "E".into() }
    );
}

#[test]
fn stackable_coupons_apply_in_a_fixed_order_whatever_order_they_come_in() {
    // Amount off first: 200.00 → 185.00 (9.00 / 6.00); then 9折 of 185.00: pay 166.50,
    // 18.50 off (11.10 / 7.40).
    let lines = [item("120.00"), item("80.00")];
    let percent = offer("P90", percent_off("0.9", "0.00", None));
    let amount = offer("A15", amount_off("100.00", "15.00"));
    let forward = with(&lines, &[percent.clone(), amount.clone()]);
    let backward = with(&lines, &[amount, percent]);
    assert_eq!(forward, backward);
    let codes: Vec<&str> = forward.coupons.iter().map(|c| c.code.as_str()).collect();
    assert_eq!(codes, ["A15", "P90"]);
    assert_eq!(
        forward.coupons[0].line_discounts,
        [money("9.00"), money("6.00")]
    );
    assert_eq!(
        forward.coupons[1].line_discounts,
        [money("11.10"), money("7.40")]
    );
    assert_eq!(forward.coupon_discount, money("33.50"));
    assert_eq!(forward.amount_due, money("166.50"));
}

#[test]
fn a_free_item_applies_before_an_amount_off_threshold_is_judged() {
    // Water is freed first; the cake alone (100.00) still reaches the 100.00 threshold.
    let lines = [item("100.00"), line("water", "drinks", 1, "3.50")];
    let coupons = [
        offer("A10", amount_off("100.00", "10.00")),
        offer("F1", free_item(1)),
    ];
    let order = with(&lines, &coupons);
    let codes: Vec<&str> = order.coupons.iter().map(|c| c.code.as_str()).collect();
    assert_eq!(codes, ["F1", "A10"]);
    assert_eq!(dues(&order), ["90.00", "0.00"]);
}
