//! Stored-value cards and the merchant wallet on real databases: concurrent top-ups add up
//! exactly under the balance cap, a payment tops up or lands once, withdrawals never take
//! more than is available, a withdrawal is reviewed once; on SQLite and PostgreSQL.

use crate::support::refusal;
use crate::support::*;
use loyalty_core::Error;
use loyalty_core::cards::CardsError;
use loyalty_core::events::DomainEvent;
use loyalty_core::kernel::{CardId, Money};
use loyalty_core::kernel::{StoreError, TxMode, UnitOfWork};
use loyalty_core::members::Member;
use loyalty_core::merchants::Merchant;
use loyalty_core::tiers::{
    DowngradeMode, GrowthBasis, GrowthWindow, TierBenefits, TierLevel, TierPolicy,
};
use loyalty_core::wallet::WalletError;
use loyalty_core::wallet::WalletTx;
use loyalty_core::wallet::{WalletEntry, WalletEntryKind, WithdrawalStatus};
use loyalty_migrations::MigratorTrait;
use loyalty_seaorm::testing::TestDatabase;
use loyalty_seaorm::{SeaUnitOfWork, on_both_databases};
use serde_json::json;
use std::sync::Arc;

on_both_databases! {
    fifty_concurrent_top_ups_add_up_exactly_with_principal_and_bonus_apart => super::top_up_race;
    concurrent_top_ups_stop_at_the_cards_balance_cap => super::balance_cap_race;
    a_payment_reference_tops_a_card_up_once => super::payment_ref_once;
    concurrent_top_ups_crossing_a_top_up_tier_upgrade_the_member_once => super::top_up_tier;
    a_card_refuses_amounts_it_does_not_offer_and_is_one_per_member_and_template => super::card_refusals;
    thirty_concurrent_withdrawals_never_take_more_than_the_wallet_holds => super::withdrawal_race;
    an_approval_and_a_rejection_racing_review_a_withdrawal_once => super::review_race;
    a_rejected_withdrawal_goes_back_to_the_wallet_and_a_payment_lands_once => super::rejection_and_payment;
}

/// The card's balance, checked against the sum of its ledger.
async fn balance(w: &World, m: &Member, card: CardId) -> (Money, Money) {
    let (held, entries) = w
        .loyalty
        .cards()
        .ledger(m.merchant_id, m.id, card, None, 100)
        .await
        .expect("ledger");
    let principal: i64 = entries.iter().map(|e| e.principal_delta).sum();
    let bonus: i64 = entries.iter().map(|e| e.bonus_delta).sum();
    assert_eq!(
        (held.card.principal.fen(), held.card.bonus.fen()),
        (principal, bonus),
        "the card's balance is the sum of its ledger"
    );
    assert_eq!(money_drifts(w).await, vec![]);
    (held.card.principal, held.card.bonus)
}

async fn top_up_race(db: &TestDatabase) {
    let w = Arc::new(world(db));
    let (merchant, _) = merchant(&w, "cards").await;
    let m = member(&w, &merchant, "13800000001").await;
    let card = card(&w, &merchant, &m, json!({})).await;
    let tasks: Vec<_> = (0..50)
        .map(|_| {
            let (w, m) = (Arc::clone(&w), m.clone());
            tokio::spawn(async move { topped(&w, top_up(&m, card, "100.00", None)).await })
        })
        .collect();
    let mut afters = Vec::new();
    for task in tasks {
        let entry = task.await.expect("task ran").expect("topped up");
        afters.push(entry.principal_after.fen() + entry.bonus_after.fen());
    }
    assert_eq!(
        balance(&w, &m, card).await,
        (money("5000.00"), money("1000.00"))
    );
    afters.sort_unstable();
    let expected: Vec<i64> = (1..=50).map(|n| n * 12_000).collect();
    assert_eq!(afters, expected, "each top-up saw the one before it");
    let told = w.events_named("card_topped_up");
    assert_eq!(told, 50);
}

async fn balance_cap_race(db: &TestDatabase) {
    let w = Arc::new(world(db));
    let (merchant, _) = merchant(&w, "capped").await;
    let m = member(&w, &merchant, "13800000002").await;
    let card = card(&w, &merchant, &m, json!({"max_balance": "1000.00"})).await;
    let tasks: Vec<_> = (0..20)
        .map(|_| {
            let (w, m) = (Arc::clone(&w), m.clone());
            tokio::spawn(async move { topped(&w, top_up(&m, card, "100.00", None)).await })
        })
        .collect();
    let (mut ok, mut capped) = (0, 0);
    for task in tasks {
        match task.await.expect("task ran") {
            Ok(_) => ok += 1,
            Err(other) => match other.refusal() {
                Some(CardsError::CardBalanceLimit { max }) => {
                    assert_eq!(max, "1000.00");
                    capped += 1;
                }
                _ => panic!("unexpected failure: {other:?}"),
            },
        }
    }
    assert_eq!((ok, capped), (8, 12), "8 × 120.00 fit under 1000.00");
    assert_eq!(
        balance(&w, &m, card).await,
        (money("800.00"), money("160.00"))
    );
}

