//! Spending points on real databases: concurrent spends never overdraw, and a source moves
//! points once.

use super::redeem;
use crate::support::*;
use loyalty_core::kernel::Points;
use loyalty_core::points::PointsError;
use loyalty_core::points::Source;
use loyalty_seaorm::on_both_databases;
use loyalty_seaorm::testing::TestDatabase;
use std::sync::Arc;

on_both_databases! {
    two_hundred_concurrent_spends_of_ten_against_five_hundred_leave_exactly_zero => super::spend_race;
    a_replayed_source_cannot_move_points_twice => super::source_is_unique;
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
    let (succeeded, insufficient) = settle(tasks, |e| {
        matches!(e.refusal(), Some(PointsError::InsufficientPoints { .. }))
    })
    .await;
    assert_eq!((succeeded.len(), insufficient), (50, 150));
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
