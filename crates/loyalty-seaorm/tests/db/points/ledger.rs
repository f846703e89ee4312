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
    a_credit_sent_in_one_round_trip_keeps_the_contract => super::one_round_trip_credit;
    a_planned_debit_sent_in_one_round_trip_keeps_the_contract => super::one_round_trip_debit;
    the_lots_in_reach_and_pages_of_lots_are_read_in_consumption_order_and_no_further => super::lots_in_reach;
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

/// The adapter's credit in one round trip keeps the store's contract: the entry takes the
/// sequence number and balance the deposit gave, the lot opens beside it, a replayed source
/// is refused with nothing moved, and a member of another merchant gets nothing.
async fn one_round_trip_credit(db: &TestDatabase) {
    use loyalty_core::kernel::{LotId, Transaction, TxMode, UnitOfWork};
    use loyalty_core::points::{LEDGER_SOURCE_KEY, LedgerEntry, Lot, PointsTx, Source};
    use loyalty_seaorm::SeaUnitOfWork;

    let w = world(db);
    let (other, _) = merchant(&w, "credit-other").await;
    let (merchant, _) = merchant(&w, "credit").await;
    let m = member(&w, &merchant, "13800000007")
        .having_bought("20.00")
        .await;
    let now = w.clock_now();
    let entry = |source: &str, merchant_id| {
        adjust_entry(merchant_id, m.id, Source::new("gift", source), 7, now)
    };
    let lot_of = |e: &LedgerEntry| Lot {
        id: LotId::new(),
        merchant_id: e.merchant_id,
        member_id: e.member_id,
        entry_id: e.id,
        amount: e.delta,
        remaining: e.delta,
        earned_at: now,
        expires_at: Some(now + chrono::Duration::days(30)),
    };
    let uow = SeaUnitOfWork::new(db.db.clone());

    let first = entry("g-1", merchant.id);
    let mut tx = uow.begin(TxMode::Write).await.expect("tx");
    let (change, first_lot) = tx
        .points()
        .credit_with_lot(&first, &lot_of(&first))
        .await
        .expect("credits")
        .expect("member found");
    assert_eq!((change.balance_after, change.seq), (Points::new(27), 2));
    let written = tx
        .points()
        .entry_by_source(merchant.id, EntryKind::Adjust, &first.source)
        .await
        .expect("reads")
        .expect("entry written");
    assert_eq!((written.seq, written.balance_after), (2, Points::new(27)));
    let lot = tx
        .points()
        .lot_by_entry(merchant.id, first.id)
        .await
        .expect("reads")
        .expect("lot written");
    assert_eq!(
        (lot.id, lot.remaining, lot.expires_at),
        (
            first_lot,
            Points::new(7),
            Some(now + chrono::Duration::days(30))
        )
    );
    tx.commit().await.expect("commits");

    // Points that expire at the same instant join that lot, in one round trip or step by
    // step (the port's default); points that never expire share one lot of their own.
    let mut tx = uow.begin(TxMode::Write).await.expect("tx");
    let second = entry("g-3", merchant.id);
    let (_, joined) = tx
        .points()
        .credit_with_lot(&second, &lot_of(&second))
        .await
        .expect("credits")
        .expect("member found");
    let third = LedgerEntry {
        seq: 4,
        balance_after: Points::new(41),
        ..entry("g-4", merchant.id)
    };
    tx.points()
        .deposit(merchant.id, m.id, third.delta)
        .await
        .expect("deposits");
    tx.points().append_entry(&third).await.expect("appends");
    let stepwise = tx
        .points()
        .add_to_lot(&third, &lot_of(&third))
        .await
        .expect("adds");
    assert_eq!((joined, stepwise), (first_lot, first_lot));
    let mut never = Vec::new();
    for source in ["g-5", "g-6"] {
        let e = entry(source, merchant.id);
        let lot = Lot {
            expires_at: None,
            ..lot_of(&e)
        };
        let (_, id) = tx
            .points()
            .credit_with_lot(&e, &lot)
            .await
            .expect("credits")
            .expect("member found");
        never.push((id, e.id));
    }
    assert_eq!(never[0].0, never[1].0);
    assert_ne!(never[0].0, first_lot);
    for (entry_id, held_by) in [
        (second.id, first_lot),
        (third.id, first_lot),
        (never[1].1, never[0].0),
    ] {
        let lot = tx
            .points()
            .lot_by_entry(merchant.id, entry_id)
            .await
            .expect("reads")
            .expect("lot named");
        assert_eq!(lot.id, held_by);
    }
    let lot = tx
        .points()
        .lot_by_entry(merchant.id, first.id)
        .await
        .expect("reads")
        .expect("lot");
    assert_eq!(
        (lot.entry_id, lot.amount, lot.remaining),
        (first.id, Points::new(21), Points::new(21))
    );
    tx.commit().await.expect("commits");

    // The same source again: refused, and the transaction is left to roll back.
    let again = entry("g-1", merchant.id);
    let mut tx = uow.begin(TxMode::Write).await.expect("tx");
    let refused = tx.points().credit_with_lot(&again, &lot_of(&again)).await;
    assert!(
        matches!(refused, Err(loyalty_core::kernel::StoreError::Unique(k)) if k == LEDGER_SOURCE_KEY),
        "{refused:?}"
    );
    drop(tx);

    // Another merchant's credit does not reach this member: nothing is written.
    let foreign = entry("g-2", other.id);
    let mut tx = uow.begin(TxMode::Write).await.expect("tx");
    let none = tx
        .points()
        .credit_with_lot(&foreign, &lot_of(&foreign))
        .await
        .expect("runs");
    assert_eq!(none, None);
    assert_eq!(
        tx.points()
            .lot_by_entry(other.id, foreign.id)
            .await
            .expect("reads"),
        None
    );
    tx.commit().await.expect("commits");

    assert_eq!(points_balance(&w, &m).await, Points::new(55));
    assert_ledger_consistent(&w).await;
}

