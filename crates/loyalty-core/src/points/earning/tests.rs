// Each case starts from the default policy and changes what it is about.
#![allow(clippy::field_reassign_with_default)]

use super::*;
use proptest::prelude::*;

type Spoiler = Box<dyn Fn(&mut EarningPolicy)>;

fn money(s: &str) -> Money {
    s.parse().expect("valid money")
}

fn m(s: &str) -> Multiplier {
    Multiplier::new(s.parse().expect("decimal")).expect("valid multiplier")
}

fn at(rfc3339: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(rfc3339)
        .expect("time")
        .to_utc()
}

fn shanghai() -> MerchantTimeZone {
    MerchantTimeZone::default()
}

fn store() -> StoreId {
    StoreId::new()
}

fn earn_whole(policy: &EarningPolicy, amount: &str, when: &str, member: &MemberContext) -> Points {
    earn(policy, amount, when, member, store()).points
}

fn earn(
    policy: &EarningPolicy,
    amount: &str,
    when: &str,
    member: &MemberContext,
    store_id: StoreId,
) -> EarnedPoints {
    let amount = money(amount);
    let purchase = Purchase {
        store_id,
        at: at(when),
        lines: &[],
        amount_paid: amount,
        amount_gross: amount,
    };
    earn_points(policy, &purchase, member, shanghai()).expect("fits")
}

const NOON: &str = "2026-03-10T04:00:00Z"; // 12:00 in Shanghai, a Tuesday

#[test]
fn ratio_and_rounding_table() {
    let cases = [
        // (points per unit, unit, rounding, amount, points)
        (1, "1.00", Rounding::Floor, "99.99", 99),
        (1, "1.00", Rounding::HalfUp, "99.49", 99),
        (1, "1.00", Rounding::HalfUp, "99.50", 100),
        (1, "1.00", Rounding::Ceiling, "99.01", 100),
        (1, "10.00", Rounding::Floor, "99.99", 9),
        (1, "10.00", Rounding::Ceiling, "90.01", 10),
        (2, "1.00", Rounding::Floor, "0.49", 0),
        (2, "1.00", Rounding::HalfUp, "0.25", 1),
        (1, "1.00", Rounding::Floor, "0.00", 0),
        (3, "0.50", Rounding::Floor, "1.00", 6),
        (1, "3.00", Rounding::Floor, "10.00", 3),
        (1, "3.00", Rounding::Ceiling, "9.00", 3),
    ];
    for (ppu, unit, rounding, amount, expected) in cases {
        let policy = EarningPolicy::base(ppu, money(unit), rounding);
        assert_eq!(
            earn_whole(&policy, amount, NOON, &MemberContext::default()),
            Points::new(expected),
            "{ppu}/{unit} {rounding:?} {amount}"
        );
    }
}

#[test]
fn stacking_multiplies_or_takes_the_highest() {
    let day = MemberDay {
        days_of_month: vec![10],
        days_of_week: vec![],
        multiplier: m("2"),
    };
    let gold = MemberContext {
        tier: Some(TierFactor {
            code: "gold".into(),
            multiplier: m("1.2"),
            birthday_multiplier: None,
        }),
        ..MemberContext::default()
    };
    let cases = [
        // (stacking, member day?, tier?, points for 100.00)
        (Stacking::Multiply, true, true, 240),
        (Stacking::Highest, true, true, 200),
        (Stacking::Multiply, false, true, 120),
        (Stacking::Highest, false, true, 120),
        (Stacking::Multiply, true, false, 200),
        (Stacking::Highest, false, false, 100),
    ];
    for (stacking, member_day, tier, expected) in cases {
        let mut policy = EarningPolicy::default();
        policy.stacking = stacking;
        policy.member_day = member_day.then(|| day.clone());
        let member = if tier {
            gold.clone()
        } else {
            MemberContext::default()
        };
        let earned = earn(&policy, "100.00", NOON, &member, store());
        assert_eq!(
            earned.points,
            Points::new(expected),
            "{stacking:?} member day {member_day} tier {tier}"
        );
    }
}