async fn payment_ref_once(db: &TestDatabase) {
    let w = world(db);
    let (merchant, _) = merchant(&w, "refs").await;
    let m = member(&w, &merchant, "13800000003").await;
    let card = card(&w, &merchant, &m, json!({})).await;
    topped(&w, top_up(&m, card, "500.00", Some("POS-0001")))
        .await
        .expect("first");
    let again = topped(&w, top_up(&m, card, "500.00", Some("POS-0001"))).await;
    assert!(matches!(again, Err(Error::Taken(_))), "{again:?}");
    assert_eq!(again.expect_err("refused").code(), "already_applied");
    assert_eq!(
        balance(&w, &m, card).await,
        (money("500.00"), money("150.00"))
    );
    let told = w.events_named("card_topped_up");
    assert_eq!(told, 1, "told of the one top-up");

    // Going back past cards and wallets would lose the member's money: refused.
    let back = loyalty_migrations::Migrator::down(&db.db, Some(1)).await;
    let refused = back.expect_err("refused while a card holds money");
    assert!(
        refused.to_string().contains("cards holding a balance"),
        "{refused}"
    );
    assert_eq!(
        balance(&w, &m, card).await,
        (money("500.00"), money("150.00"))
    );
}

async fn card_refusals(db: &TestDatabase) {
    let w = world(db);
    let (merchant, _) = merchant(&w, "rules").await;
    let m = member(&w, &merchant, "13800000004").await;
    let other = member(&w, &merchant, "13800000005").await;
    let card = card(
        &w,
        &merchant,
        &m,
        json!({"custom_top_up": {"min": "10.00", "max": "200.00"}}),
    )
    .await;
    let refused = topped(&w, top_up(&m, card, "250.00", None)).await;
    assert!(
        matches!(refusal(&refused), Some(CardsError::TopUpNotOffered)),
        "{refused:?}"
    );
    let custom = topped(&w, top_up(&m, card, "66.60", None))
        .await
        .expect("custom amount");
    assert_eq!((custom.principal_delta, custom.bonus_delta), (6_660, 0));
    let not_theirs = topped(&w, top_up(&other, card, "100.00", None)).await;
    assert!(
        matches!(not_theirs, Err(Error::NotFound(loyalty_core::cards::CARD))),
        "another member's card is not found: {not_theirs:?}"
    );

    let cards = w
        .loyalty
        .cards()
        .member_cards(merchant.id, m.id)
        .await
        .expect("cards");
    assert_eq!(cards.len(), 1);
    let template = cards[0].template.id;
    let open = |member: &Member| open_card(&merchant, member, template);
    let twice = w.loyalty.cards().open(open(&m)).await;
    assert_eq!(twice.expect_err("one per template").code(), "card_exists");
    w.loyalty
        .cards()
        .set_template_active(merchant.id, template, false)
        .await
        .expect("stopped");
    let stopped = w.loyalty.cards().open(open(&other)).await;
    assert!(matches!(
        refusal(&stopped),
        Some(CardsError::CardTemplateInactive)
    ));
    topped(&w, top_up(&m, card, "100.00", None))
        .await
        .expect("an opened card still tops up");
    assert_eq!(
        balance(&w, &m, card).await,
        (money("166.60"), money("20.00"))
    );
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
    let (mut ok, mut short) = (0, 0);
    for task in tasks {
        match task.await.expect("task ran") {
            Ok(_) => ok += 1,
            Err(other)
                if matches!(
                    other.refusal(),
                    Some(WalletError::InsufficientBalance { .. })
                ) =>
            {
                short += 1
            }
            Err(other) => panic!("unexpected failure: {other:?}"),
        }
    }
    assert_eq!((ok, short), (10, 20));
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

async fn top_up_tier(db: &TestDatabase) {
    let w = Arc::new(world(db));
    let level = |code: &str, threshold: i64| TierLevel {
        code: code.into(),
        name: code.to_uppercase(),
        threshold,
        benefits: TierBenefits::default(),
    };
    let ladder = TierPolicy {
        basis: GrowthBasis::TopUp,
        window: GrowthWindow::Lifetime,
        // 储值满 1000 元升金卡: principal counts, the bonus does not.
        levels: vec![level("normal", 0), level("gold", 100_000)],
        protection_months: 3,
        downgrade: DowngradeMode::OneStep,
    };
    let (merchant, _) = merchant(&w, "vip").tiers(ladder).await;
    let m = member(&w, &merchant, "13800000009").await;
    let card = card(&w, &merchant, &m, json!({})).await;
    topped(&w, top_up(&m, card, "500.00", None))
        .await
        .expect("500 + 150 bonus: 500 of growth");
    let tasks: Vec<_> = (0..10)
        .map(|_| {
            let (w, m) = (Arc::clone(&w), m.clone());
            tokio::spawn(async move { topped(&w, top_up(&m, card, "100.00", None)).await })
        })
        .collect();
    for task in tasks {
        task.await.expect("task ran").expect("topped up");
    }
    let upgrades: Vec<String> = w
        .notifier
        .events()
        .into_iter()
        .filter_map(|e| match e {
            DomainEvent::TierUpgraded { to_tier, .. } => Some(to_tier),
            _ => None,
        })
        .collect();
    assert_eq!(upgrades, vec!["gold".to_owned()], "upgraded once");
    // At 1000.00 paid in (the fifth 100.00), not at 1010.00 with the bonus (the third).
    let history = w
        .loyalty
        .tiers()
        .history(merchant.id, m.id)
        .await
        .expect("history");
    assert_eq!(
        history.iter().map(|c| c.growth).collect::<Vec<_>>(),
        vec![100_000]
    );
    let tier = w
        .loyalty
        .members()
        .member(merchant.id, m.id)
        .await
        .expect("member")
        .tier_code;
    assert_eq!(tier.as_deref(), Some("gold"));
}
