//! The points ledger on real databases: an order earns and its refunds reverse exactly, a
//! refund of spent points claws back to zero, and the schema refuses a negative balance even
//! from raw SQL.

use crate::support::*;
use loyalty_core::checkout::OrderStatus;
use loyalty_core::checkout::RefundOrder;
use loyalty_core::kernel::Points;
use loyalty_core::points::EntryKind;
use loyalty_seaorm::on_both_databases;
use loyalty_seaorm::testing::TestDatabase;

on_both_databases! {
    an_order_earns_and_its_refund_reverses_exactly => super::order_earns_and_refund_reverses;
    the_schema_refuses_a_negative_balance_even_from_raw_sql => super::check_constraints;
    a_refund_after_the_points_were_spent_claws_back_to_zero => super::refund_shortfall;
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
