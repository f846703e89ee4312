//! The points account on real databases: earning, spending by expiry order, expiry, refunds,
//! idempotency and the races, on SQLite and PostgreSQL.

use crate::support::*;
use chrono::Duration;
use loyalty_core::checkout::OrderStatus;
use loyalty_core::checkout::RefundOrder;
use loyalty_core::kernel::IdempotencyKey;
use loyalty_core::kernel::{Idempotent, Outcome};
use loyalty_core::kernel::{MemberId, MerchantId, Points};
use loyalty_core::points::OpenLot;
use loyalty_core::points::PointsError;
use loyalty_core::points::SpendPoints;
use loyalty_core::points::{EntryKind, Source};
use loyalty_seaorm::on_both_databases;
use loyalty_seaorm::testing::TestDatabase;
use std::sync::Arc;

on_both_databases! {
    an_order_earns_and_its_refund_reverses_exactly => super::order_earns_and_refund_reverses;
    two_hundred_concurrent_spends_of_ten_against_five_hundred_leave_exactly_zero => super::spend_race;
    spending_takes_the_soonest_expiring_lots_and_expiry_writes_entries => super::spend_order_and_expiry;
    the_expiry_job_run_twice_at_once_expires_each_lot_once => super::concurrent_expiry;
    an_idempotency_key_replays_and_refuses_another_body => super::idempotent_orders;
    concurrent_refunds_never_exceed_what_was_paid => super::refund_race;
    a_replayed_source_cannot_move_points_twice => super::source_is_unique;
    the_schema_refuses_a_negative_balance_even_from_raw_sql => super::check_constraints;
    a_refund_after_the_points_were_spent_claws_back_to_zero => super::refund_shortfall;
}

/// A redemption of `amount` points for `source`.
fn redeem(
    merchant_id: MerchantId,
    member_id: MemberId,
    amount: i64,
    source: Source,
) -> SpendPoints {
    SpendPoints {
        merchant_id,
        member_id,
        amount: Points::new(amount),
        reason_code: "redeem".into(),
        title: "兑换".into(),
        store_id: None,
        source,
        operator_id: None,
    }
}

async fn order_earns_and_refund_reverses(db: &TestDatabase) {
    let w = world(db);
    let (merchant, store) = merchant(&w, "tea").points_valid_for_days(365).await;
    let m = member(&w, &merchant, "13800000001").await;

    let receipt = commit(&w, order(&merchant, &m, "128.80")).await;
    let earned = receipt.earned.as_ref().expect("earned");
    assert_eq!(
        (earned.delta, earned.balance_after, earned.seq),
        (Points::new(128), Points::new(128), 1)
    );
    assert_eq!(receipt.order.store_id, store.id);

    let partial = RefundOrder {
        amount: Some(money("28.80")),
        ..whole(&receipt)
    };
    let first = refund(&w, partial).await.expect("partial refund");
    assert_eq!(first.refund.points_reversed, Points::new(28));
    assert_eq!(first.order.status, OrderStatus::PartiallyRefunded);

    let rest = whole(&receipt);
    let second = refund(&w, rest.clone()).await.expect("rest refunded");
    assert_eq!(second.refund.amount, money("100.00"));
    assert_eq!(second.refund.points_reversed, Points::new(100));
    assert_eq!(second.order.status, OrderStatus::Refunded);
    assert_eq!(points_balance(&w, &m).await, Points::ZERO);

    let err = refund(&w, rest).await.expect_err("nothing left");
    assert_eq!(err.code(), "refund_exceeds_paid");

    let page = w
        .loyalty
        .points()
        .ledger(merchant.id, m.id, None, 2)
        .await
        .expect("ledger");
    assert_eq!(
        page.entries.iter().map(|e| e.seq).collect::<Vec<_>>(),
        vec![3, 2]
    );
    let older = w
        .loyalty
        .points()
        .ledger(merchant.id, m.id, page.next_before_seq, 2)
        .await
        .expect("older page");
    assert_eq!(
        older.entries.iter().map(|e| e.kind).collect::<Vec<_>>(),
        vec![EntryKind::Earn]
    );
    assert_eq!(older.next_before_seq, None);
    assert_ledger_consistent(&w).await;
}

