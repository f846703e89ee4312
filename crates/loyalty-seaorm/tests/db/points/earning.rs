//! Earning rules on real databases: daily caps of orders and of member actions hold under
//! concurrency, a review is awarded for one's own order only, and the what-if simulation answers
//! a case computed by hand.

use crate::support::*;
use chrono::Duration;
use loyalty_core::checkout::LineInput;
use loyalty_core::kernel::{Points, StoreId};
use loyalty_core::points::ExpiryPolicy;
use loyalty_core::points::MemberAction;
use loyalty_core::points::{
    ActionRule, ActionRules, CodeMultiplier, EarningPolicy, Rounding, ThresholdBonus,
};
use loyalty_seaorm::on_both_databases;
use loyalty_seaorm::testing::TestDatabase;
use std::sync::Arc;

on_both_databases! {
    twenty_concurrent_orders_never_pass_the_daily_cap => super::daily_cap_race;
    concurrent_shares_never_pass_the_action_daily_cap => super::action_cap_race;
    another_members_reviewed_order_is_not_found => super::review_of_another;
    the_what_if_answers_a_hand_computed_case => super::simulation;
}

async fn daily_cap_race(db: &TestDatabase) {
    let w = world(db);
    let policy = EarningPolicy {
        cap_per_day: Some(Points::new(100)),
        ..EarningPolicy::default()
    };
    let (merchant, _) = merchant(&w, "capped")
        .earning(policy)
        .expiry(ExpiryPolicy::default())
        .await;
    let m = member(&w, &merchant, "13800000002").await;
    let w = Arc::new(w);
    let tasks: Vec<_> = (0..20)
        .map(|_| {
            let (w, cmd) = (Arc::clone(&w), order(&merchant, &m, "30.00"));
            tokio::spawn(async move { commit(&w, cmd).await.order.points_earned })
        })
        .collect();
    let mut earned = 0;
    for task in tasks {
        earned += task.await.expect("task").value();
    }
    // 30 each until 90, then the last 10, then nothing: exactly the cap.
    assert_eq!(earned, 100);
    assert_eq!(points_balance(&w, &m).await, Points::new(100));
    // The next local day starts a new cap (the world starts at 10:00 in Shanghai).
    w.clock.advance(Duration::hours(14));
    assert_eq!(
        commit(&w, order(&merchant, &m, "30.00"))
            .await
            .order
            .points_earned,
        Points::new(30)
    );
    assert_ledger_consistent(&w).await;
}

async fn action_cap_race(db: &TestDatabase) {
    let w = world(db);
    let policy = EarningPolicy {
        actions: ActionRules {
            share: Some(ActionRule {
                points: Points::new(20),
                daily_cap: Some(Points::new(50)),
            }),
            ..ActionRules::default()
        },
        ..EarningPolicy::default()
    };
    let (merchant, _) = merchant(&w, "sharing")
        .earning(policy)
        .expiry(ExpiryPolicy::default())
        .await;
    let m = member(&w, &merchant, "13800000003").await;
    let w = Arc::new(w);
    let tasks: Vec<_> = (0..10)
        .map(|i| {
            let (w, merchant_id, member_id) = (Arc::clone(&w), merchant.id, m.id);
            tokio::spawn(async move {
                w.loyalty
                    .points()
                    .award_action(
                        merchant_id,
                        member_id,
                        MemberAction::Share {
                            reference: format!("page-{i}"),
                        },
                    )
                    .await
            })
        })
        .collect();
    let (mut awarded, mut capped, mut first) = (0, 0, None);
    for (i, task) in tasks.into_iter().enumerate() {
        match task.await.expect("task") {
            Ok(award) => {
                awarded += award.entry.delta.value();
                first.get_or_insert((i, award.entry.id));
            }
            Err(e) if e.code() == "daily_cap_reached" => capped += 1,
            Err(e) => panic!("unexpected {e}"),
        }
    }
    // 20 + 20 + 10, then the cap: seven refused.
    assert_eq!((awarded, capped), (50, 7));
    // A thing shared again answers its first award, even past the cap.
    let (i, entry_id) = first.expect("some award");
    let again = w
        .loyalty
        .points()
        .award_action(
            merchant.id,
            m.id,
            MemberAction::Share {
                reference: format!("page-{i}"),
            },
        )
        .await
        .expect("answered");
    assert_eq!((again.new, again.entry.id), (false, entry_id));
    assert_eq!(points_balance(&w, &m).await, Points::new(50));
    assert_ledger_consistent(&w).await;
}

