//! The merchant wallet on real databases: withdrawals never take more than it holds, a
//! withdrawal is reviewed once, a rejected one goes back to the wallet, a payment lands once.

use crate::support::*;
use loyalty_core::kernel::Money;
use loyalty_core::kernel::{StoreError, TxMode, UnitOfWork};
use loyalty_core::merchants::Merchant;
use loyalty_core::wallet::WalletError;
use loyalty_core::wallet::WalletTx;
use loyalty_core::wallet::{WalletEntry, WalletEntryKind, WithdrawalStatus};
use loyalty_seaorm::testing::TestDatabase;
use loyalty_seaorm::{SeaUnitOfWork, on_both_databases};
use std::sync::Arc;

on_both_databases! {
    thirty_concurrent_withdrawals_never_take_more_than_the_wallet_holds => super::withdrawal_race;
    an_approval_and_a_rejection_racing_review_a_withdrawal_once => super::review_race;
    a_rejected_withdrawal_goes_back_to_the_wallet_and_a_payment_lands_once => super::rejection_and_payment;
}

/// The wallet, checked against the sum of its ledger.
async fn wallet(w: &World, merchant: &Merchant) -> (Money, Money) {
    let wallet = w
        .loyalty
        .wallet()
        .current(merchant.id)
        .await
        .expect("wallet");
    let entries = w
        .loyalty
        .wallet()
        .entries(merchant.id, None, 100)
        .await
        .expect("entries");
    let available: i64 = entries.iter().map(|e| e.available_delta).sum();
    let pending: i64 = entries.iter().map(|e| e.pending_delta).sum();
    assert_eq!(
        (wallet.available.fen(), wallet.pending.fen()),
        (available, pending),
        "the wallet is the sum of its ledger"
    );
    assert_eq!(money_drifts(w).await, vec![]);
    (wallet.available, wallet.pending)
}

async fn withdrawal_race(db: &TestDatabase) {
    let w = Arc::new(world(db));
    let (merchant, _) = merchant(&w, "wallet").await;
    paid_in(&w, &merchant, "wx-4200001", "600.00").await;
    paid_in(&w, &merchant, "wx-4200002", "400.00").await;
    let tasks: Vec<_> = (0..30)
        .map(|_| {
            let (w, merchant) = (Arc::clone(&w), merchant.clone());
            tokio::spawn(async move { withdraw(&w, &merchant, "100.00").await })
        })
        .collect();
    let (ok, short) = settle(tasks, |e| {
        matches!(e.refusal(), Some(WalletError::InsufficientBalance { .. }))
    })
    .await;
    assert_eq!((ok.len(), short), (10, 20));
    assert_eq!(wallet(&w, &merchant).await, (Money::ZERO, money("1000.00")));
    let pending = w
        .loyalty
        .wallet()
        .withdrawals(
            Some(merchant.id),
            Some(WithdrawalStatus::Pending),
            None,
            100,
        )
        .await
        .expect("list");
    assert_eq!(pending.len(), 10);
}

async fn review_race(db: &TestDatabase) {
    let w = Arc::new(world(db));
    let (merchant, _) = merchant(&w, "review").await;
    paid_in(&w, &merchant, "wx-1", "300.00").await;
    let asked = withdraw(&w, &merchant, "250.00").await.expect("asked");
    let reviewing = |approve: bool| {
        let w = Arc::clone(&w);
        tokio::spawn(async move {
            w.loyalty
                .wallet()
                .review_withdrawal(review(asked.id, approve, Some("核对")))
                .await
        })
    };
    let (approve, reject) = (reviewing(true), reviewing(false));
    let results = [approve.await.expect("ran"), reject.await.expect("ran")];
    let done: Vec<_> = results.iter().filter_map(|r| r.as_ref().ok()).collect();
    assert_eq!(done.len(), 1, "reviewed once: {results:?}");
    let refused = results
        .iter()
        .find_map(|r| r.as_ref().err())
        .expect("one refused");
    assert_eq!(refused.code(), "withdrawal_already_reviewed");
    let expected = if done[0].status == WithdrawalStatus::Approved {
        (money("50.00"), Money::ZERO)
    } else {
        (money("300.00"), Money::ZERO)
    };
    assert_eq!(wallet(&w, &merchant).await, expected);
    let told = w.events_named("withdrawal_reviewed");
    assert_eq!(told, 1);
}

async fn rejection_and_payment(db: &TestDatabase) {
    let w = world(db);
    let (merchant, _) = merchant(&w, "returned").await;
    paid_in(&w, &merchant, "wx-9", "120.00").await;
    let again = w
        .loyalty
        .wallet()
        .record_payment(payment(&merchant, "wx-9", "120.00"), None)
        .await;
    assert_eq!(again.expect_err("once").code(), "already_applied");
    let asked = withdraw(&w, &merchant, "120.00").await.expect("asked");
    assert_eq!(wallet(&w, &merchant).await, (Money::ZERO, money("120.00")));
    let no_reason = w
        .loyalty
        .wallet()
        .review_withdrawal(review(asked.id, false, None))
        .await;
    assert_eq!(
        no_reason.expect_err("needs a reason").code(),
        "validation_failed"
    );
    let rejected = w
        .loyalty
        .wallet()
        .review_withdrawal(review(asked.id, false, Some("账户信息有误")))
        .await
        .expect("rejected");
    assert_eq!(rejected.status, WithdrawalStatus::Rejected);
    assert_eq!(wallet(&w, &merchant).await, (money("120.00"), Money::ZERO));
    let later = w
        .loyalty
        .wallet()
        .review_withdrawal(review(asked.id, true, None))
        .await;
    assert_eq!(
        later.expect_err("reviewed").code(),
        "withdrawal_already_reviewed"
    );
    assert_eq!(wallet(&w, &merchant).await, (money("120.00"), Money::ZERO));

    // The status filter and the settled key hold on their own, below the use case.
    let uow = SeaUnitOfWork::new(db.db.clone());
    let mut tx = uow.begin(TxMode::Write).await.expect("tx");
    let again = tx
        .wallet()
        .review_withdrawal(asked.id, WithdrawalStatus::Approved, None, w.clock_now())
        .await
        .expect("runs");
    assert!(
        !again,
        "a withdrawal no longer pending is not reviewed again"
    );
    let paid = WalletEntry {
        id: uuid::Uuid::now_v7(),
        merchant_id: merchant.id,
        kind: WalletEntryKind::WithdrawalPaid,
        available_delta: 0,
        pending_delta: -12_000,
        available_after: money("120.00"),
        pending_after: Money::ZERO,
        source_ref: asked.id.to_string(),
        created_at: w.clock_now(),
    };
    let twice = tx.wallet().insert_wallet_entry(&paid).await;
    assert!(
        matches!(
            twice,
            Err(StoreError::Unique(
                loyalty_core::wallet::WALLET_ENTRY_SOURCE_KEY
            ))
        ),
        "returned, then paid: {twice:?}"
    );
    drop(tx);

    // Money no entry moved is found.
    let planted = db
        .execute("UPDATE wallets SET pending_fen = pending_fen + 5")
        .await;
    assert_eq!(planted.expect("planted"), 1);
    let drifts = money_drifts(&w).await;
    assert_eq!(
        drifts
            .iter()
            .map(|d| (d.account.as_str(), d.held, d.ledger_sum))
            .collect::<Vec<_>>(),
        vec![("wallet", (12_000, 5), (12_000, 0))]
    );
}
