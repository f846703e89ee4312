//! Orders on real databases: the quote is the commit, a tier discount, a coupon and points pay
//! at once, a coupon is used by one order, its member's, points past their expiry are not cash,
//! and an idempotency key replays the first receipt.

use super::{basket, member_with_points, shop};
use crate::support::refusal;
use crate::support::*;
use chrono::Duration;
use loyalty_core::Error;
use loyalty_core::checkout::PricingError;
use loyalty_core::coupons::CouponStatus;
use loyalty_core::coupons::CouponsError;
use loyalty_core::kernel::IdempotencyKey;
use loyalty_core::kernel::Points;
use loyalty_core::kernel::{Idempotent, Outcome};
use loyalty_seaorm::on_both_databases;
use loyalty_seaorm::testing::TestDatabase;
use std::sync::Arc;

on_both_databases! {
    an_order_with_a_tier_discount_a_coupon_and_points_commits_all_at_once => super::priced_order;
    two_orders_racing_for_one_coupon_commit_once => super::coupon_race;
    a_coupon_of_another_member_or_used_already_refuses_the_order => super::foreign_coupon;
    points_past_their_expiry_are_not_spent_as_cash_even_before_the_job_runs => super::due_lots;
    an_idempotency_key_replays_and_refuses_another_body => super::idempotent_orders;
}

async fn priced_order(db: &TestDatabase) {
    let w = world(db);
    let (merchant, template) = shop(&w).await;
    let (m, code) = member_with_points(&w, &merchant, template).await;
    assert_eq!(points_balance(&w, &m).await, Points::new(500));

    let quote = w
        .loyalty
        .checkout()
        .quote(basket(&m, vec![code.clone()], 300))
        .await
        .expect("quoted");
    let receipt = commit(&w, basket(&m, vec![code.clone()], 300)).await;
    let pricing = receipt.pricing.clone().expect("priced by the engine");
    // The quote is the commit, and it changed nothing.
    assert_eq!(quote.pricing, pricing);
    assert_eq!(quote.points_to_earn, receipt.order.points_earned);

    // 114.00 → 9.5 折 108.30 (60.80 + 47.50) → 20.00 off (11.23 + 8.77) → 300 points = 3.00
    // (1.68 + 1.32) → 85.30 due, which earns 85 points.
    let o = &receipt.order;
    assert_eq!(
        (
            o.gross,
            o.tier_discount,
            o.coupon_discount,
            o.points_discount,
            o.amount_paid
        ),
        (
            money("114.00"),
            money("5.70"),
            money("20.00"),
            money("3.00"),
            money("85.30")
        )
    );
    assert_eq!(
        (o.points_used, o.points_earned),
        (Points::new(300), Points::new(85))
    );
    let paid: Vec<String> = receipt.lines.iter().map(|l| l.paid.to_string()).collect();
    assert_eq!(paid, ["47.89", "37.41"]);
    let points: Vec<i64> = receipt
        .lines
        .iter()
        .map(|l| l.points_used.value())
        .collect();
    assert_eq!(points, [168, 132]);
    assert_eq!(pricing.points_max_usable, Points::new(500));
    assert_eq!(receipt.balance_after, Points::new(500 - 300 + 85));
    assert_eq!(points_balance(&w, &m).await, Points::new(285));

    let used = coupon_by_code(&w, &merchant, &code).await;
    assert_eq!(used.coupon.status, CouponStatus::Used);
    assert_eq!(used.coupon.used_order_id, Some(o.id));
    let log = w
        .loyalty
        .coupons()
        .verifications(merchant.id, None, None, 10)
        .await
        .expect("log");
    assert_eq!(log[0].order_id, Some(o.id));

    // More points than half the order can take is refused, with the most it can take.
    let greedy = w
        .loyalty
        .checkout()
        .quote(basket(&m, Vec::new(), 5_000))
        .await;
    assert!(
        matches!(refusal(&greedy), Some(PricingError::PointsExceedLimit { max }) if *max == Points::new(285)),
        "{greedy:?}"
    );
    assert_ledger_consistent(&w).await;
}

async fn coupon_race(db: &TestDatabase) {
    let w = Arc::new(world(db));
    let (merchant, template) = shop(&w).await;
    let (m, code) = member_with_points(&w, &merchant, template).await;
    let tasks: Vec<_> = (0..2)
        .map(|_| {
            let w = Arc::clone(&w);
            let cmd = basket(&m, vec![code.clone()], 100);
            tokio::spawn(async move { w.loyalty.checkout().commit(cmd, None).await })
        })
        .collect();
    let (committed, used) = settle(tasks, |e| {
        matches!(
            e.refusal(),
            Some(CouponsError::CouponNotUsable(CouponStatus::Used))
        )
    })
    .await;
    assert_eq!((committed.len(), used), (1, 1));
    // The loser spent nothing: 500 − 100 + what the winner earned.
    let earned = 500 - 100;
    assert!(points_balance(&w, &m).await > Points::new(earned));
    assert_ledger_consistent(&w).await;
}

