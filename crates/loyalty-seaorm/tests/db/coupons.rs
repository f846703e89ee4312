//! Coupons on real databases: claims against stock and limits under concurrency, sends to
//! segments, gifts, verification races and undo, expiry; on SQLite and PostgreSQL.

use crate::support::refusal;
use crate::support::*;
use chrono::Duration;
use loyalty_core::Error;
use loyalty_core::checkout::{CheckoutSettings, CouponGifts};
use loyalty_core::coupons::CouponStatus;
use loyalty_core::coupons::CouponsError;
use loyalty_core::coupons::MemberSegment;
use loyalty_core::coupons::{
    ClaimCoupon, HeldCoupon, IssueCoupons, IssueReport, IssueTarget, VerifiedCoupon, VerifyCoupon,
};
use loyalty_core::events::DomainEvent;
use loyalty_core::kernel::Outcome;
use loyalty_core::kernel::{CouponTemplateId, MemberId, Points};
use loyalty_core::members::Member;
use loyalty_core::merchants::Merchant;
use loyalty_core::points::PointsError;
use loyalty_core::settings::Setting;
use loyalty_seaorm::on_both_databases;
use loyalty_seaorm::testing::TestDatabase;
use serde_json::json;
use std::sync::Arc;

on_both_databases! {
    three_hundred_concurrent_claims_against_a_stock_of_one_hundred_issue_exactly_one_hundred => super::stock_race;
    twenty_concurrent_claims_by_one_member_under_a_limit_of_one_issue_one => super::member_limit_race;
    two_stores_verifying_one_code_at_once_succeed_once => super::verification_race;
    a_verification_is_undone_within_the_window_and_not_after => super::undo_window;
    a_coupon_applies_only_in_its_stores_and_within_its_window => super::verification_rules;
    the_daily_claim_limit_counts_the_merchants_local_day => super::daily_limit;
    exchanging_points_for_a_coupon_spends_them_in_the_same_transaction => super::exchange;
    a_send_to_a_segment_reaches_its_members_once_even_when_repeated => super::segment_send;
    a_send_to_listed_members_stops_at_the_stock_and_the_limit => super::listed_send;
    registration_and_birthday_gifts_are_given_once => super::gifts;
    the_expiry_job_expires_lapsed_coupons_once => super::expiry;
}

/// The template's id: the tests here claim and send by it.
async fn template(w: &World, merchant: &Merchant, extra: serde_json::Value) -> CouponTemplateId {
    coupon_template(w, merchant, extra).await.id
}

/// Verifies without an idempotency key (so never a replay).
async fn verify_now(w: &World, cmd: VerifyCoupon) -> Result<VerifiedCoupon, Error> {
    w.loyalty.coupons().verify(cmd, None).await.map(done)
}

async fn held(w: &World, m: &Member) -> Vec<HeldCoupon> {
    w.loyalty
        .coupons()
        .member_coupons(m.merchant_id, m.id, &[], None, 100)
        .await
        .expect("coupons")
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
    let (mut issued, mut exhausted) = (0, 0);
    for task in tasks {
        match task.await.expect("task ran") {
            Ok(_) => issued += 1,
            Err(other) if matches!(other.refusal(), Some(CouponsError::StockExhausted)) => {
                exhausted += 1
            }
            Err(other) => panic!("unexpected failure: {other:?}"),
        }
    }
    assert_eq!((issued, exhausted), (100, 200));
    let t = w
        .loyalty
        .coupons()
        .template(merchant.id, template)
        .await
        .expect("template");
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
    let (mut issued, mut refused) = (0, 0);
    for task in tasks {
        match task.await.expect("task ran") {
            Ok(_) => issued += 1,
            Err(other) if matches!(other.refusal(), Some(CouponsError::CouponLimitReached)) => {
                refused += 1
            }
            Err(other) => panic!("unexpected failure: {other:?}"),
        }
    }
    assert_eq!((issued, refused), (1, 19));
    assert_eq!(held(&w, &m).await.len(), 1);
}

