//! Checkout on real databases: an order priced with the tier discount, a coupon and points
//! as cash committed at once, quotes that equal commits, refunds by lines and in whole that
//! give every balance back, and races for one coupon; on SQLite and PostgreSQL.

use crate::support::refusal;
use crate::support::*;
use chrono::Duration;
use loyalty_core::Error;
use loyalty_core::checkout::CheckoutError;
use loyalty_core::checkout::CheckoutSettings;
use loyalty_core::checkout::OrderStatus;
use loyalty_core::checkout::PricingError;
use loyalty_core::checkout::{CommitOrder, LineInput, RefundOrder};
use loyalty_core::coupons::CouponCode;
use loyalty_core::coupons::CouponStatus;
use loyalty_core::coupons::CouponsError;
use loyalty_core::kernel::{CouponTemplateId, Points};
use loyalty_core::members::Member;
use loyalty_core::merchants::Merchant;
use loyalty_core::settings::Setting;
use loyalty_seaorm::on_both_databases;
use loyalty_seaorm::testing::TestDatabase;
use serde_json::json;
use std::sync::Arc;

on_both_databases! {
    an_order_with_a_tier_discount_a_coupon_and_points_commits_all_at_once => super::priced_order;
    a_whole_refund_gives_back_every_point_and_the_coupon => super::whole_refund;
    refunds_by_lines_give_back_their_shares_and_never_more => super::line_refunds;
    two_orders_racing_for_one_coupon_commit_once => super::coupon_race;
    an_order_paid_with_points_and_coupons_only_refunds_them => super::free_order_refund;
    a_coupon_of_another_member_or_used_already_refuses_the_order => super::foreign_coupon;
    a_refund_of_spent_points_leaves_a_debt_the_next_points_pay_off => super::points_debt;
    refunding_a_line_takes_back_what_that_line_earned => super::line_points;
    lines_of_orders_from_before_checkout_refund_points_in_proportion => super::old_lines;
    points_past_their_expiry_are_not_spent_as_cash_even_before_the_job_runs => super::due_lots;
}

/// A merchant with 9.5 折 for its first tier, points as cash at 100 = 1.00 up to half the
/// order, points that expire after a year, and a 满100减20 coupon template.
async fn shop(w: &World) -> (Merchant, CouponTemplateId) {
    let ladder = serde_json::from_value(json!({
        "basis": "spend", "window": {"mode": "lifetime"},
        "levels": [
            {"code": "normal", "name": "普通会员", "threshold": 0, "benefits": {"discount_rate": "0.95"}},
            {"code": "gold", "name": "金卡", "threshold": 100000000}
        ]
    }))
    .expect("ladder");
    let (merchant, _) = merchant(w, "shop")
        .points_valid_for_days(365)
        .tiers(ladder)
        .checkout(points_as_cash("0.5"))
        .await;
    let template = coupon_template(w, &merchant, json!({"stacking": "stackable"})).await;
    (merchant, template.id)
}

async fn coupon(w: &World, m: &Member, template: CouponTemplateId) -> CouponCode {
    claim(w, m, template).await.expect("claimed").coupon.code
}

/// Two lattes at 32.00 and a cake at 50.00, with the coupons and points given.
fn basket(m: &Member, coupons: Vec<CouponCode>, points: i64) -> CommitOrder {
    let line = |sku: &str, category: &str, quantity, price: &str| LineInput {
        sku: Some(sku.into()),
        category: Some(category.into()),
        quantity,
        unit_price: money(price),
    };
    CommitOrder {
        merchant_id: m.merchant_id,
        store_id: None,
        member_id: m.id,
        order_no: None,
        amount_paid: None,
        lines: vec![
            line("latte", "coffee", 2, "32.00"),
            line("cake", "dessert", 1, "50.00"),
        ],
        coupon_codes: coupons,
        points_to_use: Points::new(points),
        operator_id: None,
    }
}

/// The member with 500 points from an earlier order, and a coupon.
async fn member_with_points(
    w: &World,
    merchant: &Merchant,
    template: CouponTemplateId,
) -> (Member, CouponCode) {
    let m = member(w, merchant, "13800000001")
        .having_bought("500.00")
        .await;
    let code = coupon(w, &m, template).await;
    (m, code)
}

