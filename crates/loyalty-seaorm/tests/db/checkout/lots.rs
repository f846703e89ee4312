//! Lots by expiry on real databases: spent points a refund gives back into a lot past its
//! expiry expire at once (and the expiry job still writes the lot's own remainder off once);
//! lots of one member and expiry stored before the merge migration become one, with what
//! spends took from them, and refunds give back into it.

use super::{basket, member_with_points, shop};
use crate::support::*;
use chrono::Duration;
use loyalty_core::kernel::{Points, Transaction, TxMode, UnitOfWork};
use loyalty_core::points::{EntryKind, LedgerEntry, PointsTx, Source};
use loyalty_migrations::{Migrator, MigratorTrait};
use loyalty_seaorm::SeaUnitOfWork;
use loyalty_seaorm::on_both_databases;
use loyalty_seaorm::testing::TestDatabase;

on_both_databases! {
    points_given_back_into_an_expired_lot_expire_at_once => super::return_into_expired_lot;
    lots_of_one_expiry_stored_before_the_merge_become_one => super::merge_migration;
}

async fn return_into_expired_lot(db: &TestDatabase) {
    let w = world(db);
    let (merchant, template) = shop(&w).await;
    let (m, _) = member_with_points(&w, &merchant, template).await; // 500, lot A
    w.clock.advance(Duration::hours(1));
    let receipt = commit(&w, basket(&m, Vec::new(), 100)).await; // takes 100 of A
    assert_eq!(receipt.order.points_used, Points::new(100));
    // A is past its expiry, the order's own lot is not; the expiry job has not run.
    w.clock.advance(Duration::days(365) - Duration::minutes(30));
    let refunded = refund(&w, whole(&receipt)).await.expect("refunded");
    assert_eq!(refunded.refund.points_returned, Points::new(100));
    assert_eq!(
        refunded
            .returned
            .iter()
            .map(|e| (e.kind, e.delta))
            .collect::<Vec<_>>(),
        vec![
            (EntryKind::Return, Points::new(100)),
            (EntryKind::Expire, Points::new(-100)),
        ]
    );
    // The refund's reversal of the order's points wrote A's own 400 off too, once: the
    // expiry job finds nothing left.
    assert!(
        w.loyalty
            .points()
            .expire_due(10)
            .await
            .expect("job")
            .is_empty()
    );
    let mut expired: Vec<_> = entries_of(&w, &m, EntryKind::Expire)
        .await
        .iter()
        .map(|e| e.delta)
        .collect();
    expired.sort();
    assert_eq!(expired, vec![Points::new(-400), Points::new(-100)]);
    assert_eq!(points_balance(&w, &m).await, Points::ZERO);
    assert_ledger_consistent(&w).await;
}

/// The member's entries of `kind`, oldest first.
async fn entries_of(
    w: &World,
    m: &loyalty_core::members::Member,
    kind: EntryKind,
) -> Vec<LedgerEntry> {
    let page = w
        .loyalty
        .points()
        .ledger(m.merchant_id, m.id, None, 100)
        .await
        .expect("ledger");
    let mut entries: Vec<_> = page
        .entries
        .into_iter()
        .filter(|e| e.kind == kind)
        .collect();
    entries.sort_by_key(|e| e.seq);
    entries
}

async fn merge_migration(db: &TestDatabase) {
    use loyalty_core::points::{ExpiryPolicy, ExpiryRule};
    use loyalty_core::settings::Setting;
    let w = world(db);
    let (merchant, template) = shop(&w).await;
    let (m, _) = member_with_points(&w, &merchant, template).await; // 500, lot A (a year)
    w.clock.advance(Duration::hours(1));
    let month = ExpiryPolicy {
        rule: ExpiryRule::Rolling { days: 30 },
        notify_days_before: 7,
    };
    put_setting(&w, &merchant, Setting::Expiry(month)).await;
    commit(&w, order(&merchant, &m, "200.00")).await; // 200, lot B (a month)
    w.clock.advance(Duration::hours(1));
    let receipt = commit(&w, basket(&m, Vec::new(), 100)).await; // 100 of B; lot C
    let balance = points_balance(&w, &m).await;

    // Back before the merge: give the three lots A's expiry, as lots of one instant were
    // stored then, A told of it and B and C not.
    let since_merge = Migrator::migrations()
        .iter()
        .rev()
        .position(|m| m.name() == "m20261206_000008_lots_by_expiry")
        .expect("the merge")
        + 1;
    Migrator::down(&db.db, Some(u32::try_from(since_merge).expect("few")))
        .await
        .expect("down past the merge");
    let first = "SELECT id FROM points_lots ORDER BY earned_at LIMIT 1";
    for sql in [
        format!(
            "UPDATE points_lots SET expires_at = (SELECT expires_at FROM points_lots WHERE id = ({first}))"
        ),
        format!("UPDATE points_lots SET announced_at = earned_at WHERE id = ({first})"),
    ] {
        db.execute(&sql).await.expect("as stored before");
    }
    Migrator::up(&db.db, None).await.expect("up again");

    let earned = entries_of(&w, &m, EntryKind::Earn).await;
    assert_eq!(earned.len(), 3, "A, B and the basket's C");
    let uow = SeaUnitOfWork::new(db.db.clone());
    let mut tx = uow.begin(TxMode::Read).await.expect("tx");
    let open = tx
        .points()
        .open_lots(merchant.id, m.id)
        .await
        .expect("reads");
    assert_eq!(open.len(), 1, "one lot: {open:?}");
    assert_eq!(open[0].remaining, balance);
    let mut holders = Vec::new();
    for entry in &earned {
        let lot = tx
            .points()
            .lot_by_entry(merchant.id, entry.id)
            .await
            .expect("reads")
            .expect("named");
        holders.push(lot);
    }
    assert!(holders.iter().all(|l| l.id == open[0].id));
    assert_eq!(
        holders[0].entry_id, earned[0].id,
        "A, earned first, is kept"
    );
    assert_eq!(
        holders[0].amount,
        Points::new(earned.iter().map(|e| e.delta.value()).sum())
    );
    let spent = tx
        .points()
        .entry_by_source(
            merchant.id,
            EntryKind::Spend,
            &Source::new("order", receipt.order.id),
        )
        .await
        .expect("reads")
        .expect("the basket's spend");
    let takes = tx
        .points()
        .takes_of(merchant.id, spent.id)
        .await
        .expect("reads");
    assert_eq!(
        takes
            .iter()
            .map(|t| (t.take.lot_id, t.take.amount))
            .collect::<Vec<_>>(),
        vec![(open[0].id, Points::new(100))]
    );
    drop(tx);
    assert_ledger_consistent(&w).await;

    // One of the merged lots was not told of: the lot is told of again, whole.
    let now = w.clock_now();
    let mut tx = uow.begin(TxMode::Write).await.expect("tx");
    let told = tx
        .points()
        .mark_announced(merchant.id, m.id, now, now + Duration::days(400))
        .await
        .expect("marks");
    tx.commit().await.expect("commits");
    assert_eq!(
        told.iter().map(|t| t.points).collect::<Vec<_>>(),
        vec![balance]
    );

    // The refund gives the points back into the one lot.
    let refunded = refund(&w, whole(&receipt)).await.expect("refunded");
    assert_eq!(refunded.refund.points_returned, Points::new(100));
    let summary = points_summary(&w, &m).await;
    assert_eq!(summary.lots.len(), 1);
    assert_eq!(summary.lots[0].id, open[0].id);
    assert_ledger_consistent(&w).await;
}