async fn verification_race(db: &TestDatabase) {
    let w = Arc::new(world(db));
    let (merchant, main) = merchant(&w, "verify").await;
    let branch = branch(&w, &merchant, "二店").await;
    let template = template(&w, &merchant, json!({})).await;
    let m = member(&w, &merchant, "13800000001").await;
    let coupon = claim(&w, &m, template).await.expect("claimed").coupon;
    let tasks: Vec<_> = [main.id, branch.id]
        .into_iter()
        .map(|store| {
            let w = Arc::clone(&w);
            let cmd = VerifyCoupon {
                merchant_id: merchant.id,
                code: coupon.code.clone(),
                store_id: Some(store),
                staff_id: None,
            };
            tokio::spawn(async move { verify_now(&w, cmd).await })
        })
        .collect();
    let (mut ok, mut used) = (0, 0);
    for task in tasks {
        match task.await.expect("task ran") {
            Ok(v) => {
                assert_eq!(v.coupon.coupon.status, CouponStatus::Used);
                ok += 1;
            }
            Err(other)
                if matches!(
                    other.refusal(),
                    Some(CouponsError::CouponNotUsable(CouponStatus::Used))
                ) =>
            {
                used += 1
            }
            Err(other) => panic!("unexpected failure: {other:?}"),
        }
    }
    assert_eq!((ok, used), (1, 1));
    let log = w
        .loyalty
        .coupons()
        .verifications(merchant.id, None, None, 10)
        .await
        .expect("log");
    assert_eq!(log.len(), 1);
    assert_eq!(log[0].coupon_id, coupon.id);
}

async fn undo_window(db: &TestDatabase) {
    let w = world(db);
    let (merchant, store) = merchant(&w, "undo").await;
    let template = template(&w, &merchant, json!({})).await;
    let m = member(&w, &merchant, "13800000001").await;
    let verify = |code| VerifyCoupon {
        merchant_id: merchant.id,
        code,
        store_id: Some(store.id),
        staff_id: None,
    };
    let first = claim(&w, &m, template).await.expect("claimed").coupon;
    let v = verify_now(&w, verify(first.code.clone()))
        .await
        .expect("verified");
    w.clock.advance(Duration::minutes(29));
    let undone = w
        .loyalty
        .coupons()
        .undo_verification(merchant.id, v.verification.id, None)
        .await
        .expect("undone within 30 minutes");
    assert_eq!(undone.coupon.coupon.status, CouponStatus::Available);
    assert!(undone.verification.undone_at.is_some());
    let twice = w
        .loyalty
        .coupons()
        .undo_verification(merchant.id, v.verification.id, None)
        .await;
    assert!(matches!(twice, Err(Error::AlreadyApplied)), "{twice:?}");
    // Usable again, and verified again.
    let again = verify_now(&w, verify(first.code.clone()))
        .await
        .expect("again");
    w.clock.advance(Duration::minutes(30));
    let late = w
        .loyalty
        .coupons()
        .undo_verification(merchant.id, again.verification.id, None)
        .await;
    assert!(
        matches!(refusal(&late), Some(CouponsError::UndoWindowClosed)),
        "{late:?}"
    );
    let now = w
        .loyalty
        .coupons()
        .by_code(merchant.id, &first.code)
        .await
        .expect("coupon");
    assert_eq!(now.coupon.status, CouponStatus::Used);
}

