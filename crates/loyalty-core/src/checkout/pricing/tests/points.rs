//! Points as cash: the rule's step and value, the share, the minimum, what is available.

use super::*;

fn rule(points: i64, money_: &str, share: &str, min: i64) -> PointsAsCash {
    PointsAsCash {
        points: Points::new(points),
        money: money(money_),
        max_share: dec(share),
        min_points: Points::new(min),
    }
}

/// 100 points = 1.00, at most half of the order, no minimum.
fn standard() -> PointsAsCash {
    rule(100, "1.00", "0.5", 0)
}

fn paying<'a>(
    lines: &'a [PricingLine],
    rule: &'a PointsAsCash,
    requested: i64,
    available: i64,
) -> PricingInput<'a> {
    PricingInput {
        points_requested: Points::new(requested),
        points_available: Points::new(available),
        points_rule: Some(rule),
        ..input(lines, &[])
    }
}

#[test]
fn the_step_is_the_fewest_points_worth_whole_fen() {
    let cases = [
        (100, "1.00", 1, 1),
        (3, "0.01", 3, 1),
        (150, "1.00", 3, 2),
        (1, "0.10", 1, 10),
        (7, "0.03", 7, 3),
    ];
    for (points, worth, step, fen) in cases {
        let r = rule(points, worth, "1", 0);
        assert_eq!(r.step(), Points::new(step), "{points} = {worth}");
        assert_eq!(r.value_of(r.step()).fen(), fen, "{points} = {worth}");
    }
    assert_eq!(standard().value_of(Points::new(300)), money("3.00"));
    // Not a multiple of the step: rounded down (pricing never asks for one).
    assert_eq!(
        rule(150, "1.00", "1", 0).value_of(Points::new(100)),
        money("0.66")
    );
}

#[test]
fn the_rule_is_validated_by_field() {
    let cases = [
        (rule(0, "1.00", "0.5", 0), "points"),
        (rule(100, "0.00", "0.5", 0), "money"),
        (rule(100, "1.00", "0", 0), "max_share"),
        (rule(100, "1.00", "1.01", 0), "max_share"),
        (rule(100, "1.00", "0.5", -1), "min_points"),
    ];
    for (r, field) in cases {
        assert_eq!(r.validate().map_err(|e| e.field), Err(field), "{r:?}");
    }
    assert_eq!(rule(100, "1.00", "1", 0).validate(), Ok(()));
}

#[test]
fn points_pay_up_to_the_share_below_at_and_above_it() {
    // Half of 100.00 is 50.00 = 5000 points.
    let lines = [item("100.00")];
    let r = standard();
    let below = price(&paying(&lines, &r, 3000, 10_000));
    assert_eq!(below.points_discount, money("30.00"));
    assert_eq!(below.amount_due, money("70.00"));
    assert_eq!(below.points_used, Points::new(3000));
    assert_eq!(below.points_max_usable, Points::new(5000));
    let exactly = price(&paying(&lines, &r, 5000, 10_000));
    assert_eq!(exactly.amount_due, money("50.00"));
    assert_eq!(
        refuse(&paying(&lines, &r, 5001, 10_000)),
        PricingError::PointsExceedLimit {
            max: Points::new(5000)
        }
    );
}

#[test]
fn the_share_applies_to_the_amount_after_coupons() {
    // 100.00 − 20.00 = 80.00; half is 40.00 = 4000 points.
    let lines = [item("100.00")];
    let coupons = [offer("N20", no_threshold("20.00"))];
    let r = standard();
    let order = price(&PricingInput {
        coupons: &coupons,
        ..paying(&lines, &r, 0, 10_000)
    });
    assert_eq!(order.points_max_usable, Points::new(4000));
}

#[test]
fn points_must_be_a_multiple_of_the_step() {
    // 150 points = 1.00: steps of 3 points = 0.02.
    let lines = [item("100.00")];
    let r = rule(150, "1.00", "0.5", 0);
    assert_eq!(
        refuse(&paying(&lines, &r, 100, 10_000)),
        PricingError::PointsNotMultiple {
            step: Points::new(3)
        }
    );
    let order = price(&paying(&lines, &r, 150, 10_000));
    assert_eq!(order.points_discount, money("1.00"));
    // 50.00 = 2500 steps of 0.02 = 7500 points.
    assert_eq!(order.points_max_usable, Points::new(7500));
}