async fn foreign_coupon(db: &TestDatabase) {
    let w = world(db);
    let (merchant, template) = shop(&w).await;
    let (m, code) = member_with_points(&w, &merchant, template).await;
    let other = member(&w, &merchant, "13900000002").await;
    let theirs = w
        .loyalty
        .checkout()
        .commit(basket(&other, vec![code.clone()], 0), None)
        .await;
    assert!(
        matches!(theirs, Err(Error::NotFound(loyalty_core::coupons::COUPON))),
        "{theirs:?}"
    );
    commit(&w, basket(&m, vec![code.clone()], 0)).await;
    let again = w
        .loyalty
        .checkout()
        .commit(basket(&m, vec![code], 0), None)
        .await;
    assert!(
        matches!(
            refusal(&again),
            Some(CouponsError::CouponNotUsable(CouponStatus::Used))
        ),
        "{again:?}"
    );
    // The refused orders left no trace.
    assert_eq!(points_balance(&w, &other).await, Points::ZERO);
    assert_ledger_consistent(&w).await;
}

async fn due_lots(db: &TestDatabase) {
    let w = world(db);
    let (merchant, _) = shop(&w).await;
    let m = member(&w, &merchant, "13800000001")
        .having_bought("500.00")
        .await;
    w.clock.advance(Duration::days(200));
    commit(&w, order(&merchant, &m, "100.00")).await;
    // The first 500 points expired 365 days after they were earned; no job has run.
    w.clock.advance(Duration::days(170));
    assert_eq!(points_balance(&w, &m).await, Points::new(600));
    let quote = w
        .loyalty
        .checkout()
        .quote(basket(&m, Vec::new(), 0))
        .await
        .expect("quoted");
    assert_eq!(quote.pricing.points_max_usable, Points::new(100));
    let too_many = w
        .loyalty
        .checkout()
        .commit(basket(&m, Vec::new(), 150), None)
        .await;
    assert!(
        matches!(refusal(&too_many), Some(PricingError::PointsExceedLimit { max }) if *max == Points::new(100)),
        "{too_many:?}"
    );
    let paid = commit(&w, basket(&m, Vec::new(), 100)).await;
    assert_eq!(paid.order.points_used, Points::new(100));
    // The due lot is the job's: it expires whole, and the ledger adds up.
    let expired = w.loyalty.points().expire_due(10).await.expect("job");
    assert_eq!(expired.iter().map(|e| e.delta.value()).sum::<i64>(), -500);
    assert_eq!(points_balance(&w, &m).await, paid.order.points_earned);
    assert_ledger_consistent(&w).await;
}

async fn idempotent_orders(db: &TestDatabase) {
    let w = Arc::new(world(db));
    let (merchant, _) = merchant(&w, "idem").await;
    let m = member(&w, &merchant, "13800000004").await;
    let key = IdempotencyKey {
        merchant_id: merchant.id,
        scope: "staff:test".into(),
        key: "k-1".into(),
    };
    let idem = |fingerprint: &str| Idempotent {
        key: key.clone(),
        fingerprint: fingerprint.into(),
    };

    let first = w
        .loyalty
        .checkout()
        .commit(order(&merchant, &m, "10.00"), Some(&idem("a")))
        .await
        .expect("first");
    let Outcome::Done(receipt) = first else {
        panic!("first runs")
    };
    let replay = w
        .loyalty
        .checkout()
        .commit(order(&merchant, &m, "10.00"), Some(&idem("a")))
        .await
        .expect("replay");
    assert!(
        matches!(replay, Outcome::Replayed(ref r) if *r == receipt),
        "a replay answers the first receipt as it was"
    );
    let err = w
        .loyalty
        .checkout()
        .commit(order(&merchant, &m, "99.00"), Some(&idem("b")))
        .await
        .expect_err("other body");
    assert_eq!(err.code(), "idempotency_key_reused");

    // Ten concurrent requests with one new key: one effect, the rest replay it.
    let tasks: Vec<_> = (0..10)
        .map(|_| {
            let (w, merchant, m) = (Arc::clone(&w), merchant.clone(), m.clone());
            let key = IdempotencyKey {
                key: "k-2".into(),
                ..key.clone()
            };
            tokio::spawn(async move {
                let idem = Idempotent {
                    key,
                    fingerprint: "c".into(),
                };
                w.loyalty
                    .checkout()
                    .commit(order(&merchant, &m, "10.00"), Some(&idem))
                    .await
            })
        })
        .collect();
    let mut done = 0;
    for task in tasks {
        if let Outcome::Done(_) = task.await.expect("ran").expect("no failure") {
            done += 1;
        }
    }
    assert_eq!(done, 1);
    assert_eq!(points_balance(&w, &m).await, Points::new(20));
    assert_ledger_consistent(&w).await;
}
