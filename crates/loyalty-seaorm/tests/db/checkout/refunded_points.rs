//! The points a refund takes back, on real databases: spent ones leave a debt the next points
//! pay off (or nothing under the claw-back policy), a line takes back what it earned, and lines
//! of orders from before checkout take back in proportion.

use super::{basket, shop};
use crate::support::*;
use loyalty_core::checkout::CheckoutSettings;
use loyalty_core::checkout::OrderStatus;
use loyalty_core::checkout::{CommitOrder, LineInput, RefundOrder};
use loyalty_core::kernel::Points;
use loyalty_core::members::Member;
use loyalty_core::settings::Setting;
use loyalty_seaorm::on_both_databases;
use loyalty_seaorm::testing::TestDatabase;

on_both_databases! {
    a_refund_of_spent_points_leaves_a_debt_the_next_points_pay_off => super::points_debt;
    refunding_a_line_takes_back_what_that_line_earned => super::line_points;
    lines_of_orders_from_before_checkout_refund_points_in_proportion => super::old_lines;
}

async fn debt_of(w: &World, m: &Member) -> (Points, Points) {
    let now = member_now(w, m).await;
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