#[test]
fn explains_rule_factors_rounding_and_threshold() {
    let mut policy = EarningPolicy::base(1, money("10.00"), Rounding::Floor);
    policy.thresholds = vec![
        ThresholdBonus {
            min_amount: money("100.00"),
            bonus: Points::new(10),
        },
        ThresholdBonus {
            min_amount: money("200.00"),
            bonus: Points::new(30),
        },
    ];
    let shop = store();
    policy.store_multipliers = vec![StoreMultiplier {
        store_id: shop,
        multiplier: m("1.5"),
    }];
    let earned = earn(&policy, "250.00", NOON, &MemberContext::default(), shop);
    let e = &earned.explanation;
    // 250 / 10 × 1.5 = 37.5 → floor 37, + the 200-step bonus 30 (not the 100 step too).
    assert_eq!(e.exact, Decimal::new(375, 1));
    assert_eq!(e.base_points, Points::new(37));
    assert_eq!(e.threshold.map(|t| t.bonus), Some(Points::new(30)));
    assert_eq!(e.lines[0].factors[0].rule, "store");
    assert_eq!(earned.points, Points::new(67));
    // Below the first step: no bonus.
    let small = earn(&policy, "99.99", NOON, &MemberContext::default(), store());
    assert_eq!(small.points, Points::new(9));
    assert_eq!(small.explanation.threshold, None);
}

#[test]
fn caps_per_order_then_per_day() {
    let mut policy = EarningPolicy::default();
    policy.cap_per_order = Some(Points::new(500));
    policy.cap_per_day = Some(Points::new(800));
    let cases = [
        // (amount, earned today, points, caps applied)
        ("300.00", 0, 300, vec![]),
        ("900.00", 0, 500, vec!["per_order"]),
        ("900.00", 400, 400, vec!["per_order", "per_day"]),
        ("200.00", 700, 100, vec!["per_day"]),
        ("200.00", 800, 0, vec!["per_day"]),
        ("200.00", 900, 0, vec!["per_day"]),
    ];
    for (amount, today, expected, caps) in cases {
        let member = MemberContext {
            earned_today: Points::new(today),
            ..MemberContext::default()
        };
        let earned = earn(&policy, amount, NOON, &member, store());
        assert_eq!(
            earned.points,
            Points::new(expected),
            "{amount} after {today}"
        );
        let applied: Vec<_> = earned
            .explanation
            .caps
            .iter()
            .map(|c| c.cap.as_ref())
            .collect();
        assert_eq!(applied, caps, "{amount} after {today}");
    }
}

#[test]
fn member_day_is_the_merchant_local_day_to_the_second() {
    let mut policy = EarningPolicy::default();
    policy.member_day = Some(MemberDay {
        days_of_month: vec![8],
        days_of_week: vec![],
        multiplier: m("2"),
    });
    let nobody = MemberContext::default();
    let cases = [
        // Shanghai is UTC+8: the 8th runs from 7th 16:00:00Z to 8th 15:59:59Z.
        ("2026-03-07T15:59:59Z", 100), // 7th 23:59:59 local
        ("2026-03-07T16:00:00Z", 200), // 8th 00:00:00 local
        ("2026-03-08T15:59:59Z", 200), // 8th 23:59:59 local
        ("2026-03-08T16:00:00Z", 100), // 9th 00:00:00 local
    ];
    for (when, expected) in cases {
        assert_eq!(
            earn_whole(&policy, "100.00", when, &nobody),
            Points::new(expected),
            "{when}"
        );
    }
    // The same instants for a merchant in New York (UTC-5 in early March, before DST).
    let ny = MerchantTimeZone::parse("America/New_York").expect("zone");
    let amount = money("100.00");
    let ny_points = |when: &str| {
        earn_points(
            &policy,
            &Purchase {
                store_id: store(),
                at: at(when),
                lines: &[],
                amount_paid: amount,
                amount_gross: amount,
            },
            &nobody,
            ny,
        )
        .expect("fits")
        .points
        .value()
    };
    assert_eq!(ny_points("2026-03-08T04:59:59Z"), 100); // 7th 23:59:59 local
    assert_eq!(ny_points("2026-03-08T05:00:00Z"), 200); // 8th 00:00:00 local
    assert_eq!(ny_points("2026-03-09T03:59:59Z"), 200); // 8th 23:59:59 EDT (DST began)
    assert_eq!(ny_points("2026-03-09T04:00:00Z"), 100); // 9th 00:00:00 EDT
}