async fn review_of_another(db: &TestDatabase) {
    let w = world(db);
    let policy = EarningPolicy {
        actions: ActionRules {
            review: Some(ActionRule {
                points: Points::new(50),
                daily_cap: None,
            }),
            ..ActionRules::default()
        },
        ..EarningPolicy::default()
    };
    let (merchant, _) = merchant(&w, "reviews")
        .earning(policy)
        .expiry(ExpiryPolicy::default())
        .await;
    let (owner, other) = (
        member(&w, &merchant, "13300000001").await,
        member(&w, &merchant, "13300000002").await,
    );
    let bought = commit(&w, order(&merchant, &owner, "10.00")).await;
    let review = || MemberAction::Review {
        order_id: bought.order.id,
    };
    let award = w
        .loyalty
        .points()
        .award_action(merchant.id, owner.id, review())
        .await
        .expect("the owner reviews");
    assert_eq!(award.entry.delta, Points::new(50));
    let err = w
        .loyalty
        .points()
        .award_action(merchant.id, other.id, review())
        .await
        .expect_err("not their order");
    assert_eq!(err.code(), "order_not_found");
}

async fn simulation(db: &TestDatabase) {
    let w = world(db);
    let (merchant, main_store) = merchant(&w, "what-if").points_valid_for_days(365).await;
    let branch = branch(&w, &merchant, "分店").await;
    let (a, b) = (
        member(&w, &merchant, "13600000001").await,
        member(&w, &merchant, "13600000002").await,
    );
    let line = |category: &str, price: &str, quantity: i64| LineInput {
        sku: None,
        category: Some(category.into()),
        quantity,
        unit_price: money(price),
    };
    // Issued under the default policy (1 per 1.00, floor):
    // A at the main store: 55.50 → 55; B at the branch: 2 × 20.00 coffee + 10.00 tea,
    // paid 45.00 → 45; B at the main store: 9.99 → 9. Total 109.
    commit(&w, order(&merchant, &a, "55.50")).await;
    let mut with_lines = order(&merchant, &b, "45.00");
    with_lines.store_id = Some(branch.id);
    with_lines.lines = vec![line("coffee", "20.00", 2), line("tea", "10.00", 1)];
    let receipt = commit(&w, with_lines).await;
    assert_eq!(receipt.order.points_earned, Points::new(45));
    assert_eq!(
        receipt.lines.iter().map(|l| l.paid).collect::<Vec<_>>(),
        vec![money("36.00"), money("9.00")]
    );
    commit(&w, order(&merchant, &b, "9.99")).await;
    // An order older than the window is left out.
    w.clock.advance(Duration::days(31));
    commit(&w, order(&merchant, &a, "10.00")).await;

    // Proposed: 2 per 1.00 rounded half-up, coffee ×1.5, 50.00 → +5. The last 30 days hold
    // only A's 10.00: 20 proposed against 10 issued.
    let mut proposed = EarningPolicy::base(2, money("1.00"), Rounding::HalfUp);
    proposed.category_multipliers = vec![CodeMultiplier {
        code: "coffee".into(),
        multiplier: multiplier("1.5"),
    }];
    proposed.thresholds = vec![ThresholdBonus {
        min_amount: money("50.00"),
        bonus: Points::new(5),
    }];
    let recent = w
        .loyalty
        .points()
        .simulate_earning(merchant.id, &proposed, 30)
        .await
        .expect("simulates");
    assert_eq!(
        (recent.orders, recent.issued, recent.proposed),
        (1, Points::new(10), Points::new(20))
    );
    // Over 60 days: A 55.50 → 111 + 5 = 116; B coffee 36.00 × 2 × 1.5 = 108, tea 9.00 × 2
    // = 18, 126 + 0 (45.00 < 50.00) = 126; B 9.99 → 19.98 → 20; A 10.00 → 20.
    // Main store: issued 55 + 9 + 10 = 74, proposed 116 + 20 + 20 = 156; branch 45 → 126.
    let all = w
        .loyalty
        .points()
        .simulate_earning(merchant.id, &proposed, 60)
        .await
        .expect("simulates");
    assert_eq!(
        (all.orders, all.issued, all.proposed),
        (4, Points::new(119), Points::new(282))
    );
    let per_store = |id: StoreId| {
        all.stores
            .iter()
            .find(|s| s.store_id == id)
            .map(|s| (s.orders, s.issued.value(), s.proposed.value()))
    };
    assert_eq!(per_store(main_store.id), Some((3, 74, 156)));
    assert_eq!(per_store(branch.id), Some((1, 45, 126)));
}