/// The adapter's planned debit in one round trip keeps the store's contract: the entry takes
/// the sequence number and balance the withdrawal gave and the lots give what was planned; a
/// balance that does not hold the amount writes nothing and says what it holds; a lot that
/// holds less than planned is contention.
async fn one_round_trip_debit(db: &TestDatabase) {
    use loyalty_core::kernel::{StoreError, Transaction, TxMode, UnitOfWork};
    use loyalty_core::points::{LotTake, PointsTx, Source, Withdrawal};
    use loyalty_seaorm::SeaUnitOfWork;

    let w = world(db);
    let (merchant, _) = merchant(&w, "debit").await;
    let m = member(&w, &merchant, "13800000008")
        .having_bought("20.00")
        .await;
    let uow = SeaUnitOfWork::new(db.db.clone());
    let mut tx = uow.begin(TxMode::Write).await.expect("tx");
    let lot = tx
        .points()
        .open_lots(merchant.id, m.id)
        .await
        .expect("reads")
        .pop()
        .expect("the purchase's lot");
    let now = w.clock_now();
    let entry = |source: &str, delta: i64| {
        adjust_entry(merchant.id, m.id, Source::new("redeem", source), delta, now)
    };
    let take = |amount| {
        [LotTake {
            lot_id: lot.id,
            amount: Points::new(amount),
        }]
    };

    let spent = entry("r-1", -8);
    let done = tx
        .points()
        .debit_planned(&spent, &take(8))
        .await
        .expect("debits");
    let Withdrawal::Done(change) = done else {
        panic!("done: {done:?}")
    };
    assert_eq!((change.balance_after, change.seq), (Points::new(12), 2));
    let written = tx
        .points()
        .entry_by_source(merchant.id, EntryKind::Adjust, &spent.source)
        .await
        .expect("reads")
        .expect("entry written");
    assert_eq!(
        (written.delta, written.seq, written.balance_after),
        (Points::new(-8), 2, Points::new(12))
    );
    tx.commit().await.expect("commits");

    // More than the balance holds: refused with what it holds, nothing taken or written
    // (not even a take the lot could give).
    let mut tx = uow.begin(TxMode::Write).await.expect("tx");
    let too_much = entry("r-2", -13);
    let refused = tx
        .points()
        .debit_planned(&too_much, &take(5))
        .await
        .expect("runs");
    assert_eq!(
        refused,
        Withdrawal::Insufficient {
            available: Points::new(12)
        }
    );
    let lots = tx
        .points()
        .open_lots(merchant.id, m.id)
        .await
        .expect("reads");
    assert_eq!(lots.first().map(|l| l.remaining), Some(Points::new(12)));
    assert_eq!(
        tx.points()
            .entry_by_source(merchant.id, EntryKind::Adjust, &too_much.source)
            .await
            .expect("reads"),
        None
    );
    drop(tx);

    // A plan taking more from the lot than it holds (it changed since read): contention.
    let mut tx = uow.begin(TxMode::Write).await.expect("tx");
    let stale = entry("r-3", -5);
    let contended = tx.points().debit_planned(&stale, &take(20)).await;
    assert!(
        matches!(contended, Err(StoreError::Contention(_))),
        "{contended:?}"
    );
    drop(tx);

    assert_eq!(points_balance(&w, &m).await, Points::new(12));
    assert_ledger_consistent(&w).await;
}