#[test]
fn weekly_member_day() {
    let day = MemberDay {
        days_of_month: vec![],
        days_of_week: vec![3],
        multiplier: m("2"),
    };
    assert!(day.includes(NaiveDate::from_ymd_opt(2026, 11, 25).expect("date"))); // Wednesday
    assert!(!day.includes(NaiveDate::from_ymd_opt(2026, 11, 26).expect("date")));
}

#[test]
fn birthdays_including_29_february() {
    let d = |y, mo, da| NaiveDate::from_ymd_opt(y, mo, da).expect("date");
    let leapling = d(2000, 2, 29);
    let cases = [
        (BirthdayScope::Day, leapling, d(2027, 2, 28), true),
        (BirthdayScope::Day, leapling, d(2027, 3, 1), false),
        (BirthdayScope::Day, leapling, d(2028, 2, 28), false),
        (BirthdayScope::Day, leapling, d(2028, 2, 29), true),
        (BirthdayScope::Day, d(1990, 7, 4), d(2026, 7, 4), true),
        (BirthdayScope::Day, d(1990, 7, 4), d(2026, 7, 5), false),
        (BirthdayScope::Month, d(1990, 7, 4), d(2026, 7, 31), true),
        (BirthdayScope::Month, d(1990, 7, 4), d(2026, 8, 1), false),
        (BirthdayScope::Month, leapling, d(2027, 2, 1), true),
    ];
    for (scope, birthday, date, expected) in cases {
        assert_eq!(
            scope.includes(birthday, date),
            expected,
            "{scope:?} {birthday} on {date}"
        );
    }
}

#[test]
fn tier_birthday_multiplier_replaces_the_policy_one() {
    let mut policy = EarningPolicy::default();
    policy.birthday = Some(BirthdayBonus {
        scope: BirthdayScope::Day,
        multiplier: m("2"),
    });
    let birthday = NaiveDate::from_ymd_opt(1990, 3, 10);
    let plain = MemberContext {
        birthday,
        ..MemberContext::default()
    };
    assert_eq!(
        earn_whole(&policy, "100.00", NOON, &plain),
        Points::new(200)
    );
    let diamond = MemberContext {
        birthday,
        tier: Some(TierFactor {
            code: "diamond".into(),
            multiplier: m("1.5"),
            birthday_multiplier: Some(m("3")),
        }),
        ..MemberContext::default()
    };
    assert_eq!(
        earn_whole(&policy, "100.00", NOON, &diamond),
        Points::new(450)
    );
    // No birthday on record: no birthday factor.
    assert_eq!(
        earn_whole(&policy, "100.00", NOON, &MemberContext::default()),
        Points::new(100)
    );
}