async fn verification_rules(db: &TestDatabase) {
    let w = world(db);
    let (merchant, main) = merchant(&w, "rules").await;
    let branch = branch(&w, &merchant, "二店").await;
    let only_branch = template(
        &w,
        &merchant,
        json!({"scope": {"store_ids": [branch.id]}, "validity": {"mode": "after_claim", "days": 1, "from_next_day": true}}),
    )
    .await;
    let m = member(&w, &merchant, "13800000001").await;
    let coupon = claim(&w, &m, only_branch).await.expect("claimed").coupon;
    let at = |store| VerifyCoupon {
        merchant_id: merchant.id,
        code: coupon.code.clone(),
        store_id: Some(store),
        staff_id: None,
    };
    let wrong_store = verify_now(&w, at(main.id)).await;
    assert!(
        matches!(
            refusal(&wrong_store),
            Some(CouponsError::CouponStoreNotApplicable)
        ),
        "{wrong_store:?}"
    );
    let too_soon = verify_now(&w, at(branch.id)).await;
    assert!(
        matches!(refusal(&too_soon), Some(CouponsError::CouponNotYetValid)),
        "{too_soon:?}"
    );
    w.clock.advance(Duration::days(1));
    verify_now(&w, at(branch.id))
        .await
        .expect("valid the next day");
    let second = claim(&w, &m, only_branch).await.expect("claimed").coupon;
    w.clock.advance(Duration::days(3));
    let lapsed = verify_now(
        &w,
        VerifyCoupon {
            code: second.code.clone(),
            ..at(branch.id)
        },
    )
    .await;
    assert!(
        matches!(refusal(&lapsed), Some(CouponsError::CouponExpired)),
        "{lapsed:?}"
    );
    let unknown = verify_now(
        &w,
        VerifyCoupon {
            code: loyalty_core::coupons::CouponCode::parse("000000000000").expect("code"),
            ..at(branch.id)
        },
    )
    .await;
    assert!(
        matches!(unknown, Err(Error::NotFound(loyalty_core::coupons::COUPON))),
        "{unknown:?}"
    );
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
    let balance = w
        .loyalty
        .members()
        .member(merchant.id, m.id)
        .await
        .expect("member")
        .points_balance;
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
    let t = w
        .loyalty
        .coupons()
        .template(merchant.id, template)
        .await
        .expect("template");
    assert_eq!(t.issued, 1);
    let not_for_points = w.loyalty.coupons().claim(cmd(free_only), None).await;
    assert!(
        matches!(not_for_points, Err(Error::Invalid(_))),
        "{not_for_points:?}"
    );
    assert_ledger_consistent(&w).await;
}

async fn send(
    w: &World,
    merchant: &Merchant,
    template: CouponTemplateId,
    target: IssueTarget,
    batch: &str,
) -> IssueReport {
    w.loyalty
        .coupons()
        .issue(IssueCoupons {
            merchant_id: merchant.id,
            template_id: template,
            target,
            batch: batch.into(),
        })
        .await
        .expect("sent")
}

async fn segment_send(db: &TestDatabase) {
    let w = world(db);
    let (merchant, _) = merchant(&w, "segment").await;
    let template = template(&w, &merchant, json!({"claimable": false})).await;
    let people = members(&w, &merchant, "138", 5).await;
    // Two big spenders long ago, one small spender recently, two who never bought.
    commit(&w, order(&merchant, &people[0], "300.00")).await;
    commit(&w, order(&merchant, &people[1], "250.00")).await;
    w.clock.advance(Duration::days(40));
    commit(&w, order(&merchant, &people[2], "20.00")).await;
    let lapsed_big = MemberSegment {
        last_order_before: Some(w.clock_now() - Duration::days(30)),
        spend_min: Some(money("200.00")),
        ..MemberSegment::default()
    };
    let report = send(
        &w,
        &merchant,
        template,
        IssueTarget::Segment(lapsed_big.clone()),
        "winback-1",
    )
    .await;
    assert_eq!((report.issued, report.already_issued), (2, 0));
    let again = send(
        &w,
        &merchant,
        template,
        IssueTarget::Segment(lapsed_big),
        "winback-1",
    )
    .await;
    assert_eq!((again.issued, again.already_issued), (0, 2));
    let holders: Vec<usize> = {
        let mut v = Vec::new();
        for (i, m) in people.iter().enumerate() {
            if !held(&w, m).await.is_empty() {
                v.push(i);
            }
        }
        v
    };
    assert_eq!(holders, vec![0, 1]);
    let recent = MemberSegment {
        last_order_since: Some(w.clock_now() - Duration::days(1)),
        spend_max: Some(money("50.00")),
        ..MemberSegment::default()
    };
    let report = send(
        &w,
        &merchant,
        template,
        IssueTarget::Segment(recent),
        "welcome-back",
    )
    .await;
    assert_eq!(report.issued, 1);
    assert_eq!(held(&w, &people[2]).await.len(), 1);
    // A member's own claim of a template that is not claimable is refused.
    let own = claim(&w, &people[3], template).await;
    assert!(
        matches!(refusal(&own), Some(CouponsError::ClaimClosed)),
        "{own:?}"
    );
}

