//! Refunds on real databases: a whole refund gives back every point, its expiry and the coupon;
//! refunds by lines give back their shares and never more; an order paid with points and
//! coupons only refunds them; concurrent refunds never exceed what was paid.

use super::{basket, member_with_points, shop};
use crate::support::refusal;
use crate::support::*;
use chrono::Duration;
use loyalty_core::Error;
use loyalty_core::checkout::CheckoutError;
use loyalty_core::checkout::OrderStatus;
use loyalty_core::checkout::{CommitOrder, LineInput, RefundOrder};
use loyalty_core::coupons::CouponStatus;
use loyalty_core::kernel::Points;
use loyalty_core::settings::Setting;
use loyalty_seaorm::on_both_databases;
use loyalty_seaorm::testing::TestDatabase;
use std::sync::Arc;

on_both_databases! {
    a_whole_refund_gives_back_every_point_and_the_coupon => super::whole_refund;
    refunds_by_lines_give_back_their_shares_and_never_more => super::line_refunds;
    an_order_paid_with_points_and_coupons_only_refunds_them => super::free_order_refund;
    concurrent_refunds_never_exceed_what_was_paid => super::refund_race;
}

async fn whole_refund(db: &TestDatabase) {
    let w = world(db);
    let (merchant, template) = shop(&w).await;
    let (m, code) = member_with_points(&w, &merchant, template).await;
    let lots_before = points_summary(&w, &m).await.lots;
    let receipt = commit(&w, basket(&m, vec![code.clone()], 300)).await;
    w.clock.advance(Duration::hours(1));
    let refunded = refund(&w, whole(&receipt)).await.expect("refunded");
    assert_eq!(refunded.refund.amount, money("85.30"));
    assert_eq!(
        (
            refunded.refund.points_reversed,
            refunded.refund.points_returned
        ),
        (Points::new(85), Points::new(300))
    );
    assert_eq!(refunded.refund.coupons_returned, 1);
    assert_eq!(refunded.order.status, OrderStatus::Refunded);
    // Every balance as before the order: the points, their expiry, the coupon.
    assert_eq!(points_balance(&w, &m).await, Points::new(500));
    let lots_after = points_summary(&w, &m).await.lots;
    let expiries = |lots: &[loyalty_core::points::OpenLot]| -> Vec<_> {
        let mut v: Vec<_> = lots.iter().map(|l| (l.expires_at, l.remaining)).collect();
        v.sort();
        v
    };
    // The points go back into the lot they came from: one lot per expiry.
    assert_eq!(
        expiries(&lots_after),
        vec![(lots_before[0].expires_at, Points::new(500))]
    );
    assert_eq!(lots_after[0].id, lots_before[0].id);
    let back = coupon_by_code(&w, &merchant, &code).await;
    assert_eq!(back.coupon.status, CouponStatus::Returned);
    // Returned is usable: the next order takes it again.
    let again = commit(&w, basket(&m, vec![code], 0)).await;
    assert_eq!(again.order.coupon_discount, money("20.00"));
    // And a whole refund applies once.
    let twice = refund(&w, whole(&receipt)).await;
    assert!(
        matches!(
            refusal(&twice),
            Some(CheckoutError::RefundExceedsPaid { .. })
        ),
        "{twice:?}"
    );
    assert_ledger_consistent(&w).await;
}

