//! Invariants over random orders: everything adds up line by line, the result does not depend
//! on the order of the coupons, and every allowed points request is accepted.

use super::*;
use proptest::prelude::*;

fn fen(value: i64) -> Money {
    Money::from_fen(value).expect("non-negative")
}

#[derive(Debug, Clone)]
struct Case {
    lines: Vec<PricingLine>,
    rate: Decimal,
    coupons: Vec<CouponOffer>,
    rule: Option<PointsAsCash>,
    requested: i64,
    available: i64,
}

impl Case {
    fn input<'a>(&'a self, coupons: &'a [CouponOffer], requested: i64) -> PricingInput<'a> {
        PricingInput {
            tier_discount_rate: self.rate,
            points_requested: Points::new(requested),
            points_available: Points::new(self.available),
            points_rule: self.rule.as_ref(),
            ..input(&self.lines, coupons)
        }
    }
}

fn a_line() -> impl Strategy<Value = PricingLine> {
    (1_i64..=100_000, 1_i64..=5, 0_usize..3, 0_usize..4).prop_map(|(price, quantity, c, s)| {
        PricingLine {
            sku: Some(format!("s{s}")),
            category: Some(["a", "b", "c"][c].to_owned()),
            quantity,
            unit_price: fen(price),
        }
    })
}

fn a_benefit() -> impl Strategy<Value = CouponBenefit> {
    prop_oneof![
        (1_i64..50_000, 1_i64..20_000).prop_map(|(threshold, amount)| {
            CouponBenefit::AmountOff {
                threshold: fen(threshold),
                amount: fen(amount),
            }
        }),
        (
            1_i64..=9_999,
            0_i64..50_000,
            proptest::option::of(1_i64..10_000)
        )
            .prop_map(|(rate, threshold, cap)| CouponBenefit::PercentOff {
                rate: Decimal::new(rate, 4),
                threshold: fen(threshold),
                cap: cap.map(fen),
            }),
        (1_i64..20_000).prop_map(|amount| CouponBenefit::NoThreshold {
            amount: fen(amount)
        }),
        (1_i64..=6).prop_map(|quantity| CouponBenefit::FreeItem { quantity }),
    ]
}

fn a_scope() -> impl Strategy<Value = CouponScope> {
    let codes = |c: &str| vec![c.to_owned()];
    prop_oneof![
        Just(CouponScope::default()),
        Just(CouponScope {
            include_categories: codes("a"),
            ..CouponScope::default()
        }),
        Just(CouponScope {
            exclude_categories: codes("b"),
            ..CouponScope::default()
        }),
        Just(CouponScope {
            include_skus: codes("s1"),
            include_categories: codes("c"),
            exclude_skus: codes("s2"),
            ..CouponScope::default()
        }),
    ]
}

fn a_rule() -> impl Strategy<Value = Option<PointsAsCash>> {
    proptest::option::weighted(
        0.8,
        (1_i64..=300, 1_i64..=300, 1_i64..=100, 0_i64..=50).prop_map(
            |(points, money_fen, share, min)| PointsAsCash {
                points: Points::new(points),
                money: fen(money_fen),
                max_share: Decimal::new(share, 2),
                min_points: Points::new(min),
            },
        ),
    )
}

fn a_case() -> impl Strategy<Value = Case> {
    (
        proptest::collection::vec(a_line(), 1..6),
        prop_oneof![
            Just(Decimal::ONE),
            (1_i64..=100).prop_map(|p| Decimal::new(p, 2))
        ],
        proptest::collection::vec((a_benefit(), a_scope()), 0..4),
        a_rule(),
        prop_oneof![4 => (0_i64..=40).prop_map(Ok), 1 => (0_i64..=20_000).prop_map(Err)],
        0_i64..=20_000,
    )
        .prop_map(|(lines, rate, coupons, rule, request, available)| Case {
            lines,
            rate,
            coupons: coupons
                .into_iter()
                .enumerate()
                .map(|(i, (benefit, scope))| CouponOffer {
                    scope,
                    ..offer(&format!("C{i}"), benefit)
                })
                .collect(),
            // Mostly whole steps (of the rule, or none without one), sometimes any amount.
            requested: match request {
                Ok(steps) => rule.map_or(0, |r| steps * r.step().value()),
                Err(points) => points,
            },
            rule,
            available,
        })
}

