//! Using coupons on real databases: two stores verifying one code at once succeed once, a
//! verification is undone within its window only, a coupon applies only in its stores and
//! within its validity, and the expiry job expires lapsed coupons once.

use super::{held, template};
use crate::support::refusal;
use crate::support::*;
use chrono::Duration;
use loyalty_core::Error;
use loyalty_core::coupons::CouponStatus;
use loyalty_core::coupons::CouponsError;
use loyalty_core::coupons::{VerifiedCoupon, VerifyCoupon};
use loyalty_seaorm::on_both_databases;
use loyalty_seaorm::testing::TestDatabase;
use serde_json::json;
use std::sync::Arc;

on_both_databases! {
    two_stores_verifying_one_code_at_once_succeed_once => super::verification_race;
    a_verification_is_undone_within_the_window_and_not_after => super::undo_window;
    a_coupon_applies_only_in_its_stores_and_within_its_window => super::verification_rules;
    the_expiry_job_expires_lapsed_coupons_once => super::expiry;
}

/// Verifies without an idempotency key (so never a replay).
async fn verify_now(w: &World, cmd: VerifyCoupon) -> Result<VerifiedCoupon, Error> {
    w.loyalty.coupons().verify(cmd, None).await.map(done)
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
    let (verified, used) = settle(tasks, |e| {
        matches!(
            e.refusal(),
            Some(CouponsError::CouponNotUsable(CouponStatus::Used))
        )
    })
    .await;
    for v in &verified {
        assert_eq!(v.coupon.coupon.status, CouponStatus::Used);
    }
    assert_eq!((verified.len(), used), (1, 1));
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
    let now = coupon_by_code(&w, &merchant, &first.code).await;
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