#[test]
fn points_are_limited_by_what_the_member_has() {
    let lines = [item("100.00")];
    let r = standard();
    assert_eq!(
        refuse(&paying(&lines, &r, 2000, 1234)),
        PricingError::PointsExceedLimit {
            max: Points::new(1234)
        }
    );
    assert_eq!(
        price(&paying(&lines, &r, 1234, 1234)).amount_due,
        money("87.66")
    );
    // Available points are counted in whole steps: 1000 points in steps of 3 → 999.
    let three = rule(150, "1.00", "0.5", 0);
    assert_eq!(
        price(&paying(&lines, &three, 0, 1000)).points_max_usable,
        Points::new(999)
    );
}

#[test]
fn without_a_rule_points_are_not_accepted() {
    let lines = [item("100.00")];
    let asking = PricingInput {
        points_requested: Points::new(100),
        points_available: Points::new(10_000),
        ..input(&lines, &[])
    };
    assert_eq!(refuse(&asking), PricingError::PointsNotAccepted);
    let order = price(&PricingInput {
        points_requested: Points::ZERO,
        ..asking
    });
    assert_eq!(order.points_max_usable, Points::ZERO);
    assert!(!step_names(&order).contains(&"points_as_cash"));
}

#[test]
fn below_the_minimum_points_are_refused_and_none_are_offered() {
    let r = rule(100, "1.00", "0.5", 500);
    let lines = [item("100.00")];
    assert_eq!(
        refuse(&paying(&lines, &r, 300, 10_000)),
        PricingError::PointsBelowMinimum {
            min: Points::new(500)
        }
    );
    assert_eq!(
        price(&paying(&lines, &r, 500, 10_000)).points_used,
        Points::new(500)
    );
    // Half of 5.00 is 250 points: under the minimum, so nothing can be used.
    let small = [item("5.00")];
    assert_eq!(
        price(&paying(&small, &r, 0, 10_000)).points_max_usable,
        Points::ZERO
    );
    assert_eq!(
        refuse(&paying(&small, &r, 500, 10_000)),
        PricingError::PointsExceedLimit { max: Points::ZERO }
    );
}

#[test]
fn the_most_usable_points_round_the_share_down_even_when_none_are_asked_for() {
    // Half of 0.99 is 0.495 → 0.49 → 49 points; in steps of 0.02 (3 points): 24 → 72.
    let lines = [item("0.99")];
    let r = standard();
    assert_eq!(
        price(&paying(&lines, &r, 0, 10_000)).points_max_usable,
        Points::new(49)
    );
    let three = rule(150, "1.00", "0.5", 0);
    assert_eq!(
        price(&paying(&lines, &three, 0, 10_000)).points_max_usable,
        Points::new(72)
    );
}

#[test]
fn points_and_their_discount_are_split_over_the_lines() {
    // 30 points (steps of 3) = 0.20 → 0.07 / 0.07 / 0.06 by largest remainder; the points
    // follow the fen: 30 × 7/20 = 10.5, 10.5, 9 → 11 / 10 / 9.
    let lines = [item("10.00"), item("10.00"), item("10.00")];
    let r = rule(150, "1.00", "0.5", 0);
    let order = price(&paying(&lines, &r, 30, 10_000));
    let fen: Vec<i64> = order
        .lines
        .iter()
        .map(|l| l.points_discount.fen())
        .collect();
    let points: Vec<i64> = order.lines.iter().map(|l| l.points_used.value()).collect();
    assert_eq!(fen, [7, 7, 6]);
    assert_eq!(points, [11, 10, 9]);
    assert_eq!(order.points_used, Points::new(30));
    assert_eq!(order.points_discount, money("0.20"));
    assert_eq!(dues(&order), ["9.93", "9.93", "9.94"]);
}