async fn line_refunds(db: &TestDatabase) {
    let w = world(db);
    let (merchant, template) = shop(&w).await;
    let (m, code) = member_with_points(&w, &merchant, template).await;
    let receipt = commit(&w, basket(&m, vec![code.clone()], 300)).await;
    // The 85 points earned are the lines' 47.89 and 37.41 exact points, to the point: 48
    // and 37.
    let earned: Vec<i64> = receipt
        .lines
        .iter()
        .map(|l| l.points_earned.value())
        .collect();
    assert_eq!(earned, [48, 37]);
    // One of the two lattes: half of 47.89 rounded down, half of its 168 points used, half
    // of the 48 it earned.
    let one = refund(&w, by_lines(&receipt, &[(1, 1)]))
        .await
        .expect("one latte");
    assert_eq!(one.refund.amount, money("23.94"));
    assert_eq!(one.refund.points_returned, Points::new(84));
    assert_eq!(one.refund.points_reversed, Points::new(24));
    assert_eq!(one.order.status, OrderStatus::PartiallyRefunded);
    let too_many = refund(&w, by_lines(&receipt, &[(1, 2)])).await;
    assert!(
        matches!(
            refusal(&too_many),
            Some(CheckoutError::RefundExceedsPaid { .. })
        ),
        "{too_many:?}"
    );
    let no_line = refund(&w, by_lines(&receipt, &[(3, 1)])).await;
    assert!(matches!(no_line, Err(Error::Invalid(_))), "{no_line:?}");
    // The rest: the other latte and the cake add up to exactly what is left.
    let rest = refund(&w, by_lines(&receipt, &[(1, 1), (2, 1)]))
        .await
        .expect("the rest");
    assert_eq!(rest.refund.amount, money("61.36"));
    assert_eq!(rest.refund.points_returned, Points::new(216));
    assert_eq!(rest.refund.points_reversed, Points::new(61));
    assert_eq!(rest.order.status, OrderStatus::Refunded);
    assert_eq!(rest.order.amount_refunded, receipt.order.amount_paid);
    assert_eq!(rest.refund.coupons_returned, 1);
    assert_eq!(points_balance(&w, &m).await, Points::new(500));
    let after = w
        .loyalty
        .checkout()
        .order_with_lines(merchant.id, receipt.order.id)
        .await
        .expect("order");
    let refunded: Vec<i64> = after.1.iter().map(|l| l.refunded_quantity).collect();
    assert_eq!(refunded, [2, 1]);
    assert_ledger_consistent(&w).await;
}

async fn free_order_refund(db: &TestDatabase) {
    let w = world(db);
    let (merchant, _) = shop(&w).await;
    put_setting(&w, &merchant, Setting::Checkout(points_as_cash("1"))).await;
    let m = member(&w, &merchant, "13800000001")
        .having_bought("200.00")
        .await;
    let small = CommitOrder {
        lines: vec![LineInput {
            sku: None,
            category: None,
            quantity: 1,
            unit_price: money("1.00"),
        }],
        ..basket(&m, Vec::new(), 95)
    };
    // 1.00 × 0.95 = 0.95, paid with 95 points: nothing due, nothing earned.
    let receipt = commit(&w, small).await;
    assert_eq!(
        (receipt.order.amount_paid, receipt.order.points_earned),
        (money("0.00"), Points::ZERO)
    );
    assert_eq!(points_balance(&w, &m).await, Points::new(105));
    let refunded = refund(&w, whole(&receipt)).await.expect("refunded");
    assert_eq!(
        (refunded.refund.amount, refunded.refund.points_returned),
        (money("0.00"), Points::new(95))
    );
    assert_eq!(refunded.order.status, OrderStatus::Refunded);
    assert_eq!(points_balance(&w, &m).await, Points::new(200));
    assert!(matches!(
        refusal(&refund(&w, whole(&receipt)).await),
        Some(CheckoutError::RefundExceedsPaid { .. })
    ));
    assert_ledger_consistent(&w).await;
}

async fn refund_race(db: &TestDatabase) {
    let w = Arc::new(world(db));
    let (merchant, _) = merchant(&w, "refunds").await;
    let m = member(&w, &merchant, "13800000005").await;
    let receipt = commit(&w, order(&merchant, &m, "100.00")).await;
    let tasks: Vec<_> = (0..12)
        .map(|_| {
            let w = Arc::clone(&w);
            let cmd = RefundOrder {
                amount: Some(money("30.00")),
                ..whole(&receipt)
            };
            tokio::spawn(async move { w.loyalty.checkout().refund(cmd, None).await })
        })
        .collect();
    let (refunded, _) = settle(tasks, |e| e.code() == "refund_exceeds_paid").await;
    assert_eq!(refunded.len(), 3);
    let after = w
        .loyalty
        .checkout()
        .order(merchant.id, receipt.order.id)
        .await
        .expect("order");
    assert_eq!(
        (after.amount_refunded, after.points_reversed),
        (money("90.00"), Points::new(90))
    );
    assert_eq!(points_balance(&w, &m).await, Points::new(10));
    assert_ledger_consistent(&w).await;
}
