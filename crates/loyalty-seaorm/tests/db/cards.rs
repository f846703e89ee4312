//! Stored-value cards on real databases: concurrent top-ups add up exactly, principal and bonus
//! apart, and stop at the balance cap; a payment reference tops up once; a card refuses amounts
//! it does not offer and is one per member and template.

use crate::support::refusal;
use crate::support::*;
use loyalty_core::Error;
use loyalty_core::cards::CardsError;
use loyalty_core::kernel::{CardId, Money};
use loyalty_core::members::Member;
use loyalty_migrations::MigratorTrait;
use loyalty_seaorm::on_both_databases;
use loyalty_seaorm::testing::TestDatabase;
use serde_json::json;
use std::sync::Arc;

on_both_databases! {
    fifty_concurrent_top_ups_add_up_exactly_with_principal_and_bonus_apart => super::top_up_race;
    concurrent_top_ups_stop_at_the_cards_balance_cap => super::balance_cap_race;
    a_payment_reference_tops_a_card_up_once => super::payment_ref_once;
    a_card_refuses_amounts_it_does_not_offer_and_is_one_per_member_and_template => super::card_refusals;
    an_order_paid_from_a_card_and_refunded_keeps_the_ledger_whole_and_its_migration_in_place => super::paid_from_card;
    twenty_concurrent_uses_of_a_count_card_of_five_let_five_through_and_the_ledger_agrees => super::count_card_race;
    a_period_card_serves_until_its_period_ends_and_a_count_cards_uses_lapse => super::period_ends;
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
    let (ok, capped) = settle(
        tasks,
        |e| matches!(e.refusal(), Some(CardsError::CardBalanceLimit { max }) if max == "1000.00"),
    )
    .await;
    assert_eq!((ok.len(), capped), (8, 12), "8 × 120.00 fit under 1000.00");
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

    // Going back past cards and wallets (the fifth migration) would lose the member's money:
    // refused (the newer migrations go back first).
    let past_cards = loyalty_migrations::Migrator::migrations().len() - 4;
    let steps = u32::try_from(past_cards).expect("a few migrations");
    let back = loyalty_migrations::Migrator::down(&db.db, Some(steps)).await;
    let refused = back.expect_err("refused while a card holds money");
    assert!(
        refused.to_string().contains("cards holding a balance"),
        "{refused}"
    );
    // The newer migrations went back before the refusal: up again, the money is all there.
    loyalty_migrations::Migrator::up(&db.db, None)
        .await
        .expect("up again");
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

async fn paid_from_card(db: &TestDatabase) {
    use loyalty_core::checkout::{CardTender, RefundOrder};
    let w = world(db);
    let (merchant, _) = merchant(&w, "pay").await;
    let m = member(&w, &merchant, "13800000006").await;
    let card = card(&w, &merchant, &m, json!({})).await;
    topped(&w, top_up(&m, card, "500.00", None))
        .await
        .expect("topped up");
    let paid = commit(
        &w,
        loyalty_core::checkout::CommitOrder {
            card: Some(CardTender {
                card_id: card,
                amount: Some(money("130.00")),
            }),
            ..order(&merchant, &m, "200.00")
        },
    )
    .await;
    let part = paid.order.card.expect("paid from the card");
    assert_eq!(
        (part.principal, part.bonus),
        (money("100.00"), money("30.00"))
    );
    assert_eq!(
        balance(&w, &m, card).await,
        (money("400.00"), money("120.00"))
    );
    refund(
        &w,
        RefundOrder {
            merchant_id: merchant.id,
            order_id: paid.order.id,
            amount: Some(money("100.00")),
            lines: Vec::new(),
            operator_id: None,
        },
    )
    .await
    .expect("refunded");
    // Half the order refunded: half the card's part, principal and bonus alike.
    assert_eq!(
        balance(&w, &m, card).await,
        (money("450.00"), money("135.00"))
    );
    // An order's card part that its card entries did not move is a drift.
    let planted = db
        .execute("UPDATE orders SET card_bonus_returned_fen = card_bonus_returned_fen + 1 WHERE card_id IS NOT NULL")
        .await;
    assert_eq!(planted.expect("planted"), 1);
    let drifts = money_drifts(&w).await;
    assert_eq!(drifts.len(), 1, "{drifts:?}");
    assert!(drifts[0].account.starts_with("order "), "{drifts:?}");
    assert_eq!(
        (drifts[0].held, drifts[0].ledger_sum),
        ((5_000, 1_499), (5_000, 1_500))
    );
    db.execute("UPDATE orders SET card_bonus_returned_fen = card_bonus_returned_fen - 1 WHERE card_id IS NOT NULL")
        .await
        .expect("put back");

    // Going back past the card payments would lose what the order took from the card.
    let since = loyalty_migrations::Migrator::migrations()
        .iter()
        .rev()
        .position(|m| m.name() == "m20261208_000009_card_payments")
        .expect("the card payments")
        + 1;
    let steps = u32::try_from(since).expect("a few migrations");
    let back = loyalty_migrations::Migrator::down(&db.db, Some(steps)).await;
    let refused = back.expect_err("refused while an order was paid from a card");
    assert!(
        refused.to_string().contains("orders paid from a card"),
        "{refused}"
    );
}

async fn count_card_race(db: &TestDatabase) {
    use loyalty_core::cards::UseCard;
    let w = Arc::new(world(db));
    let (merchant, _) = merchant(&w, "gym").await;
    let m = member(&w, &merchant, "13800000007").await;
    let (item, template) = item_and_template(
        &w,
        &merchant,
        "CLASS",
        "团课",
        json!({"kind": "count", "name": "团课5次卡", "count": {"uses": 5, "price": "199.00"}}),
    )
    .await;
    let sale = sell(&w, &m, template.id).await;
    let card = sale.entry.card_id;
    let store = sale.receipt.order.store_id;
    let tasks: Vec<_> = (0..20)
        .map(|_| {
            let (w, m) = (Arc::clone(&w), m.clone());
            tokio::spawn(async move {
                w.loyalty
                    .cards()
                    .use_card(
                        UseCard {
                            merchant_id: m.merchant_id,
                            member_id: m.id,
                            card_id: card,
                            item_id: item.id,
                            store_id: Some(store),
                            operator_id: None,
                        },
                        None,
                    )
                    .await
            })
        })
        .collect();
    let mut used = 0;
    for task in tasks {
        match task.await.expect("task ran") {
            Ok(_) => used += 1,
            Err(e) => assert_eq!(e.code(), "card_used_up", "{e:?}"),
        }
    }
    assert_eq!(used, 5, "exactly the uses the card holds");
    let (held, entries) = w
        .loyalty
        .cards()
        .ledger(m.merchant_id, m.id, card, None, 100)
        .await
        .expect("ledger");
    assert_eq!(held.card.uses_left, Some(0));
    assert_eq!(entries.iter().map(|e| e.uses_delta).sum::<i64>(), 0);
    assert_eq!(money_drifts(&w).await, vec![], "uses agree with the ledger");

    // Going back past count cards would lose the member's uses: refused.
    let back = loyalty_migrations::Migrator::down(&db.db, Some(1)).await;
    let refused = back.expect_err("refused while a count card exists");
    assert!(
        refused.to_string().contains("count or period cards"),
        "{refused}"
    );
}

async fn period_ends(db: &TestDatabase) {
    use loyalty_core::cards::UseCard;
    let w = world(db);
    let (merchant, _) = merchant(&w, "yoga").await;
    let m = member(&w, &merchant, "13800000008").await;
    let (item, period) = item_and_template(
        &w,
        &merchant,
        "YOGA",
        "瑜伽",
        json!({"kind": "period", "name": "瑜伽卡",
               "period": {"length": {"unit": "days", "days": 1}, "price": "30.00"}}),
    )
    .await;
    let count = w
        .loyalty
        .cards()
        .create_template(
            merchant.id,
            serde_json::from_value(json!({"kind": "count", "name": "瑜伽卡",
                "count": {"items": [item.id], "uses": 10, "valid_days": 1, "price": "99.00"}}))
            .expect("rules"),
            None,
        )
        .await
        .expect("template");
    let mut cards = Vec::new();
    for template in [period.id, count.id] {
        let sale = sell(&w, &m, template).await;
        cards.push((sale.entry.card_id, sale.receipt.order.store_id));
    }
    let use_card = |card, store| UseCard {
        merchant_id: m.merchant_id,
        member_id: m.id,
        card_id: card,
        item_id: item.id,
        store_id: store,
        operator_id: None,
    };
    for (card, store) in &cards {
        w.loyalty
            .cards()
            .use_card(use_card(*card, Some(*store)), None)
            .await
            .expect("used within the period");
    }
    w.clock.advance(chrono::Duration::hours(25));
    for (card, store) in &cards {
        let late = w
            .loyalty
            .cards()
            .use_card(use_card(*card, Some(*store)), None)
            .await
            .expect_err("the period is over");
        assert_eq!(late.code(), "card_expired", "{late:?}");
    }
    assert_eq!(money_drifts(&w).await, vec![]);
}
