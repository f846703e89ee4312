//! The merchant's settings on real databases: saved as versions that entries record, saved over
//! the version an editor read or refused, and the rules migration that copied the foundation's
//! policy columns into version one.

use crate::support::*;
use chrono::{TimeZone, Utc};
use loyalty_core::kernel::{Money, Points};
use loyalty_core::points::ExpiryRule;
use loyalty_core::points::{EarningPolicy, Rounding, ThresholdBonus};
use loyalty_core::settings::Setting;
use loyalty_core::tiers::DowngradeMode;
use loyalty_migrations::{Migrator, MigratorTrait};
use loyalty_seaorm::on_both_databases;
use loyalty_seaorm::testing::TestDatabase;
use sea_orm::ConnectionTrait;
use sea_orm::sea_query::{Alias, Query};
use std::sync::Arc;

on_both_databases! {
    settings_are_versioned_and_entries_record_the_version => super::versioned_settings;
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
    assert_eq!(settings.expiry.value.rule, ExpiryRule::Never {});
    // And the migrated merchant works: its next version is 2.
    let version = w
        .loyalty
        .settings()
        .put(b.id, Setting::Earning(EarningPolicy::default()), None)
        .await
        .expect("saved");
    assert_eq!(version, 2);
}