async fn priced_order(db: &TestDatabase) {
    let w = world(db);
    let (merchant, template) = shop(&w).await;
    let (m, code) = member_with_points(&w, &merchant, template).await;
    assert_eq!(points_balance(&w, &m).await, Points::new(500));

    let quote = w
        .loyalty
        .checkout()
        .quote(basket(&m, vec![code.clone()], 300))
        .await
        .expect("quoted");
    let receipt = commit(&w, basket(&m, vec![code.clone()], 300)).await;
    let pricing = receipt.pricing.clone().expect("priced by the engine");
    // The quote is the commit, and it changed nothing.
    assert_eq!(quote.pricing, pricing);
    assert_eq!(quote.points_to_earn, receipt.order.points_earned);

    // 114.00 → 9.5 折 108.30 (60.80 + 47.50) → 20.00 off (11.23 + 8.77) → 300 points = 3.00
    // (1.68 + 1.32) → 85.30 due, which earns 85 points.
    let o = &receipt.order;
    assert_eq!(
        (
            o.gross,
            o.tier_discount,
            o.coupon_discount,
            o.points_discount,
            o.amount_paid
        ),
        (
            money("114.00"),
            money("5.70"),
            money("20.00"),
            money("3.00"),
            money("85.30")
        )
    );
    assert_eq!(
        (o.points_used, o.points_earned),
        (Points::new(300), Points::new(85))
    );
    let paid: Vec<String> = receipt.lines.iter().map(|l| l.paid.to_string()).collect();
    assert_eq!(paid, ["47.89", "37.41"]);
    let points: Vec<i64> = receipt
        .lines
        .iter()
        .map(|l| l.points_used.value())
        .collect();
    assert_eq!(points, [168, 132]);
    assert_eq!(pricing.points_max_usable, Points::new(500));
    assert_eq!(receipt.balance_after, Points::new(500 - 300 + 85));
    assert_eq!(points_balance(&w, &m).await, Points::new(285));

    let used = w
        .loyalty
        .coupons()
        .by_code(merchant.id, &code)
        .await
        .expect("coupon");
    assert_eq!(used.coupon.status, CouponStatus::Used);
    assert_eq!(used.coupon.used_order_id, Some(o.id));
    let log = w
        .loyalty
        .coupons()
        .verifications(merchant.id, None, None, 10)
        .await
        .expect("log");
    assert_eq!(log[0].order_id, Some(o.id));

    // More points than half the order can take is refused, with the most it can take.
    let greedy = w
        .loyalty
        .checkout()
        .quote(basket(&m, Vec::new(), 5_000))
        .await;
    assert!(
        matches!(refusal(&greedy), Some(PricingError::PointsExceedLimit { max }) if *max == Points::new(285)),
        "{greedy:?}"
    );
    assert_ledger_consistent(&w).await;
}

