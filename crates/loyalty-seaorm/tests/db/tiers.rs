//! Tiers on real databases: a threshold crossed upgrades at once (by spend or by top-ups, once
//! under concurrency), reviews downgrade after the protection period, and concurrent reviews
//! move each member once.

use crate::support::*;
use chrono::Duration;
use loyalty_core::events::DomainEvent;
use loyalty_core::kernel::Points;
use loyalty_core::members::Member;
use loyalty_core::tiers::DowngradeMode;
use loyalty_core::tiers::{
    GrowthBasis, GrowthWindow, TierBenefits, TierLevel, TierPolicy, TierProgress,
};
use loyalty_core::tiers::{TierChange, TierChangeReason};
use loyalty_seaorm::on_both_databases;
use loyalty_seaorm::testing::TestDatabase;
use serde_json::json;
use std::sync::Arc;

on_both_databases! {
    a_threshold_crossed_upgrades_at_once_and_reviews_downgrade_after_protection => super::tier_lifecycle;
    a_review_to_the_earned_tier_and_two_reviews_at_once_change_a_tier_once => super::tier_review_race;
    concurrent_orders_crossing_a_threshold_upgrade_exactly_once => super::upgrade_race;
    concurrent_top_ups_crossing_a_top_up_tier_upgrade_the_member_once => super::top_up_tier;
}

fn tier_events(w: &World) -> Vec<(String, String)> {
    w.notifier
        .events()
        .into_iter()
        .filter_map(|e| match e {
            DomainEvent::TierUpgraded { to_tier, .. } => Some(("up".into(), to_tier)),
            DomainEvent::TierDowngraded { to_tier, .. } => Some(("down".into(), to_tier)),
            _ => None,
        })
        .collect()
}

async fn tier_of(w: &World, m: &Member) -> Option<String> {
    member_now(w, m).await.tier_code
}

/// Where the member stands on the ladder.
async fn progress_of(w: &World, m: &Member) -> TierProgress {
    w.loyalty
        .tiers()
        .progress(m.merchant_id, m.id)
        .await
        .expect("progress")
        .expect("a ladder")
}

/// The member's tier changes, newest first.
async fn history_of(w: &World, m: &Member) -> Vec<TierChange> {
    w.loyalty
        .tiers()
        .history(m.merchant_id, m.id)
        .await
        .expect("history")
}

async fn tier_lifecycle(db: &TestDatabase) {
    let w = world(db);
    let (merchant, _) = merchant(&w, "ladder")
        .tiers(ladder(DowngradeMode::OneStep))
        .await;
    let m = member(&w, &merchant, "13800000004").await;

    let first = commit(&w, order(&merchant, &m, "499.99")).await;
    assert_eq!(first.tier_upgraded_to, None);
    // 499.99 + 0.01 = 500.00 of spend: silver at once.
    let second = commit(&w, order(&merchant, &m, "0.01")).await;
    assert_eq!(second.tier_upgraded_to.as_deref(), Some("silver"));
    // Silver earns ×1.2: 100.00 → 120.
    let third = commit(&w, order(&merchant, &m, "100.00")).await;
    assert_eq!(third.order.points_earned, Points::new(120));
    // 1,500.00 more crosses gold (2,000.00).
    let fourth = commit(&w, order(&merchant, &m, "1500.00")).await;
    assert_eq!(fourth.tier_upgraded_to.as_deref(), Some("gold"));
    let progress = progress_of(&w, &m).await;
    assert_eq!(
        (progress.tier.code.as_str(), progress.growth),
        ("gold", 210_000)
    );
    assert_eq!(progress.next, None);

    // A refund takes its spend out of the growth value; the tier stays until a review.
    refund(&w, whole(&fourth)).await.expect("refunded");
    let refunded = progress_of(&w, &m).await;
    assert_eq!(
        (refunded.tier.code.as_str(), refunded.growth),
        ("gold", 60_000)
    );
    // Within the protection period a review keeps gold although the growth earns silver.
    let review = w.loyalty.tiers().review(100).await.expect("review");
    assert_eq!((review.upgraded, review.downgraded), (0, 0));
    assert_eq!(tier_of(&w, &m).await.as_deref(), Some("gold"));

    // 13 months later the rolling window is empty and the protection is over: one step.
    w.clock.advance(Duration::days(396));
    let review = w.loyalty.tiers().review(100).await.expect("review");
    assert_eq!(review.downgraded, 1);
    assert_eq!(tier_of(&w, &m).await.as_deref(), Some("silver"));
    // The downgrade starts a new protection period: the next review waits for it.
    w.loyalty.tiers().review(100).await.expect("review");
    assert_eq!(tier_of(&w, &m).await.as_deref(), Some("silver"));
    w.clock.advance(Duration::days(93));
    w.loyalty.tiers().review(100).await.expect("review");
    assert_eq!(tier_of(&w, &m).await.as_deref(), Some("normal"));

    assert_eq!(
        tier_events(&w),
        vec![
            ("up".into(), "silver".into()),
            ("up".into(), "gold".into()),
            ("down".into(), "silver".into()),
            ("down".into(), "normal".into()),
        ]
    );
    let history = history_of(&w, &m).await;
    let moves: Vec<_> = history
        .iter()
        .map(|c| (c.reason, c.to_tier.as_str(), c.growth))
        .collect();
    assert_eq!(
        moves,
        vec![
            (TierChangeReason::Downgrade, "normal", 0),
            (TierChangeReason::Downgrade, "silver", 0),
            (TierChangeReason::Upgrade, "gold", 210_000),
            (TierChangeReason::Upgrade, "silver", 50_000),
        ]
    );
}

