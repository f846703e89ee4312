//! The merchant's rules on real databases: versioned settings, caps under concurrency, tier
//! upgrades and reviews, expiry in the merchant's time zone with its advance notice, the
//! what-if simulation, and the migration of the foundation's policy columns.

use crate::support::*;
use chrono::{DateTime, Duration, TimeZone, Utc};
use loyalty_core::checkout::LineInput;
use loyalty_core::events::DomainEvent;
use loyalty_core::kernel::Clock;
use loyalty_core::kernel::{Money, Points, StoreId};
use loyalty_core::members::Member;
use loyalty_core::notifications::{
    Channel, NotificationSettings, Scene, SceneSetting, SmsTemplate,
};
use loyalty_core::points::MemberAction;
use loyalty_core::points::{
    ActionRule, ActionRules, CodeMultiplier, EarningPolicy, Rounding, ThresholdBonus,
};
use loyalty_core::points::{ExpiryPolicy, ExpiryRule};
use loyalty_core::settings::Setting;
use loyalty_core::tiers::DowngradeMode;
use loyalty_core::tiers::TierChangeReason;
use loyalty_migrations::{Migrator, MigratorTrait};
use loyalty_seaorm::on_both_databases;
use loyalty_seaorm::testing::TestDatabase;
use sea_orm::ConnectionTrait;
use sea_orm::sea_query::{Alias, Query};
use std::sync::Arc;

on_both_databases! {
    settings_are_versioned_and_entries_record_the_version => super::versioned_settings;
    twenty_concurrent_orders_never_pass_the_daily_cap => super::daily_cap_race;
    concurrent_shares_never_pass_the_action_daily_cap => super::action_cap_race;
    another_members_reviewed_order_is_not_found => super::review_of_another;
    a_threshold_crossed_upgrades_at_once_and_reviews_downgrade_after_protection => super::tier_lifecycle;
    a_review_to_the_earned_tier_and_two_reviews_at_once_change_a_tier_once => super::tier_review_race;
    concurrent_orders_crossing_a_threshold_upgrade_exactly_once => super::upgrade_race;
    lots_expire_at_local_month_end_and_are_announced_once_by_concurrent_jobs => super::expiry_and_notice;
    the_what_if_answers_a_hand_computed_case => super::simulation;
    the_rules_migration_copies_each_merchant_policy_into_version_one => super::migration_copies_policies;
}

