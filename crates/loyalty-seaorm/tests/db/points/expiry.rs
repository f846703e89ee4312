//! Points expiry on real databases: spends take the soonest-expiring lots, lots expire at their
//! instant (at the local month end under that rule) and once under concurrent jobs, and members
//! are told once beforehand.

use super::redeem;
use crate::support::*;
use chrono::Duration;
use chrono::{DateTime, Utc};
use loyalty_core::events::DomainEvent;
use loyalty_core::kernel::Clock;
use loyalty_core::kernel::Points;
use loyalty_core::notifications::{
    Channel, NotificationSettings, Scene, SceneSetting, SmsTemplate,
};
use loyalty_core::points::{EntryKind, Source};
use loyalty_core::points::{ExpiryPolicy, ExpiryRule};
use loyalty_core::points::{LedgerEntry, OpenLot};
use loyalty_core::settings::Setting;
use loyalty_seaorm::on_both_databases;
use loyalty_seaorm::testing::TestDatabase;
use std::sync::Arc;

on_both_databases! {
    spending_takes_the_soonest_expiring_lots_and_expiry_writes_entries => super::spend_order_and_expiry;
    the_expiry_job_run_twice_at_once_expires_each_lot_once => super::concurrent_expiry;
    lots_expire_at_local_month_end_and_are_announced_once_by_concurrent_jobs => super::expiry_and_notice;
}

async fn spend_order_and_expiry(db: &TestDatabase) {
    let w = world(db);
    let (merchant, _) = merchant(&w, "expiry").points_valid_for_days(30).await;
    let m = member(&w, &merchant, "13800000003").await;
    commit(&w, order(&merchant, &m, "100.00")).await; // lot A, expires day 30
    w.clock.advance(Duration::days(10));
    commit(&w, order(&merchant, &m, "50.00")).await; // lot B, expires day 40

    let spend =
        |amount: i64, id: &str| redeem(merchant.id, m.id, amount, Source::new("test_spend", id));
    w.loyalty
        .points()
        .spend(spend(120, "s1"))
        .await
        .expect("spent from A then B");
    let lots = points_summary(&w, &m).await.lots;
    assert_eq!(
        lots.iter()
            .map(|l: &OpenLot| l.remaining)
            .collect::<Vec<_>>(),
        vec![Points::new(30)]
    );

    // Lot B expires at day 40; the job expires it at that instant and not before.
    w.clock.advance(Duration::days(30) - Duration::seconds(1));
    assert!(expire_due(&w, 100).await.is_empty());
    w.clock.advance(Duration::seconds(1));
    let expired = expire_due(&w, 100).await;
    assert_eq!(
        expired
            .iter()
            .map(|e| (e.kind, e.delta, e.balance_after))
            .collect::<Vec<_>>(),
        vec![(EntryKind::Expire, Points::new(-30), Points::ZERO)]
    );
    assert!(expire_due(&w, 100).await.is_empty());

    let err = w
        .loyalty
        .points()
        .spend(spend(1, "s2"))
        .await
        .expect_err("nothing left");
    assert_eq!(err.code(), "insufficient_points");
    assert_ledger_consistent(&w).await;
}

async fn concurrent_expiry(db: &TestDatabase) {
    let w = Arc::new(world(db));
    let (merchant, _) = merchant(&w, "jobs").points_valid_for_days(1).await;
    for i in 0..10 {
        member(&w, &merchant, &format!("1390000{i:04}"))
            .having_bought("10.00")
            .await;
    }
    w.clock.advance(Duration::days(2));
    let (a, b) = tokio::join!(
        {
            let w = Arc::clone(&w);
            tokio::spawn(async move { w.loyalty.points().expire_due(100).await })
        },
        {
            let w = Arc::clone(&w);
            tokio::spawn(async move { w.loyalty.points().expire_due(100).await })
        },
    );
    let total = a.expect("ran").expect("job").len() + b.expect("ran").expect("job").len();
    assert_eq!(total, 10);
    assert_ledger_consistent(&w).await;
}

/// What the expiry job expires now, `batch` lots at a time.
async fn expire_due(w: &World, batch: u64) -> Vec<LedgerEntry> {
    w.loyalty.points().expire_due(batch).await.expect("job")
}

/// What the notice job announces now, `batch` lots at a time.
async fn announce_expiring(w: &World, batch: u64) -> Vec<DomainEvent> {
    w.loyalty
        .points()
        .announce_expiring(batch)
        .await
        .expect("runs")
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
        let summary = points_summary(&w, m).await;
        assert_eq!(summary.lots[0].expires_at, Some(at("2027-01-31T16:00:00Z")));
        assert_eq!(receipt.order.points_earned, Points::new(80));
    }

    // One second before the notice period: nothing to announce.
    let notice_starts = at("2027-01-24T16:00:00Z");
    w.clock
        .advance(notice_starts - w.clock.now() - Duration::seconds(1));
    assert!(announce_expiring(&w, 10).await.is_empty());
    // At its start, nothing is announced while the merchant tells no one of expiring points,
    // and nothing is marked either: setting the scene up announces them then.
    w.clock.advance(Duration::seconds(1));
    assert!(announce_expiring(&w, 10).await.is_empty());
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
    let (a, b) = twice_at_once(|| w.loyalty.points().announce_expiring(1)).await;
    assert_eq!(a.expect("runs").len() + b.expect("runs").len(), 2);
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
    assert!(announce_expiring(&w, 10).await.is_empty(), "announced once");
    let summary = points_summary(&w, &members[0]).await;
    assert_eq!(summary.expiring_soon, Points::new(80));

    // The lots expire at the local month end, not a second before.
    w.clock.advance(Duration::days(7) - Duration::seconds(1));
    assert!(expire_due(&w, 10).await.is_empty());
    w.clock.advance(Duration::seconds(1));
    assert_eq!(expire_due(&w, 10).await.len(), 2);
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
