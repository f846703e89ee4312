use super::*;
use chrono::{Duration, TimeZone};
use proptest::prelude::*;

fn t(day: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0)
        .single()
        .expect("valid time")
        + Duration::days(day)
}

fn lot(remaining: i64, earned: i64, expires: Option<i64>) -> OpenLot {
    OpenLot {
        id: LotId::new(),
        remaining: Points::new(remaining),
        earned_at: t(earned),
        expires_at: expires.map(t),
    }
}

#[test]
fn spending_consumes_the_soonest_expiring_lots_first_and_never_expiring_last() {
    let never = lot(100, 0, None);
    let late = lot(30, 1, Some(90));
    let soon = lot(20, 2, Some(10));
    let takes = plan_consumption(
        &[never.clone(), late.clone(), soon.clone()],
        Points::new(60),
    )
    .expect("enough");
    assert_eq!(
        takes,
        vec![
            LotTake {
                lot_id: soon.id,
                amount: Points::new(20)
            },
            LotTake {
                lot_id: late.id,
                amount: Points::new(30)
            },
            LotTake {
                lot_id: never.id,
                amount: Points::new(10)
            },
        ]
    );
}

#[test]
fn spending_more_than_the_lots_hold_plans_nothing() {
    let err = plan_consumption(&[lot(5, 0, None)], Points::new(6)).expect_err("short");
    assert_eq!(
        err,
        Shortfall {
            requested: Points::new(6),
            available: Points::new(5)
        }
    );
}

#[test]
fn reversal_takes_from_the_earning_lot_first_then_the_soonest_expiring() {
    let own = lot(10, 5, Some(100));
    let other_late = lot(50, 0, Some(200));
    let other_soon = lot(50, 1, Some(20));
    let plan = plan_reversal(
        &[other_late.clone(), own.clone(), other_soon.clone()],
        Some(own.id),
        Points::new(25),
        ShortfallPolicy::Reject,
    )
    .expect("enough");
    assert_eq!(
        plan.takes,
        vec![
            LotTake {
                lot_id: own.id,
                amount: Points::new(10)
            },
            LotTake {
                lot_id: other_soon.id,
                amount: Points::new(15)
            },
        ]
    );
    assert_eq!(
        (plan.taken, plan.shortfall),
        (Points::new(25), Points::ZERO)
    );
}

#[test]
fn reversal_claws_back_to_zero_and_records_the_shortfall() {
    let own = lot(4, 0, None);
    let plan = plan_reversal(
        std::slice::from_ref(&own),
        Some(own.id),
        Points::new(10),
        ShortfallPolicy::ClawBackToZero,
    )
    .expect("claw back never fails");
    assert_eq!(
        (plan.taken, plan.shortfall),
        (Points::new(4), Points::new(6))
    );
    assert!(plan_reversal(&[own], None, Points::new(10), ShortfallPolicy::Reject).is_err());
}

#[test]
fn a_lot_is_due_at_its_exact_expiry_instant_not_before() {
    let l = lot(1, 0, Some(3));
    assert!(!l.is_due(t(3) - Duration::seconds(1)));
    assert!(l.is_due(t(3)));
}

#[derive(Debug, Clone)]
enum Op {
    Earn {
        amount: i64,
        validity: Option<i64>,
    },
    Spend(i64),
    Expire,
    Reverse {
        nth: usize,
        amount: i64,
        claw_back: bool,
    },
    Advance(i64),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (1..500_i64, proptest::option::of(1..60_i64))
            .prop_map(|(amount, validity)| Op::Earn { amount, validity }),
        (1..700_i64).prop_map(Op::Spend),
        Just(Op::Expire),
        (0..20_usize, 1..600_i64, any::<bool>()).prop_map(|(nth, amount, claw_back)| Op::Reverse {
            nth,
            amount,
            claw_back
        }),
        (0..30_i64).prop_map(Op::Advance),
    ]
}

proptest! {
    #[test]
    fn balance_equals_ledger_sum_equals_open_lots_and_is_never_negative(ops in proptest::collection::vec(op(), 1..80)) {
        let mut account = PointsAccount::default();
        let mut day = 0;
        let mut earned_lots = Vec::new();
        for op in ops {
            let before = account.balance;
            match op {
                Op::Earn { amount, validity } => {
                    earned_lots.push(account.earn(Points::new(amount), t(day), validity.map(|v| t(day + v))));
                }
                Op::Spend(amount) => {
                    let result = account.spend(Points::new(amount), t(day));
                    if result.is_err() {
                        // A refused spend changes nothing but the expiry it triggered.
                        prop_assert!(account.balance <= before);
                        prop_assert!(account.balance < Points::new(amount));
                    }
                }
                Op::Expire => account.expire(t(day)),
                Op::Reverse { nth, amount, claw_back } => {
                    if let Some(lot) = earned_lots.get(nth % earned_lots.len().max(1)).copied() {
                        let policy = if claw_back { ShortfallPolicy::ClawBackToZero } else { ShortfallPolicy::Reject };
                        if let Ok(plan) = account.reverse(lot, Points::new(amount), policy, t(day)) {
                            prop_assert_eq!(plan.taken.value() + plan.shortfall.value(), amount);
                        }
                    }
                }
                Op::Advance(days) => day += days,
            }
            prop_assert!(!account.balance.is_negative());
            prop_assert_eq!(account.balance, account.ledger_total());
            prop_assert_eq!(account.balance, account.lots_total());
            prop_assert!(account.lots.iter().all(|l| l.remaining.is_positive()));
        }
    }

    #[test]
    fn earning_then_reversing_everything_restores_the_balance(start in 0..1000_i64, earned in 1..1000_i64) {
        let mut account = PointsAccount::default();
        if start > 0 { account.earn(Points::new(start), t(0), None); }
        let lot = account.earn(Points::new(earned), t(1), Some(t(400)));
        let plan = account.reverse(lot, Points::new(earned), ShortfallPolicy::Reject, t(2)).expect("nothing spent");
        prop_assert_eq!(plan.shortfall, Points::ZERO);
        prop_assert_eq!(account.balance, Points::new(start));
    }
}