async fn spend_race(db: &TestDatabase) {
    let w = Arc::new(world(db));
    let (merchant, _) = merchant(&w, "race").await;
    let m = member(&w, &merchant, "13800000002")
        .having_bought("300.00")
        .having_bought("200.00")
        .await;
    assert_eq!(points_balance(&w, &m).await, Points::new(500));

    let tasks: Vec<_> = (0..200)
        .map(|i| {
            let w = Arc::clone(&w);
            let (merchant_id, member_id) = (merchant.id, m.id);
            tokio::spawn(async move {
                w.loyalty
                    .points()
                    .spend(redeem(
                        merchant_id,
                        member_id,
                        10,
                        Source::new("test_spend", i),
                    ))
                    .await
            })
        })
        .collect();
    let mut succeeded = 0;
    let mut insufficient = 0;
    for task in tasks {
        match task.await.expect("task ran") {
            Ok(_) => succeeded += 1,
            Err(other)
                if matches!(
                    other.refusal(),
                    Some(PointsError::InsufficientPoints { .. })
                ) =>
            {
                insufficient += 1
            }
            Err(other) => panic!("unexpected failure: {other:?}"),
        }
    }
    assert_eq!((succeeded, insufficient), (50, 150));
    assert_eq!(points_balance(&w, &m).await, Points::ZERO);
    let page = w
        .loyalty
        .points()
        .ledger(merchant.id, m.id, None, 100)
        .await
        .expect("ledger");
    let sum: i64 = page.entries.iter().map(|e| e.delta.value()).sum();
    assert_eq!((page.entries.len(), sum), (52, 0));
    let mut seqs: Vec<i64> = page.entries.iter().map(|e| e.seq).collect();
    seqs.sort_unstable();
    assert_eq!(seqs, (1..=52).collect::<Vec<_>>());
    assert_ledger_consistent(&w).await;
}

async fn spend_order_and_expiry(db: &TestDatabase) {
    let w = world(db);
    let (merchant, _) = merchant(&w, "expiry").points_valid_for_days(30).await;
    let m = member(&w, &merchant, "13800000003").await;
    commit(&w, order(&merchant, &m, "100.00")).await; // lot A, expires day 30
    w.clock.advance(Duration::days(10));
    commit(&w, order(&merchant, &m, "50.00")).await; // lot B, expires day 40

    let spend =
        |amount: i64, id: &str| redeem(merchant.id, m.id, amount, Source::new("test_spend", id));
    w.loyalty
        .points()
        .spend(spend(120, "s1"))
        .await
        .expect("spent from A then B");
    let lots = w
        .loyalty
        .points()
        .summary(merchant.id, m.id)
        .await
        .expect("summary")
        .lots;
    assert_eq!(
        lots.iter()
            .map(|l: &OpenLot| l.remaining)
            .collect::<Vec<_>>(),
        vec![Points::new(30)]
    );

    // Lot B expires at day 40; the job expires it at that instant and not before.
    w.clock.advance(Duration::days(30) - Duration::seconds(1));
    assert!(
        w.loyalty
            .points()
            .expire_due(100)
            .await
            .expect("job")
            .is_empty()
    );
    w.clock.advance(Duration::seconds(1));
    let expired = w.loyalty.points().expire_due(100).await.expect("job");
    assert_eq!(
        expired
            .iter()
            .map(|e| (e.kind, e.delta, e.balance_after))
            .collect::<Vec<_>>(),
        vec![(EntryKind::Expire, Points::new(-30), Points::ZERO)]
    );
    assert!(
        w.loyalty
            .points()
            .expire_due(100)
            .await
            .expect("job")
            .is_empty()
    );

    let err = w
        .loyalty
        .points()
        .spend(spend(1, "s2"))
        .await
        .expect_err("nothing left");
    assert_eq!(err.code(), "insufficient_points");
    assert_ledger_consistent(&w).await;
}