fn assert_adds_up(case: &Case, order: &PricedOrder) {
    let sum = |f: fn(&PricedLine) -> i64| order.lines.iter().map(f).sum::<i64>();
    for l in &order.lines {
        assert_eq!(
            l.gross.fen(),
            l.tier_discount.fen() + l.coupon_discount.fen() + l.points_discount.fen() + l.due.fen(),
            "line {}",
            l.line_no
        );
    }
    assert_eq!(order.lines.len(), case.lines.len());
    assert_eq!(order.gross.fen(), sum(|l| l.gross.fen()));
    assert_eq!(order.tier_discount.fen(), sum(|l| l.tier_discount.fen()));
    assert_eq!(
        order.coupon_discount.fen(),
        sum(|l| l.coupon_discount.fen())
    );
    assert_eq!(
        order.points_discount.fen(),
        sum(|l| l.points_discount.fen())
    );
    assert_eq!(order.amount_due.fen(), sum(|l| l.due.fen()));
    assert_eq!(order.points_used.value(), sum(|l| l.points_used.value()));
    for coupon in &order.coupons {
        assert_eq!(coupon.line_discounts.len(), case.lines.len());
        let parts: i64 = coupon.line_discounts.iter().map(|m| m.fen()).sum();
        assert_eq!(parts, coupon.discount.fen(), "{}", coupon.code);
    }
    let coupons: i64 = order.coupons.iter().map(|c| c.discount.fen()).sum();
    assert_eq!(coupons, order.coupon_discount.fen());
    assert!(order.points_used <= order.points_max_usable);
    assert!(order.points_used.value() <= case.available);
    assert_eq!(order.steps.last().map(|s| s.amount), Some(order.amount_due));
}

proptest! {
    #[test]
    fn a_priced_order_adds_up_line_by_line_and_prices_the_same_every_time(case in a_case()) {
        let result = price_order(&case.input(&case.coupons, case.requested));
        if let Ok(order) = &result {
            assert_adds_up(&case, order);
        }
        let reversed: Vec<CouponOffer> = case.coupons.iter().rev().cloned().collect();
        prop_assert_eq!(&price_order(&case.input(&reversed, case.requested)), &result);
        prop_assert_eq!(&price_order(&case.input(&case.coupons, case.requested)), &result);
    }

    #[test]
    fn every_points_request_within_the_offer_is_accepted(case in a_case(), pick in any::<u64>()) {
        let Ok(quote) = price_order(&case.input(&case.coupons, 0)) else {
            return Ok(());
        };
        let Some(rule) = case.rule else {
            prop_assert_eq!(quote.points_max_usable, Points::ZERO);
            return Ok(());
        };
        let step = rule.step().value();
        let lowest = (rule.min_points.value().max(1) + step - 1) / step * step;
        let most = quote.points_max_usable.value();
        prop_assert_eq!(most % step, 0);
        if most >= lowest {
            let choices = u64::try_from((most - lowest) / step + 1).expect("positive");
            let requested = lowest + i64::try_from(pick % choices).expect("small") * step;
            let order = price_order(&case.input(&case.coupons, requested));
            let order = order.expect("an offered amount of points is accepted");
            prop_assert_eq!(order.points_used, Points::new(requested));
            prop_assert_eq!(order.points_discount, rule.value_of(Points::new(requested)));
            prop_assert_eq!(order.points_max_usable, quote.points_max_usable);
            assert_adds_up(&case, &order);
        }
        let beyond = price_order(&case.input(&case.coupons, most + step));
        prop_assert!(beyond.is_err(), "{} points are beyond the offer", most + step);
    }

    #[test]
    fn allocation_never_gives_a_line_more_than_it_costs(
        weights in proptest::collection::vec(0_i64..100_000, 1..8),
        per_mille in 0_i64..=1_000,
    ) {
        let total = weights.iter().sum::<i64>() * per_mille / 1_000;
        let parts = allocate(fen(total), &weights.iter().map(|w| fen(*w)).collect::<Vec<_>>());
        prop_assert_eq!(parts.iter().map(|p| p.fen()).sum::<i64>(), total);
        for (part, weight) in parts.iter().zip(&weights) {
            prop_assert!(part.fen() <= *weight, "{} > {}", part.fen(), weight);
        }
    }
}