#[test]
fn lines_earn_by_category_and_item_and_exclusions_earn_nothing() {
    let mut policy = EarningPolicy::default();
    policy.category_multipliers = vec![CodeMultiplier {
        code: "coffee".into(),
        multiplier: m("2"),
    }];
    policy.item_multipliers = vec![CodeMultiplier {
        code: "latte-l".into(),
        multiplier: m("1.5"),
    }];
    policy.excluded_categories = vec!["tobacco".into()];
    policy.excluded_items = vec!["gift-card".into()];
    let line = |sku: &str, category: &str, gross: &str, paid: &str| PurchaseLine {
        sku: Some(sku.into()),
        category: Some(category.into()),
        gross: money(gross),
        paid: money(paid),
    };
    let lines = [
        line("latte-l", "coffee", "30.00", "27.00"), // 27 × 2 × 1.5 = 81
        line("bagel", "bakery", "10.00", "9.00"),    // 9
        line("cigs", "tobacco", "50.00", "45.00"),   // excluded
        line("gift-card", "cards", "100.00", "90.00"), // excluded
    ];
    let purchase = Purchase {
        store_id: store(),
        at: at(NOON),
        lines: &lines,
        amount_paid: money("171.00"),
        amount_gross: money("190.00"),
    };
    let earned =
        earn_points(&policy, &purchase, &MemberContext::default(), shanghai()).expect("fits");
    assert_eq!(earned.points, Points::new(90));
    let e = &earned.explanation;
    assert_eq!(e.eligible_amount, money("36.00"));
    assert_eq!(e.lines[2].excluded.as_deref(), Some("excluded_category"));
    assert_eq!(e.lines[3].excluded.as_deref(), Some("excluded_item"));
    assert_eq!(e.lines[0].multiplier, Decimal::from(3));
    // Before discounts: gross amounts earn.
    policy.basis = AmountBasis::BeforeDiscounts;
    let gross =
        earn_points(&policy, &purchase, &MemberContext::default(), shanghai()).expect("fits");
    assert_eq!(gross.points, Points::new(100)); // 30 × 3 + 10
}

#[test]
fn rounds_once_per_order_not_per_line() {
    let policy = EarningPolicy::default();
    let line = |paid: &str| PurchaseLine {
        sku: None,
        category: None,
        gross: money(paid),
        paid: money(paid),
    };
    let lines = [line("0.60"), line("0.60")];
    let purchase = Purchase {
        store_id: store(),
        at: at(NOON),
        lines: &lines,
        amount_paid: money("1.20"),
        amount_gross: money("1.20"),
    };
    let earned =
        earn_points(&policy, &purchase, &MemberContext::default(), shanghai()).expect("fits");
    assert_eq!(earned.points, Points::new(1));
}

#[test]
fn action_points_stop_at_the_daily_cap() {
    let rule = ActionRule {
        points: Points::new(20),
        daily_cap: Some(Points::new(50)),
    };
    assert_eq!(rule.points_after_cap(Points::ZERO), Points::new(20));
    assert_eq!(rule.points_after_cap(Points::new(40)), Points::new(10));
    assert_eq!(rule.points_after_cap(Points::new(50)), Points::ZERO);
    let uncapped = ActionRule {
        points: Points::new(20),
        daily_cap: None,
    };
    assert_eq!(
        uncapped.points_after_cap(Points::new(1000)),
        Points::new(20)
    );
}

#[test]
fn point_value_rounds_down_to_the_fen() {
    let rate = PointValue::default();
    assert_eq!(rate.value_of(Points::new(12_345)), money("123.45"));
    let odd = PointValue {
        points: Points::new(3),
        money: money("0.01"),
    };
    assert_eq!(odd.value_of(Points::new(10)), money("0.03"));
}

#[test]
fn validation_refuses_what_makes_no_sense() {
    let bad: Vec<Spoiler> = vec![
        Box::new(|p| p.unit = Money::ZERO),
        Box::new(|p| p.points_per_unit = -1),
        Box::new(|p| p.cap_per_day = Some(Points::ZERO)),
        Box::new(|p| {
            p.thresholds = vec![
                ThresholdBonus {
                    min_amount: money("200.00"),
                    bonus: Points::new(1),
                },
                ThresholdBonus {
                    min_amount: money("100.00"),
                    bonus: Points::new(1),
                },
            ];
        }),
        Box::new(|p| {
            p.member_day = Some(MemberDay {
                days_of_month: vec![32],
                days_of_week: vec![],
                multiplier: Multiplier::ONE,
            });
        }),
        Box::new(|p| p.excluded_items = vec![String::new()]),
        Box::new(|p| {
            p.actions.share = Some(ActionRule {
                points: Points::new(-5),
                daily_cap: None,
            });
        }),
    ];
    for (i, spoil) in bad.iter().enumerate() {
        let mut policy = EarningPolicy::default();
        spoil(&mut policy);
        assert!(policy.validate().is_err(), "case {i}");
    }
    assert!(EarningPolicy::default().validate().is_ok());
    assert!(Multiplier::new(Decimal::ZERO).is_err());
    assert!(Multiplier::new(Decimal::new(1_00001, 3)).is_err());
    assert!(Multiplier::new(Decimal::new(12_345, 5)).is_err());
}

