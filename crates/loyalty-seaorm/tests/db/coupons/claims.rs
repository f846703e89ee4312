//! Claiming coupons on real databases: concurrent claims stop at the stock (and HQ hears once of
//! the low stock), at the member's limit and at the daily limit of the merchant's local day;
//! exchanging points for a coupon spends them in the same transaction.

use super::{held, template, template_now};
use crate::support::refusal;
use crate::support::*;
use chrono::Duration;
use loyalty_core::coupons::ClaimCoupon;
use loyalty_core::coupons::CouponsError;
use loyalty_core::events::DomainEvent;
use loyalty_core::kernel::Outcome;
use loyalty_core::kernel::Points;
use loyalty_core::points::PointsError;
use loyalty_seaorm::on_both_databases;
use loyalty_seaorm::testing::TestDatabase;
use serde_json::json;
use std::sync::Arc;

on_both_databases! {
    three_hundred_concurrent_claims_against_a_stock_of_one_hundred_issue_exactly_one_hundred => super::stock_race;
    twenty_concurrent_claims_by_one_member_under_a_limit_of_one_issue_one => super::member_limit_race;
    the_daily_claim_limit_counts_the_merchants_local_day => super::daily_limit;
    exchanging_points_for_a_coupon_spends_them_in_the_same_transaction => super::exchange;
}

async fn stock_race(db: &TestDatabase) {
    let w = Arc::new(world(db));
    let (merchant, _) = merchant(&w, "stock").await;
    let template = template(&w, &merchant, json!({"stock": 100, "low_stock_alert": 10})).await;
    let people = members(&w, &merchant, "138", 300).await;
    let tasks: Vec<_> = people
        .into_iter()
        .map(|m| {
            let w = Arc::clone(&w);
            tokio::spawn(async move { claim(&w, &m, template).await })
        })
        .collect();
    let (issued, exhausted) = settle(tasks, |e| {
        matches!(e.refusal(), Some(CouponsError::StockExhausted))
    })
    .await;
    assert_eq!((issued.len(), exhausted), (100, 200));
    let t = template_now(&w, &merchant, template).await;
    assert_eq!((t.issued, t.remaining()), (100, Some(0)));
    assert_eq!(w.events_named("coupon_issued"), 100);
    // Of the hundred takes, the one that left ten crossed the alert line: HQ is told once.
    let alerts: Vec<_> = w
        .notifier
        .events()
        .into_iter()
        .filter(|e| e.name() == "coupon_stock_low")
        .collect();
    assert_eq!(alerts.len(), 1, "{alerts:?}");
    assert!(
        matches!(
            alerts[0],
            DomainEvent::CouponStockLow {
                remaining: 10,
                stock: 100,
                ..
            }
        ),
        "{alerts:?}"
    );
}

async fn member_limit_race(db: &TestDatabase) {
    let w = Arc::new(world(db));
    let (merchant, _) = merchant(&w, "limit").await;
    let template = template(&w, &merchant, json!({"per_member_limit": 1})).await;
    let m = member(&w, &merchant, "13800000001").await;
    let tasks: Vec<_> = (0..20)
        .map(|_| {
            let (w, m) = (Arc::clone(&w), m.clone());
            tokio::spawn(async move { claim(&w, &m, template).await })
        })
        .collect();
    let (issued, refused) = settle(tasks, |e| {
        matches!(e.refusal(), Some(CouponsError::CouponLimitReached))
    })
    .await;
    assert_eq!((issued.len(), refused), (1, 19));
    assert_eq!(held(&w, &m).await.len(), 1);
}

async fn daily_limit(db: &TestDatabase) {
    let w = world(db);
    let (merchant, _) = merchant(&w, "daily").await;
    let template = template(&w, &merchant, json!({"per_day_limit": 2})).await;
    let m = member(&w, &merchant, "13800000001").await;
    // 10:00 in Shanghai (02:00 UTC): two today, the third is refused.
    claim(&w, &m, template).await.expect("first");
    claim(&w, &m, template).await.expect("second");
    let third = claim(&w, &m, template).await;
    assert!(
        matches!(refusal(&third), Some(CouponsError::CouponDailyLimitReached)),
        "{third:?}"
    );
    // 23:59 local is still the same day; 00:00 local the next.
    w.clock.advance(Duration::hours(13) + Duration::minutes(59));
    assert!(claim(&w, &m, template).await.is_err());
    w.clock.advance(Duration::minutes(1));
    claim(&w, &m, template).await.expect("a new local day");
}

async fn exchange(db: &TestDatabase) {
    let w = world(db);
    let (merchant, _) = merchant(&w, "exchange").await;
    let template = template(&w, &merchant, json!({"points_price": 300, "stock": 5})).await;
    let free_only = self::template(&w, &merchant, json!({})).await;
    let m = member(&w, &merchant, "13800000001")
        .having_bought("500.00")
        .await;
    let cmd = |template_id| ClaimCoupon {
        merchant_id: merchant.id,
        member_id: m.id,
        template_id,
        exchange: true,
    };
    let done = w
        .loyalty
        .coupons()
        .claim(cmd(template), None)
        .await
        .expect("exchanged");
    assert!(matches!(done, Outcome::Done(ref h) if h.coupon.source.as_str() == "exchange"));
    let balance = points_balance(&w, &m).await;
    assert_eq!(balance, Points::new(200));
    let short = w.loyalty.coupons().claim(cmd(template), None).await;
    assert!(
        matches!(
            refusal(&short),
            Some(PointsError::InsufficientPoints { .. })
        ),
        "{short:?}"
    );
    // Refused with nothing taken: neither the stock nor the points moved.
    let t = template_now(&w, &merchant, template).await;
    assert_eq!(t.issued, 1);
    let not_for_points = w.loyalty.coupons().claim(cmd(free_only), None).await;
    assert_eq!(
        refusal::<_, CouponsError>(&not_for_points),
        Some(&CouponsError::NotExchangeable),
        "{not_for_points:?}"
    );
    assert_ledger_consistent(&w).await;
}