async fn listed_send(db: &TestDatabase) {
    let w = world(db);
    let (merchant, _) = merchant(&w, "listed").await;
    let template = template(&w, &merchant, json!({"stock": 3, "per_member_limit": 1})).await;
    let people = members(&w, &merchant, "138", 5).await;
    claim(&w, &people[0], template)
        .await
        .expect("claimed before the send");
    let mut ids: Vec<MemberId> = people.iter().map(|m| m.id).collect();
    ids.push(MemberId::new());
    let report = send(&w, &merchant, template, IssueTarget::Members(ids), "vip").await;
    assert_eq!(
        report,
        IssueReport {
            issued: 2,
            already_issued: 0,
            at_limit: 1,
            unknown: 1,
            out_of_stock: 2,
        }
    );
    let t = w
        .loyalty
        .coupons()
        .template(merchant.id, template)
        .await
        .expect("template");
    assert_eq!(t.issued, 3);
}

async fn gifts(db: &TestDatabase) {
    let w = world(db);
    let (merchant, _) = merchant(&w, "gifts").await;
    let welcome = template(&w, &merchant, json!({"name": "新人券", "claimable": false})).await;
    // Its low-stock alert fires with the first gift: the job counts coupons, not events.
    let birthday = template(
        &w,
        &merchant,
        json!({"name": "生日券", "claimable": false, "stock": 2, "low_stock_alert": 1}),
    )
    .await;
    let checkout = CheckoutSettings {
        gifts: CouponGifts {
            registration: vec![welcome],
            birthday: vec![birthday],
        },
        ..CheckoutSettings::default()
    };
    put_setting(&w, &merchant, Setting::Checkout(checkout)).await;
    let today = w.clock_now().date_naive();
    let m = member(&w, &merchant, "13800000001")
        .unnamed()
        .born_on(Some(today))
        .await;
    let names = |list: Vec<HeldCoupon>| -> Vec<String> {
        let mut n: Vec<String> = list.into_iter().map(|h| h.template.rules.name).collect();
        n.sort();
        n
    };
    assert_eq!(names(held(&w, &m).await), vec!["新人券".to_owned()]);
    assert_eq!(
        w.loyalty
            .coupons()
            .give_birthday_coupons(100)
            .await
            .expect("job"),
        1
    );
    assert_eq!(
        w.loyalty
            .coupons()
            .give_birthday_coupons(100)
            .await
            .expect("job again"),
        0
    );
    assert_eq!(
        names(held(&w, &m).await),
        vec!["新人券".to_owned(), "生日券".to_owned()]
    );
    // A year later, once more.
    w.clock.advance(Duration::days(365));
    assert_eq!(
        w.loyalty
            .coupons()
            .give_birthday_coupons(100)
            .await
            .expect("next year"),
        1
    );
}

async fn expiry(db: &TestDatabase) {
    let w = world(db);
    let (merchant, _) = merchant(&w, "expiry").await;
    let template = template(
        &w,
        &merchant,
        json!({"validity": {"mode": "after_claim", "days": 1}}),
    )
    .await;
    let m = member(&w, &merchant, "13800000001").await;
    claim(&w, &m, template).await.expect("claimed");
    claim(&w, &m, template).await.expect("claimed");
    assert_eq!(w.loyalty.coupons().expire_due().await.expect("job"), 0);
    w.clock.advance(Duration::days(1));
    let (a, b) = tokio::join!(
        w.loyalty.coupons().expire_due(),
        w.loyalty.coupons().expire_due()
    );
    assert_eq!(a.expect("job") + b.expect("job"), 2);
    let statuses: Vec<CouponStatus> = held(&w, &m).await.iter().map(|h| h.coupon.status).collect();
    assert_eq!(statuses, vec![CouponStatus::Expired, CouponStatus::Expired]);
}