/// The adapter's bounded read of a member's lots answers what the reference (every open lot,
/// sorted and cut) answers, for every amount wanted, across its batches: due lots soonest
/// first, then the open lots in consumption order (never-expiring last), as few as cover
/// the amount, every one when they do not.
async fn lots_in_reach(db: &TestDatabase) {
    use chrono::Duration;
    use loyalty_core::kernel::{LotId, Transaction, TxMode, UnitOfWork};
    use loyalty_core::points::{
        Lot, LotsInReach, PointsTx, Source, lots_after, points_expiring_within,
    };
    use loyalty_seaorm::SeaUnitOfWork;

    let w = world(db);
    let (merchant, _) = merchant(&w, "reach").await;
    let m = member(&w, &merchant, "13800000009").await;
    let uow = SeaUnitOfWork::new(db.db.clone());
    let now = w.clock_now();
    // Two lots already due, twenty expiring a day apart (1 point each, the 5th holding 4),
    // and one that never expires.
    let mut lots: Vec<(i64, Option<chrono::DateTime<chrono::Utc>>)> = vec![
        (5, Some(now - Duration::hours(2))),
        (7, Some(now - Duration::hours(1))),
    ];
    for day in (1..=20).rev() {
        lots.push((
            if day == 5 { 4 } else { 1 },
            Some(now + Duration::days(day)),
        ));
    }
    lots.push((100, None));
    let mut tx = uow.begin(TxMode::Write).await.expect("tx");
    for (i, (amount, expires_at)) in lots.iter().enumerate() {
        let entry = adjust_entry(merchant.id, m.id, Source::new("seed", i), *amount, now);
        let lot = Lot {
            id: LotId::new(),
            merchant_id: merchant.id,
            member_id: m.id,
            entry_id: entry.id,
            amount: entry.delta,
            remaining: entry.delta,
            earned_at: now,
            expires_at: *expires_at,
        };
        tx.points()
            .credit_with_lot(&entry, &lot)
            .await
            .expect("credits")
            .expect("member");
    }
    tx.commit().await.expect("commits");

    let mut tx = uow.begin(TxMode::Read).await.expect("tx");
    let every = tx
        .points()
        .open_lots(merchant.id, m.id)
        .await
        .expect("reads");
    assert_eq!(every.len(), 23);
    for want in (0..=30).chain([123, 124, 1_000]) {
        let reach = tx
            .points()
            .lots_in_reach(merchant.id, m.id, now, Points::new(want))
            .await
            .expect("reads");
        assert_eq!(
            reach,
            LotsInReach::of(every.clone(), now, Points::new(want)),
            "{want}"
        );
        assert_eq!(reach.due_points(), Points::new(12));
    }
    let reach = |want| LotsInReach::of(every.clone(), now, Points::new(want));
    assert!(reach(0).open.is_empty());
    assert_eq!(reach(3).open.len(), 3);
    // The 5th lot holds 4: four lots cover 4 to 7 points.
    assert_eq!(reach(7).open.len(), 5);
    assert_eq!(
        reach(24).open.len(),
        21,
        "the never-expiring lot comes last"
    );
    assert_eq!(
        reach(23).open.last().map(|l| l.expires_at.is_some()),
        Some(true)
    );

    // Pages of lots (what a member's points page lists) answer what the reference answers,
    // for every page size and starting point, and walk all 21 open lots in order.
    let expiries: Vec<_> = std::iter::once(None)
        .chain(every.iter().filter_map(|l| l.expires_at).map(Some))
        .collect();
    for limit in [1, 2, 5, 20, 21, 22, 100] {
        for after in &expiries {
            let page = tx
                .points()
                .lots_page(merchant.id, m.id, now, *after, limit)
                .await
                .expect("reads");
            assert_eq!(
                page,
                lots_after(every.clone(), now, *after, limit),
                "{limit} after {after:?}"
            );
        }
        let mut walked = Vec::new();
        let mut after = None;
        loop {
            let page = tx
                .points()
                .lots_page(merchant.id, m.id, now, after, limit)
                .await
                .expect("reads");
            let last = page.last().map(|l| l.expires_at);
            walked.extend(page);
            match last {
                Some(Some(at)) => after = Some(at),
                _ => break,
            }
        }
        assert_eq!(walked, lots_after(every.clone(), now, None, 100), "{limit}");
    }
    assert_eq!(lots_after(every.clone(), now, None, 100).len(), 21);
    assert_eq!(
        lots_after(every.clone(), now, None, 100)
            .last()
            .map(|l| l.expires_at),
        Some(None),
        "the never-expiring lot comes last"
    );
    // What expires within a window: the lots in it and no others (due lots are not "soon").
    for days in [0, 1, 4, 5, 6, 20, 400] {
        let until = now + Duration::days(days);
        let soon = tx
            .points()
            .expiring_within(merchant.id, m.id, now, until)
            .await
            .expect("reads");
        assert_eq!(soon, points_expiring_within(&every, now, until), "{days}");
    }
    assert_eq!(
        points_expiring_within(&every, now, now + Duration::days(5)),
        Points::new(8),
        "four lots of 1 and the 5th of 4"
    );
}

/// An adjust entry as a use case drafts it for the store: the store fills in its sequence
/// number and balance.
fn adjust_entry(
    merchant_id: loyalty_core::kernel::MerchantId,
    member_id: loyalty_core::kernel::MemberId,
    source: loyalty_core::points::Source,
    delta: i64,
    now: chrono::DateTime<chrono::Utc>,
) -> loyalty_core::points::LedgerEntry {
    loyalty_core::points::LedgerEntry {
        id: loyalty_core::kernel::EntryId::new(),
        merchant_id,
        member_id,
        seq: 0,
        kind: EntryKind::Adjust,
        delta: Points::new(delta),
        balance_after: Points::ZERO,
        reason_code: "adjust".into(),
        title: "调整".into(),
        store_id: None,
        source,
        operator_id: None,
        shortfall: Points::ZERO,
        policy_version: None,
        created_at: now,
    }
}