async fn versioned_settings(db: &TestDatabase) {
    let w = world(db);
    let (merchant, _) = merchant(&w, "versions").points_valid_for_days(365).await;
    let m = member(&w, &merchant, "13800000001").await;
    let first = commit(&w, order(&merchant, &m, "10.00")).await;
    assert_eq!(first.policy_version, 1);

    let mut doubled = EarningPolicy::base(2, money("1.00"), Rounding::Floor);
    doubled.thresholds = vec![ThresholdBonus {
        min_amount: money("100.00"),
        bonus: Points::new(10),
    }];
    assert_eq!(
        put_setting(&w, &merchant, Setting::Earning(doubled.clone())).await,
        2
    );
    let second = commit(&w, order(&merchant, &m, "100.00")).await;
    // 100 × 2 = 200, + 10 for the 100.00 step.
    assert_eq!(second.order.points_earned, Points::new(210));
    assert_eq!(second.policy_version, 2);
    assert_eq!(second.earned.expect("earned").policy_version, Some(2));

    let old = w
        .loyalty
        .settings()
        .earning_version(merchant.id, 1)
        .await
        .expect("version 1 kept");
    assert_eq!(old.value, EarningPolicy::default());
    let current = w
        .loyalty
        .settings()
        .current(merchant.id)
        .await
        .expect("settings");
    assert_eq!(
        (current.earning.version, current.earning.value),
        (2, doubled)
    );
    assert_eq!(
        w.loyalty
            .settings()
            .earning_version(merchant.id, 3)
            .await
            .expect_err("no version 3")
            .code(),
        "version_not_found"
    );
    // A policy that does not validate is refused and changes nothing.
    let err = w
        .loyalty
        .settings()
        .put(
            merchant.id,
            Setting::Earning(EarningPolicy::base(1, Money::ZERO, Rounding::Floor)),
            None,
        )
        .await
        .expect_err("zero unit");
    assert_eq!(err.field(), Some("unit"));
    assert_eq!(
        w.loyalty
            .settings()
            .current(merchant.id)
            .await
            .expect("settings")
            .earning
            .version,
        2
    );
    // An editor saves over the version they read, or is told it changed.
    let stale = w
        .loyalty
        .settings()
        .put_over(
            merchant.id,
            Setting::Earning(EarningPolicy::default()),
            None,
            Some(1),
        )
        .await
        .expect_err("version 2 is current");
    assert_eq!(stale.code(), "version_conflict");
    let tiers = || Setting::Tiers(ladder(DowngradeMode::OneStep));
    assert_eq!(
        w.loyalty
            .settings()
            .put_over(merchant.id, tiers(), None, Some(0))
            .await
            .expect("none saved yet"),
        1
    );
    let (a, b) = tokio::join!(
        w.loyalty
            .settings()
            .put_over(merchant.id, tiers(), None, Some(1)),
        w.loyalty
            .settings()
            .put_over(merchant.id, tiers(), None, Some(1))
    );
    assert!(
        a.is_ok() != b.is_ok(),
        "of two editors who read version 1, one saves: {a:?} {b:?}"
    );
    assert_eq!(
        w.loyalty
            .settings()
            .put_over(merchant.id, tiers(), None, Some(0))
            .await
            .expect_err("saved already")
            .code(),
        "version_conflict"
    );
    // Concurrent saves take distinct versions.
    let engine = Arc::new(w);
    let saves: Vec<_> = (0..8)
        .map(|_| {
            let (w, id) = (Arc::clone(&engine), merchant.id);
            tokio::spawn(async move {
                w.loyalty
                    .settings()
                    .put(id, Setting::Earning(EarningPolicy::default()), None)
                    .await
                    .expect("saved")
            })
        })
        .collect();
    let mut versions = Vec::new();
    for save in saves {
        versions.push(save.await.expect("task"));
    }
    versions.sort_unstable();
    assert_eq!(versions, (3..=10).collect::<Vec<i64>>());
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
    w.loyalty
        .members()
        .member(m.merchant_id, m.id)
        .await
        .expect("member")
        .tier_code
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
    let progress = w
        .loyalty
        .tiers()
        .progress(merchant.id, m.id)
        .await
        .expect("progress")
        .expect("a ladder");
    assert_eq!(
        (progress.tier.code.as_str(), progress.growth),
        ("gold", 210_000)
    );
    assert_eq!(progress.next, None);

    // A refund takes its spend out of the growth value; the tier stays until a review.
    refund(&w, whole(&fourth)).await.expect("refunded");
    let refunded = w
        .loyalty
        .tiers()
        .progress(merchant.id, m.id)
        .await
        .expect("progress")
        .expect("a ladder");
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
    let history = w
        .loyalty
        .tiers()
        .history(merchant.id, m.id)
        .await
        .expect("history");
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
    let w = Arc::new(w);
    let (a, b) = tokio::join!(
        {
            let w = Arc::clone(&w);
            async move { w.loyalty.tiers().review(2).await.expect("review") }
        },
        {
            let w = Arc::clone(&w);
            async move { w.loyalty.tiers().review(2).await.expect("review") }
        }
    );
    assert_eq!(a.downgraded + b.downgraded, 6, "each member moved once");
    assert_eq!(tier_of(&w, &members[0]).await.as_deref(), Some("silver"));
    for m in &members[1..] {
        assert_eq!(tier_of(&w, m).await.as_deref(), Some("normal"));
        let history = w
            .loyalty
            .tiers()
            .history(merchant.id, m.id)
            .await
            .expect("history");
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

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).expect("time").to_utc()
}