async fn concurrent_expiry(db: &TestDatabase) {
    let w = Arc::new(world(db));
    let (merchant, _) = merchant(&w, "jobs").points_valid_for_days(1).await;
    for i in 0..10 {
        member(&w, &merchant, &format!("1390000{i:04}"))
            .having_bought("10.00")
            .await;
    }
    w.clock.advance(Duration::days(2));
    let (a, b) = tokio::join!(
        {
            let w = Arc::clone(&w);
            tokio::spawn(async move { w.loyalty.points().expire_due(100).await })
        },
        {
            let w = Arc::clone(&w);
            tokio::spawn(async move { w.loyalty.points().expire_due(100).await })
        },
    );
    let total = a.expect("ran").expect("job").len() + b.expect("ran").expect("job").len();
    assert_eq!(total, 10);
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

async fn refund_race(db: &TestDatabase) {
    let w = Arc::new(world(db));
    let (merchant, _) = merchant(&w, "refunds").await;
    let m = member(&w, &merchant, "13800000005").await;
    let receipt = commit(&w, order(&merchant, &m, "100.00")).await;
    let tasks: Vec<_> = (0..12)
        .map(|_| {
            let w = Arc::clone(&w);
            let cmd = RefundOrder {
                amount: Some(money("30.00")),
                ..whole(&receipt)
            };
            tokio::spawn(async move { w.loyalty.checkout().refund(cmd, None).await })
        })
        .collect();
    let mut ok = 0;
    for task in tasks {
        match task.await.expect("ran") {
            Ok(_) => ok += 1,
            Err(e) => assert_eq!(e.code(), "refund_exceeds_paid"),
        }
    }
    assert_eq!(ok, 3);
    let after = w
        .loyalty
        .checkout()
        .order(merchant.id, receipt.order.id)
        .await
        .expect("order");
    assert_eq!(
        (after.amount_refunded, after.points_reversed),
        (money("90.00"), Points::new(90))
    );
    assert_eq!(points_balance(&w, &m).await, Points::new(10));
    assert_ledger_consistent(&w).await;
}

async fn source_is_unique(db: &TestDatabase) {
    let w = world(db);
    let (merchant, _) = merchant(&w, "source").await;
    let m = member(&w, &merchant, "13800000006")
        .having_bought("50.00")
        .await;
    let spend = redeem(merchant.id, m.id, 5, Source::new("redemption", "r-1"));
    w.loyalty
        .points()
        .spend(spend.clone())
        .await
        .expect("first spend");
    let err = w
        .loyalty
        .points()
        .spend(spend)
        .await
        .expect_err("replayed source");
    assert_eq!(err.code(), "already_applied");
    assert_eq!(points_balance(&w, &m).await, Points::new(45));
    assert_ledger_consistent(&w).await;
}

async fn check_constraints(db: &TestDatabase) {
    let w = world(db);
    let (merchant, _) = merchant(&w, "checks").await;
    let m = member(&w, &merchant, "13800000007").await;
    let refused = db.execute("UPDATE members SET points_balance = -1").await;
    assert!(refused.is_err(), "CHECK (points_balance >= 0) must refuse");
    branch(&w, &merchant, "二店").await;
    let two_defaults = db.execute("UPDATE stores SET is_default = true").await;
    assert!(two_defaults.is_err(), "one default store per merchant");
    assert_eq!(points_balance(&w, &m).await, Points::ZERO);
}

async fn refund_shortfall(db: &TestDatabase) {
    let w = world(db);
    let (merchant, _) = merchant(&w, "shortfall").await;
    let m = member(&w, &merchant, "13800000008").await;
    let receipt = commit(&w, order(&merchant, &m, "80.00")).await;
    adjust_points(&w, &m, -50, "兑换礼品").await;

    let done = refund(&w, whole(&receipt))
        .await
        .expect("refund goes through");
    assert_eq!(
        (done.refund.points_reversed, done.refund.points_shortfall),
        (Points::new(30), Points::new(50))
    );
    assert_eq!(points_balance(&w, &m).await, Points::ZERO);
    assert_ledger_consistent(&w).await;
}