#[test]
fn allocation_splits_to_the_fen_by_largest_remainder() {
    let parts = allocate(
        money("10.00"),
        &[money("1.00"), money("1.00"), money("1.00")],
    );
    assert_eq!(parts, vec![money("3.34"), money("3.33"), money("3.33")]);
    let zero = allocate(money("0.05"), &[Money::ZERO, Money::ZERO]);
    assert_eq!(zero, vec![money("0.03"), money("0.02")]);
}

fn policy_strategy() -> impl Strategy<Value = EarningPolicy> {
    (
        0i64..5,
        prop::sample::select(vec!["0.50", "1.00", "10.00"]),
        prop::sample::select(vec![Rounding::Floor, Rounding::HalfUp, Rounding::Ceiling]),
        prop::sample::select(vec![Stacking::Multiply, Stacking::Highest]),
        prop::option::of(1i64..2_000),
        prop::option::of(1i64..5_000),
        prop::bool::ANY,
    )
        .prop_map(|(ppu, unit, rounding, stacking, per_order, per_day, day)| {
            let mut p = EarningPolicy::base(ppu, money(unit), rounding);
            p.stacking = stacking;
            p.cap_per_order = per_order.map(Points::new);
            p.cap_per_day = per_day.map(Points::new);
            p.thresholds = vec![ThresholdBonus {
                min_amount: money("100.00"),
                bonus: Points::new(10),
            }];
            p.member_day = day.then(|| MemberDay {
                days_of_month: (1..=31).collect(),
                days_of_week: vec![],
                multiplier: m("2"),
            });
            p
        })
}

proptest! {
    #[test]
    fn points_are_never_negative_never_above_a_cap_and_grow_with_the_amount(
        policy in policy_strategy(),
        fen in 0i64..10_000_000,
        more in 0i64..1_000_000,
        today in 0i64..6_000,
    ) {
        let member = MemberContext { earned_today: Points::new(today), ..MemberContext::default() };
        let one = |fen: i64| {
            let amount = Money::from_fen(fen).expect("fen");
            earn_points(&policy, &Purchase {
                store_id: StoreId::new(),
                at: at(NOON),
                lines: &[],
                amount_paid: amount,
                amount_gross: amount,
            }, &member, shanghai()).expect("fits").points
        };
        let points = one(fen);
        prop_assert!(points.value() >= 0);
        if let Some(cap) = policy.cap_per_order {
            prop_assert!(points <= cap);
        }
        if let Some(cap) = policy.cap_per_day {
            prop_assert!(points.value() <= (cap.value() - today).max(0));
        }
        prop_assert!(one(fen + more) >= points);
    }

    #[test]
    fn allocations_add_up_and_follow_the_weights(
        total in 0i64..10_000_000,
        weights in prop::collection::vec(0i64..1_000_000, 1..12),
    ) {
        let weights: Vec<Money> = weights.into_iter().map(|w| Money::from_fen(w).expect("fen")).collect();
        let parts = allocate(Money::from_fen(total).expect("fen"), &weights);
        prop_assert_eq!(parts.len(), weights.len());
        prop_assert_eq!(parts.iter().map(|p| p.fen()).sum::<i64>(), total);
        let sum: i64 = weights.iter().map(|w| w.fen()).sum();
        if sum > 0 {
            for (part, weight) in parts.iter().zip(&weights) {
                let exact = i128::from(total) * i128::from(weight.fen()) / i128::from(sum);
                prop_assert!((i128::from(part.fen()) - exact).abs() <= 1);
            }
        }
    }
}
