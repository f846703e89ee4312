//! Coupon use cases with mocked ports: a refusal writes nothing, commits nothing, tells no
//! one.

use crate::coupons::CouponCode;
use crate::coupons::CouponRules;
use crate::coupons::{ClaimCoupon, VerifyCoupon};
use crate::coupons::{Coupon, CouponSource, CouponStatus, CouponTemplate};
use crate::engine::Loyalty;
use crate::events::MockNotifier;
use crate::kernel::{CouponId, CouponTemplateId, MemberId, MerchantId, StoreId};
use crate::members::Member;
use crate::testing::MockTransaction;
use crate::testing::{clock, merchant, now, uow_with};
use chrono::Duration;

fn member(merchant_id: MerchantId, id: MemberId) -> Member {
    Member {
        invite_code: "ABCDEFGH".into(),
        ..Member::new(id, merchant_id, now())
    }
}

fn template(merchant_id: MerchantId, id: CouponTemplateId) -> CouponTemplate {
    let rules: CouponRules = serde_json::from_value(serde_json::json!({
        "name": "满100减20", "stock": 1,
        "benefit": {"type": "amount_off", "threshold": "100.00", "amount": "20.00"},
        "validity": {"mode": "after_claim", "days": 7},
    }))
    .expect("rules");
    CouponTemplate {
        id,
        merchant_id,
        rules,
        issued: 1,
        active: true,
        created_by: None,
        created_at: now(),
    }
}

fn coupon(merchant_id: MerchantId, template_id: CouponTemplateId, status: CouponStatus) -> Coupon {
    Coupon {
        id: CouponId::from_uuid(uuid::Uuid::nil()),
        merchant_id,
        template_id,
        member_id: MemberId::from_uuid(uuid::Uuid::nil()),
        code: CouponCode::parse("123456789012").expect("code"),
        status,
        source: CouponSource::Claim,
        source_ref: None,
        valid_from: now() - Duration::days(1),
        valid_until: now() + Duration::days(6),
        claimed_at: now() - Duration::days(1),
        used_at: None,
        used_order_id: None,
        used_store_id: None,
    }
}

#[tokio::test]
async fn a_claim_against_exhausted_stock_writes_nothing_and_tells_no_one() {
    let (merchant_id, member_id, template_id) =
        (MerchantId::new(), MemberId::new(), CouponTemplateId::new());
    let mut lookup = MockTransaction::default();
    lookup
        .merchants
        .expect_merchant()
        .returning(move |id| Ok(Some(merchant(id))));
    lookup
        .settings
        .expect_settings()
        .returning(|_| Ok(crate::testing::default_settings(now())));
    let mut write = MockTransaction::default();
    write
        .members
        .expect_lock_member()
        .returning(move |m, id| Ok(Some(member(m, id))));
    write
        .coupons
        .expect_template()
        .returning(move |m, id| Ok(Some(template(m, id))));
    write
        .coupons
        .expect_reserve_stock()
        .times(1)
        .returning(|_, _, _| Ok(None));
    write.coupons.expect_insert_coupons().never();
    let committed = write.committed.clone();
    let mut notifier = MockNotifier::new();
    notifier.expect_notify().never();
    let loyalty = Loyalty::new(uow_with(vec![lookup, write]), clock(), notifier);

    let refused = loyalty
        .coupons()
        .claim(
            ClaimCoupon {
                merchant_id,
                member_id,
                template_id,
                exchange: false,
            },
            None,
        )
        .await
        .expect_err("no stock");

    assert_eq!(refused.code(), "stock_exhausted");
    assert!(!committed.is_set());
}

#[tokio::test]
async fn a_coupon_used_by_another_till_meanwhile_refuses_the_verification_without_a_log_entry() {
    let merchant_id = MerchantId::new();
    let template_id = CouponTemplateId::new();
    let mut lookup = MockTransaction::default();
    lookup.stores.expect_store().returning(|m, id| {
        Ok(Some(crate::merchants::Store {
            id,
            merchant_id: m,
            name: "总店".into(),
            is_default: true,
            active: true,
            created_at: now(),
        }))
    });
    let mut write = MockTransaction::default();
    let mut reads = 0;
    write
        .coupons
        .expect_coupon_by_code()
        .returning(move |m, _| {
            reads += 1;
            // Available when first read, used by the time the compare-and-set runs.
            let status = if reads == 1 {
                CouponStatus::Available
            } else {
                CouponStatus::Used
            };
            Ok(Some(coupon(m, template_id, status)))
        });
    write
        .coupons
        .expect_template()
        .returning(move |m, id| Ok(Some(template(m, id))));
    write
        .coupons
        .expect_use_coupon()
        .times(1)
        .returning(|_, _, _, _, _| Ok(false));
    write.coupons.expect_insert_verification().never();
    let committed = write.committed.clone();
    let loyalty = Loyalty::new(uow_with(vec![lookup, write]), clock(), MockNotifier::new());

    let refused = loyalty
        .coupons()
        .verify(
            VerifyCoupon {
                merchant_id,
                code: CouponCode::parse("123456789012").expect("code"),
                store_id: Some(StoreId::new()),
                staff_id: None,
            },
            None,
        )
        .await
        .expect_err("used meanwhile");

    assert_eq!(refused.code(), "coupon_used");
    assert!(!committed.is_set());
}