async fn whole_refund(db: &TestDatabase) {
    let w = world(db);
    let (merchant, template) = shop(&w).await;
    let (m, code) = member_with_points(&w, &merchant, template).await;
    let lots_before = w
        .loyalty
        .points()
        .summary(merchant.id, m.id)
        .await
        .expect("summary")
        .lots;
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
    let lots_after = w
        .loyalty
        .points()
        .summary(merchant.id, m.id)
        .await
        .expect("summary")
        .lots;
    let expiries = |lots: &[loyalty_core::points::OpenLot]| -> Vec<_> {
        let mut v: Vec<_> = lots.iter().map(|l| (l.expires_at, l.remaining)).collect();
        v.sort();
        v
    };
    assert_eq!(
        expiries(&lots_after),
        vec![
            (lots_before[0].expires_at, Points::new(200)),
            (lots_before[0].expires_at, Points::new(300)),
        ]
    );
    let back = w
        .loyalty
        .coupons()
        .by_code(merchant.id, &code)
        .await
        .expect("coupon");
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

async fn coupon_race(db: &TestDatabase) {
    let w = Arc::new(world(db));
    let (merchant, template) = shop(&w).await;
    let (m, code) = member_with_points(&w, &merchant, template).await;
    let tasks: Vec<_> = (0..2)
        .map(|_| {
            let w = Arc::clone(&w);
            let cmd = basket(&m, vec![code.clone()], 100);
            tokio::spawn(async move { w.loyalty.checkout().commit(cmd, None).await })
        })
        .collect();
    let (mut ok, mut used) = (0, 0);
    for task in tasks {
        match task.await.expect("task ran") {
            Ok(_) => ok += 1,
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
    // The loser spent nothing: 500 − 100 + what the winner earned.
    let earned = 500 - 100;
    assert!(points_balance(&w, &m).await > Points::new(earned));
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

async fn foreign_coupon(db: &TestDatabase) {
    let w = world(db);
    let (merchant, template) = shop(&w).await;
    let (m, code) = member_with_points(&w, &merchant, template).await;
    let other = member(&w, &merchant, "13900000002").await;
    let theirs = w
        .loyalty
        .checkout()
        .commit(basket(&other, vec![code.clone()], 0), None)
        .await;
    assert!(
        matches!(theirs, Err(Error::NotFound(loyalty_core::coupons::COUPON))),
        "{theirs:?}"
    );
    commit(&w, basket(&m, vec![code.clone()], 0)).await;
    let again = w
        .loyalty
        .checkout()
        .commit(basket(&m, vec![code], 0), None)
        .await;
    assert!(
        matches!(
            refusal(&again),
            Some(CouponsError::CouponNotUsable(CouponStatus::Used))
        ),
        "{again:?}"
    );
    // The refused orders left no trace.
    assert_eq!(points_balance(&w, &other).await, Points::ZERO);
    assert_ledger_consistent(&w).await;
}

async fn debt_of(w: &World, m: &Member) -> (Points, Points) {
    let now = w
        .loyalty
        .members()
        .member(m.merchant_id, m.id)
        .await
        .expect("member");
    (now.points_balance, now.points_debt)
}

async fn points_debt(db: &TestDatabase) {
    let w = world(db);
    let (merchant, _) = shop(&w).await;
    let m = member(&w, &merchant, "13800000001").await;
    let bought = commit(&w, order(&merchant, &m, "100.00")).await;
    adjust_points(&w, &m, -100, "test").await;
    // The refund takes back 100 earned points that are gone: the member owes them.
    let refunded = refund(&w, whole(&bought)).await.expect("refunded");
    assert_eq!(refunded.refund.points_shortfall, Points::new(100));
    assert_eq!(debt_of(&w, &m).await, (Points::ZERO, Points::new(100)));
    // The next points pay it off first: 30 earned, all repaid.
    let next = commit(&w, order(&merchant, &m, "30.00")).await;
    assert_eq!(next.balance_after, Points::ZERO);
    assert_eq!(debt_of(&w, &m).await, (Points::ZERO, Points::new(70)));
    // A manual credit of 100 repays the other 70 and leaves 30.
    adjust_points(&w, &m, 100, "test").await;
    assert_eq!(debt_of(&w, &m).await, (Points::new(30), Points::ZERO));
    let ledger = w
        .loyalty
        .points()
        .ledger(merchant.id, m.id, None, 20)
        .await
        .expect("ledger");
    let repaid: Vec<i64> = ledger
        .entries
        .iter()
        .filter(|e| e.reason_code == "debt_repaid")
        .map(|e| e.delta.value())
        .collect();
    assert_eq!(repaid, [-70, -30]);
    assert_ledger_consistent(&w).await;

    // Under the claw-back policy the shortfall is recorded and nothing is owed.
    let claw_back = CheckoutSettings {
        points_shortfall: loyalty_core::points::ShortfallPolicy::ClawBackToZero,
        ..CheckoutSettings::default()
    };
    put_setting(&w, &merchant, Setting::Checkout(claw_back)).await;
    let other = member(&w, &merchant, "13900000002").await;
    let bought = commit(&w, order(&merchant, &other, "50.00")).await;
    adjust_points(&w, &other, -50, "test").await;
    let refunded = refund(&w, whole(&bought)).await.expect("refunded");
    assert_eq!(refunded.refund.points_shortfall, Points::new(50));
    assert_eq!(debt_of(&w, &other).await, (Points::ZERO, Points::ZERO));
}

async fn line_points(db: &TestDatabase) {
    let w = world(db);
    let (merchant, _) = shop(&w).await;
    let no_dessert = loyalty_core::points::EarningPolicy {
        excluded_categories: vec!["dessert".into()],
        ..loyalty_core::points::EarningPolicy::default()
    };
    put_setting(&w, &merchant, Setting::Earning(no_dessert)).await;
    let m = member(&w, &merchant, "13800000001").await;
    // Lattes 64.00 → 60.80 earn 60; the cake (47.50) earns nothing.
    let receipt = commit(&w, basket(&m, Vec::new(), 0)).await;
    let earned: Vec<i64> = receipt
        .lines
        .iter()
        .map(|l| l.points_earned.value())
        .collect();
    assert_eq!(earned, [60, 0]);
    let cake = refund(&w, by_lines(&receipt, &[(2, 1)]))
        .await
        .expect("the cake");
    assert_eq!(
        (cake.refund.amount, cake.refund.points_reversed),
        (money("47.50"), Points::ZERO)
    );
    assert_eq!(points_balance(&w, &m).await, Points::new(60));
    let lattes = refund(&w, by_lines(&receipt, &[(1, 2)]))
        .await
        .expect("the lattes");
    assert_eq!(lattes.refund.points_reversed, Points::new(60));
    assert_eq!(lattes.order.status, OrderStatus::Refunded);
    assert_eq!(points_balance(&w, &m).await, Points::ZERO);

    // The cake by its line, then half of what is left by amount: half of the lattes' 60,
    // not a share of the whole order's money counted again.
    let again = commit(&w, basket(&m, Vec::new(), 0)).await;
    refund(&w, by_lines(&again, &[(2, 1)]))
        .await
        .expect("the cake");
    let half = refund(
        &w,
        RefundOrder {
            amount: Some(money("30.40")),
            ..whole(&again)
        },
    )
    .await
    .expect("half the rest");
    assert_eq!(half.refund.points_reversed, Points::new(30));
    let rest = refund(&w, whole(&again)).await.expect("the rest");
    assert_eq!(
        (rest.refund.amount, rest.refund.points_reversed),
        (money("30.40"), Points::new(30))
    );
    assert_ledger_consistent(&w).await;
}

async fn old_lines(db: &TestDatabase) {
    let w = world(db);
    let (merchant, _) = merchant(&w, "old").await;
    let m = member(&w, &merchant, "13800000001").await;
    let till_priced = CommitOrder {
        amount_paid: Some(money("100.00")),
        lines: vec![
            LineInput {
                sku: None,
                category: None,
                quantity: 1,
                unit_price: money("60.00"),
            },
            LineInput {
                sku: None,
                category: None,
                quantity: 1,
                unit_price: money("40.00"),
            },
        ],
        ..order(&merchant, &m, "100.00")
    };
    let receipt = commit(&w, till_priced).await;
    // As an order migrated from before checkout: its lines carry no earned points.
    sea_orm::ConnectionTrait::execute_unprepared(
        &db.db,
        "UPDATE order_lines SET points_earned = 0",
    )
    .await
    .expect("cleared");
    let first = refund(&w, by_lines(&receipt, &[(1, 1)]))
        .await
        .expect("refunded");
    // 60.00 of 100.00 paid: 60 of the 100 points, by the proportional rule.
    assert_eq!(first.refund.points_reversed, Points::new(60));
    assert_ledger_consistent(&w).await;
}

async fn due_lots(db: &TestDatabase) {
    let w = world(db);
    let (merchant, _) = shop(&w).await;
    let m = member(&w, &merchant, "13800000001")
        .having_bought("500.00")
        .await;
    w.clock.advance(Duration::days(200));
    commit(&w, order(&merchant, &m, "100.00")).await;
    // The first 500 points expired 365 days after they were earned; no job has run.
    w.clock.advance(Duration::days(170));
    assert_eq!(points_balance(&w, &m).await, Points::new(600));
    let quote = w
        .loyalty
        .checkout()
        .quote(basket(&m, Vec::new(), 0))
        .await
        .expect("quoted");
    assert_eq!(quote.pricing.points_max_usable, Points::new(100));
    let too_many = w
        .loyalty
        .checkout()
        .commit(basket(&m, Vec::new(), 150), None)
        .await;
    assert!(
        matches!(refusal(&too_many), Some(PricingError::PointsExceedLimit { max }) if *max == Points::new(100)),
        "{too_many:?}"
    );
    let paid = commit(&w, basket(&m, Vec::new(), 100)).await;
    assert_eq!(paid.order.points_used, Points::new(100));
    // The due lot is the job's: it expires whole, and the ledger adds up.
    let expired = w.loyalty.points().expire_due(10).await.expect("job");
    assert_eq!(expired.iter().map(|e| e.delta.value()).sum::<i64>(), -500);
    assert_eq!(points_balance(&w, &m).await, paid.order.points_earned);
    assert_ledger_consistent(&w).await;
}
