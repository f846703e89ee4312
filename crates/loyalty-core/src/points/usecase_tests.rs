//! Use-case tests with mocked ports: what is written, what is committed, who is told.

use crate::Error;
use crate::engine::Loyalty;
use crate::events::MockNotifier;
use crate::kernel::Outcome;
use crate::kernel::{MemberId, MerchantId, Points};
use crate::kernel::{MockUnitOfWork, StoreError};
use crate::points::AdjustPoints;
use crate::points::EntryKind;
use crate::points::OpenLot;
use crate::points::{BalanceChange, Withdrawal};
use crate::testing::{CommitFlag, MockTransaction};
use crate::testing::{clock, merchant, now, uow_with};
use mockall::predicate::eq;

/// The lookup before an adjustment: the merchant's policy (for a credit's expiry).
fn lookup_with_merchant() -> MockTransaction {
    let mut lookup = MockTransaction::default();
    lookup
        .merchants
        .expect_merchant()
        .returning(move |id| Ok(Some(merchant(id))));
    lookup
        .settings
        .expect_settings()
        .returning(|_| Ok(crate::testing::default_settings(now())));
    lookup
}

fn adjust(merchant_id: MerchantId, member_id: MemberId, delta: i64) -> AdjustPoints {
    AdjustPoints {
        merchant_id,
        member_id,
        delta: Points::new(delta),
        reason: "goodwill".into(),
        store_id: None,
        operator_id: None,
    }
}

#[tokio::test]
async fn a_manual_credit_writes_entry_and_lot_commits_and_notifies_once() {
    let (merchant_id, member_id) = (MerchantId::new(), MemberId::new());
    let mut lookup = MockTransaction::default();
    lookup
        .merchants
        .expect_merchant()
        .with(eq(merchant_id))
        .returning(move |id| Ok(Some(merchant(id))));
    lookup
        .settings
        .expect_settings()
        .with(eq(merchant_id))
        .returning(|_| Ok(crate::testing::default_settings(now())));
    let mut tx = MockTransaction::default();
    tx.points
        .expect_credit_with_lot()
        .withf(move |e, lot| {
            e.kind == EntryKind::Adjust
                && e.merchant_id == merchant_id
                && e.member_id == member_id
                && e.delta == Points::new(30)
                && lot.entry_id == e.id
                && lot.amount == Points::new(30)
                && lot.remaining == Points::new(30)
                && lot.expires_at == Some(now() + chrono::Duration::days(365))
        })
        .times(1)
        .returning(|_, lot| {
            Ok(Some((
                BalanceChange {
                    balance_after: Points::new(130),
                    seq: 4,
                    debt: Points::ZERO,
                },
                lot.id,
            )))
        });
    let committed = tx.committed.clone();
    let mut notifier = MockNotifier::new();
    notifier.expect_notify().times(1).returning(|_| Ok(()));
    let loyalty = Loyalty::new(uow_with(vec![lookup, tx]), clock(), notifier);

    let outcome = loyalty
        .points()
        .adjust(adjust(merchant_id, member_id, 30), None)
        .await
        .expect("adjusted");

    // The entry answered carries the sequence number and balance the store gave.
    assert!(
        matches!(outcome, Outcome::Done(ref e) if e.balance_after == Points::new(130) && e.seq == 4)
    );
    assert!(committed.is_set());
}

#[tokio::test]
async fn a_debit_larger_than_the_lots_is_refused_before_any_write_and_nothing_commits() {
    let (merchant_id, member_id) = (MerchantId::new(), MemberId::new());
    let mut tx = MockTransaction::default();
    holding_ten(&mut tx.points, crate::kernel::LotId::new());
    tx.points.expect_withdraw().never();
    tx.points.expect_debit_planned().never();
    tx.points.expect_append_entry().never();
    let committed = tx.committed.clone();
    let mut notifier = MockNotifier::new();
    notifier.expect_notify().never();
    let loyalty = Loyalty::new(
        uow_with(vec![MockTransaction::default(), tx]),
        clock(),
        notifier,
    );

    let err = loyalty
        .points()
        .adjust(adjust(merchant_id, member_id, -11), None)
        .await
        .expect_err("refused");

    assert_eq!(err.code(), "insufficient_points");
    assert!(!committed.is_set());
}