async fn expiry_and_notice(db: &TestDatabase) {
    let w = world(db);
    // Earned 23 November 2026 10:00 Shanghai; end of the month after next: the lot lives until
    // 1 February 2027 00:00 local = 31 January 16:00Z. Members hear of it 7 days before.
    let expiry = ExpiryPolicy {
        rule: ExpiryRule::EndOfMonth { after_months: 2 },
        notify_days_before: 7,
    };
    let (merchant, _) = merchant(&w, "month-end").expiry(expiry).await;
    let members = [
        member(&w, &merchant, "13700000001").await,
        member(&w, &merchant, "13700000002").await,
    ];
    for m in &members {
        let receipt = commit(&w, order(&merchant, m, "80.00")).await;
        let summary = w
            .loyalty
            .points()
            .summary(merchant.id, m.id)
            .await
            .expect("summary");
        assert_eq!(summary.lots[0].expires_at, Some(at("2027-01-31T16:00:00Z")));
        assert_eq!(receipt.order.points_earned, Points::new(80));
    }

    // One second before the notice period: nothing to announce.
    let notice_starts = at("2027-01-24T16:00:00Z");
    w.clock
        .advance(notice_starts - w.clock.now() - Duration::seconds(1));
    assert!(
        w.loyalty
            .points()
            .announce_expiring(10)
            .await
            .expect("runs")
            .is_empty()
    );
    // At its start, nothing is announced while the merchant tells no one of expiring points,
    // and nothing is marked either: setting the scene up announces them then.
    w.clock.advance(Duration::seconds(1));
    assert!(
        w.loyalty
            .points()
            .announce_expiring(10)
            .await
            .expect("runs")
            .is_empty()
    );
    let told = NotificationSettings {
        sms_sign_name: None,
        scenes: vec![SceneSetting {
            scene: Scene::PointsExpiringSoon,
            channels: vec![Channel::Sms],
            sms: Some(SmsTemplate {
                template_code: "SMS_EXPIRING".into(),
                text: "您有{points}积分将于{expires_at}过期。".into(),
                params: Vec::new(),
            }),
            wechat: None,
        }],
        hq_phones: Vec::new(),
        quiet_hours: None,
    };
    put_setting(&w, &merchant, Setting::Notifications(told)).await;
    // Two jobs at once announce each member once.
    let w = Arc::new(w);
    let (a, b) = tokio::join!(
        {
            let w = Arc::clone(&w);
            async move { w.loyalty.points().announce_expiring(1).await.expect("runs") }
        },
        {
            let w = Arc::clone(&w);
            async move { w.loyalty.points().announce_expiring(1).await.expect("runs") }
        }
    );
    assert_eq!(a.len() + b.len(), 2);
    let soon: Vec<_> = w
        .notifier
        .events()
        .into_iter()
        .filter_map(|e| match e {
            DomainEvent::PointsExpiringSoon {
                points, expires_at, ..
            } => Some((points, expires_at)),
            _ => None,
        })
        .collect();
    assert_eq!(soon, vec![(Points::new(80), at("2027-01-31T16:00:00Z")); 2]);
    assert!(
        w.loyalty
            .points()
            .announce_expiring(10)
            .await
            .expect("runs")
            .is_empty(),
        "announced once"
    );
    let summary = w
        .loyalty
        .points()
        .summary(merchant.id, members[0].id)
        .await
        .expect("summary");
    assert_eq!(summary.expiring_soon, Points::new(80));

    // The lots expire at the local month end, not a second before.
    w.clock.advance(Duration::days(7) - Duration::seconds(1));
    assert!(
        w.loyalty
            .points()
            .expire_due(10)
            .await
            .expect("runs")
            .is_empty()
    );
    w.clock.advance(Duration::seconds(1));
    assert_eq!(
        w.loyalty.points().expire_due(10).await.expect("runs").len(),
        2
    );
    assert_eq!(points_balance(&w, &members[0]).await, Points::ZERO);
    let liability = w
        .loyalty
        .points()
        .liability(merchant.id, 30)
        .await
        .expect("liability");
    assert_eq!(liability.outstanding, Points::ZERO);
    assert_ledger_consistent(&w).await;
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

async fn migration_copies_policies(db: &TestDatabase) {
    // Back to the foundation's schema (down past the rules migration and the ones after it),
    // with two merchants as it stored them.
    let after_rules = Migrator::migrations().len() - 1;
    let steps = u32::try_from(after_rules).expect("a few migrations");
    Migrator::down(&db.db, Some(steps))
        .await
        .expect("down to the foundation");
    let created = Utc
        .with_ymd_and_hms(2026, 11, 1, 0, 0, 0)
        .single()
        .expect("time");
    for (code, ppu, unit, rounding, days) in [
        ("old-a", 1i64, 1000i64, "half_up", Some(365i32)),
        ("old-b", 3, 105, "floor", None),
    ] {
        let insert = Query::insert()
            .into_table(Alias::new("merchants"))
            .columns(
                [
                    "id",
                    "code",
                    "name",
                    "time_zone",
                    "earn_points_per_unit",
                    "earn_unit_fen",
                    "earn_rounding",
                    "points_validity_days",
                    "created_at",
                ]
                .map(Alias::new),
            )
            .values_panic([
                uuid::Uuid::now_v7().into(),
                code.into(),
                "Old".into(),
                "Asia/Shanghai".into(),
                ppu.into(),
                unit.into(),
                rounding.into(),
                days.into(),
                created.into(),
            ])
            .to_owned();
        db.db.execute(&insert).await.expect("old merchant");
    }
    Migrator::up(&db.db, None).await.expect("up again");

    let w = world(db);
    let a = w
        .loyalty
        .merchants()
        .by_code("old-a")
        .await
        .expect("lookup")
        .expect("old-a");
    let settings = w.loyalty.settings().current(a.id).await.expect("settings");
    assert_eq!(settings.earning.version, 1);
    assert_eq!(
        settings.earning.value,
        EarningPolicy::base(1, money("10.00"), Rounding::HalfUp)
    );
    assert_eq!(
        settings.expiry.value.rule,
        ExpiryRule::Rolling { days: 365 }
    );
    assert_eq!(
        w.loyalty
            .settings()
            .earning_version(a.id, 1)
            .await
            .expect("history")
            .value,
        settings.earning.value
    );
    let b = w
        .loyalty
        .merchants()
        .by_code("old-b")
        .await
        .expect("lookup")
        .expect("old-b");
    let settings = w.loyalty.settings().current(b.id).await.expect("settings");
    assert_eq!(
        settings.earning.value,
        EarningPolicy::base(3, money("1.05"), Rounding::Floor)
    );
    assert_eq!(settings.expiry.value.rule, ExpiryRule::Never);
    // And the migrated merchant works: its next version is 2.
    let version = w
        .loyalty
        .settings()
        .put(b.id, Setting::Earning(EarningPolicy::default()), None)
        .await
        .expect("saved");
    assert_eq!(version, 2);
}