async fn tier_review_race(db: &TestDatabase) {
    let w = world(db);
    let (merchant, _) = merchant(&w, "racing-ladder")
        .tiers(ladder(DowngradeMode::ToEarned))
        .await;
    let members: Vec<Member> = {
        let mut v = Vec::new();
        for i in 0..6 {
            let m = member(&w, &merchant, &format!("1390000000{i}")).await;
            commit(&w, order(&merchant, &m, "2000.00")).await;
            v.push(m);
        }
        v
    };
    // One keeps some spend inside the window: it falls to silver, the others to normal.
    w.clock.advance(Duration::days(300));
    commit(&w, order(&merchant, &members[0], "600.00")).await;
    w.clock.advance(Duration::days(100));
    let (a, b) = twice_at_once(|| w.loyalty.tiers().review(2)).await;
    let (a, b) = (a.expect("review"), b.expect("review"));
    assert_eq!(a.downgraded + b.downgraded, 6, "each member moved once");
    assert_eq!(tier_of(&w, &members[0]).await.as_deref(), Some("silver"));
    for m in &members[1..] {
        assert_eq!(tier_of(&w, m).await.as_deref(), Some("normal"));
        let history = history_of(&w, m).await;
        assert_eq!(history.len(), 2, "one upgrade, one downgrade");
    }
}

async fn upgrade_race(db: &TestDatabase) {
    let w = world(db);
    let (merchant, _) = merchant(&w, "rush")
        .tiers(ladder(DowngradeMode::OneStep))
        .await;
    let m = member(&w, &merchant, "13500000001").await;
    let w = Arc::new(w);
    // Ten orders of 60.00 at once: the ninth crosses 500.00, whichever order it is.
    let tasks: Vec<_> = (0..10)
        .map(|_| {
            let (w, cmd) = (Arc::clone(&w), order(&merchant, &m, "60.00"));
            tokio::spawn(async move { commit(&w, cmd).await.tier_upgraded_to })
        })
        .collect();
    let mut upgrades = Vec::new();
    for task in tasks {
        upgrades.extend(task.await.expect("task"));
    }
    assert_eq!(upgrades, vec!["silver".to_owned()]);
    assert_eq!(tier_events(&w), vec![("up".into(), "silver".into())]);
    assert_eq!(tier_of(&w, &m).await.as_deref(), Some("silver"));
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
        window: GrowthWindow::Lifetime {},
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
    let history = history_of(&w, &m).await;
    assert_eq!(
        history.iter().map(|c| c.growth).collect::<Vec<_>>(),
        vec![100_000]
    );
    let tier = member_now(&w, &m).await.tier_code;
    assert_eq!(tier.as_deref(), Some("gold"));
}