#[tokio::test]
async fn a_failing_store_rolls_back_and_tells_nobody() {
    let (merchant_id, member_id) = (MerchantId::new(), MemberId::new());
    let mut tx = MockTransaction::default();
    tx.points
        .expect_credit_with_lot()
        .returning(|_, _| Err(StoreError::Backend("disk full".into())));
    let committed = tx.committed.clone();
    let mut notifier = MockNotifier::new();
    notifier.expect_notify().never();
    let loyalty = Loyalty::new(
        uow_with(vec![lookup_with_merchant(), tx]),
        clock(),
        notifier,
    );

    let err = loyalty
        .points()
        .adjust(adjust(merchant_id, member_id, 5), None)
        .await
        .expect_err("fails");

    assert!(matches!(err, Error::Store(StoreError::Backend(_))));
    assert!(!committed.is_set());
}

#[tokio::test]
async fn contention_runs_the_use_case_again_from_a_new_transaction() {
    let (merchant_id, member_id) = (MerchantId::new(), MemberId::new());
    let lot_id = crate::kernel::LotId::new();
    let mut first = MockTransaction::default();
    holding_ten(&mut first.points, lot_id);
    first
        .points
        .expect_debit_planned()
        .returning(|_, _| Err(StoreError::Contention("lot changed".into())));
    let mut second = MockTransaction::default();
    holding_ten(&mut second.points, lot_id);
    second
        .points
        .expect_debit_planned()
        .withf(move |e, takes| {
            e.delta == Points::new(-4)
                && takes.len() == 1
                && takes[0].lot_id == lot_id
                && takes[0].amount == Points::new(4)
        })
        .times(1)
        .returning(|_, _| {
            Ok(Withdrawal::Done(BalanceChange {
                balance_after: Points::new(6),
                seq: 2,
                debt: Points::ZERO,
            }))
        });
    let committed = second.committed.clone();
    let uow = uow_with(vec![
        MockTransaction::default(),
        first,
        MockTransaction::default(),
        second,
    ]);
    let mut notifier = MockNotifier::new();
    notifier.expect_notify().times(1).returning(|_| Ok(()));
    let loyalty = Loyalty::new(uow, clock(), notifier);

    let outcome = loyalty
        .points()
        .adjust(adjust(merchant_id, member_id, -4), None)
        .await
        .expect("second attempt");

    assert!(
        matches!(outcome, Outcome::Done(ref e) if e.balance_after == Points::new(6) && e.seq == 2)
    );
    assert!(committed.is_set());
}

#[tokio::test]
async fn an_adjustment_without_a_reason_is_refused_before_touching_storage() {
    let mut uow = MockUnitOfWork::new();
    uow.expect_begin().never();
    let loyalty = Loyalty::new(uow, clock(), MockNotifier::new());
    let mut cmd = adjust(MerchantId::new(), MemberId::new(), 5);
    cmd.reason = "  ".into();

    let err = loyalty
        .points()
        .adjust(cmd, None)
        .await
        .expect_err("refused");

    assert_eq!(
        (err.code(), err.field()),
        ("validation_failed", Some("reason"))
    );
}

#[test]
fn commit_flag_starts_unset() {
    assert!(!CommitFlag::default().is_set());
}

/// The account holds 10 points in one lot that never expires, and is locked for the use case.
fn holding_ten(points: &mut crate::points::MockPointsRepository, lot_id: crate::kernel::LotId) {
    points
        .expect_lock_account()
        .returning(|_, _| Ok(Some(Points::new(10))));
    points
        .expect_lots_in_reach()
        .returning(move |_, _, at, want| {
            Ok(crate::points::LotsInReach::of(
                vec![OpenLot {
                    id: lot_id,
                    remaining: Points::new(10),
                    earned_at: now(),
                    expires_at: None,
                }],
                at,
                want,
            ))
        });
}
