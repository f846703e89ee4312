//! Properties of checkout on a real database, over random orders: the quote equals the
//! commit, and a whole refund — at once or line by line — restores the member's points, their
//! lots' expiry and the coupons; the ledger adds up after every step. SQLite and PostgreSQL.

use crate::support::*;
use chrono::Duration;
use loyalty_core::checkout::OrderStatus;
use loyalty_core::checkout::{CommitOrder, LineInput};
use loyalty_core::coupons::CouponStatus;
use loyalty_core::kernel::Outcome;
use loyalty_core::kernel::{CouponTemplateId, Points};
use loyalty_core::members::Member;
use loyalty_core::merchants::Merchant;
use loyalty_seaorm::on_both_databases;
use loyalty_seaorm::testing::TestDatabase;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use serde_json::json;

on_both_databases! {
    random_orders_quote_as_they_commit_and_whole_refunds_restore_every_balance => super::refunds_restore;
}

/// A random order: lines (quantity, price in fen), whether to use each of two coupons,
/// points to ask for, and whether to refund it line by line.
#[derive(Debug, Clone)]
struct Case {
    lines: Vec<(i64, i64)>,
    coupons: (bool, bool),
    points: i64,
    by_lines: bool,
}

fn cases() -> impl Strategy<Value = Case> {
    (
        prop::collection::vec((1i64..4, 500i64..20_000), 1..4),
        any::<(bool, bool)>(),
        prop_oneof![Just(0i64), 1i64..250],
        any::<bool>(),
    )
        .prop_map(|(lines, coupons, points, by_lines)| Case {
            lines,
            coupons,
            points,
            by_lines,
        })
}

async fn setup(w: &World) -> (Merchant, [CouponTemplateId; 2]) {
    let (merchant, _) = merchant(w, "props")
        .points_valid_for_days(365)
        .checkout(points_as_cash("0.5"))
        .await;
    let mut templates = Vec::new();
    for benefit in [
        json!({"type": "amount_off", "threshold": "50.00", "amount": "8.00"}),
        json!({"type": "percent_off", "rate": "0.9", "cap": "30.00"}),
    ] {
        let rules = json!({
            "name": "券", "benefit": benefit, "stacking": "stackable",
            "validity": {"mode": "after_claim", "days": 30},
        });
        templates.push(coupon_template(w, &merchant, rules).await.id);
    }
    (merchant, [templates[0], templates[1]])
}

/// One case on a fresh member: whether it committed (an order refused is checked to be
/// refused alike by quote and commit), or what went wrong, so proptest can shrink it.
async fn run(
    w: &World,
    merchant: &Merchant,
    templates: [CouponTemplateId; 2],
    n: usize,
    case: &Case,
) -> Result<bool, String> {
    let m = member(w, merchant, &format!("139{n:08}"))
        .having_bought("300.00")
        .await;
    w.clock.advance(Duration::minutes(1));
    let mut codes = Vec::new();
    for (wanted, template) in [
        (case.coupons.0, templates[0]),
        (case.coupons.1, templates[1]),
    ] {
        if wanted {
            codes.push(claim(w, &m, template).await.expect("claimed").coupon.code);
        }
    }
    let lots_before = lots(w, &m).await;
    let cmd = CommitOrder {
        merchant_id: merchant.id,
        store_id: None,
        member_id: m.id,
        order_no: None,
        amount_paid: None,
        lines: case
            .lines
            .iter()
            .map(|(quantity, fen)| LineInput {
                sku: None,
                category: None,
                quantity: *quantity,
                unit_price: loyalty_core::kernel::Money::from_fen(*fen).expect("money"),
            })
            .collect(),
        coupon_codes: codes.clone(),
        points_to_use: Points::new(case.points),
        card: None,
        operator_id: None,
    };
    let quote = match w.loyalty.checkout().quote(cmd.clone()).await {
        Ok(quote) => quote,
        // A threshold not met, more points than the share: refused alike by the commit.
        Err(quoted) => {
            let committed = w
                .loyalty
                .checkout()
                .commit(cmd, None)
                .await
                .err()
                .map(|e| e.code().to_owned());
            return if committed.as_deref() == Some(quoted.code()) {
                Ok(false)
            } else {
                Err(format!(
                    "quote refused {} but commit {committed:?}",
                    quoted.code()
                ))
            };
        }
    };
    let receipt = commit(w, cmd).await;
    if receipt.pricing.as_ref() != Some(&quote.pricing) {
        return Err(format!(
            "quote {:?} != commit {:?}",
            quote.pricing, receipt.pricing
        ));
    }
    w.clock.advance(Duration::minutes(1));
    let refunds = if case.by_lines {
        receipt
            .lines
            .iter()
            .map(|l| by_lines(&receipt, &[(l.line_no, l.quantity)]))
            .collect()
    } else {
        vec![whole(&receipt)]
    };
    let mut last = None;
    for refund in refunds {
        match w.loyalty.checkout().refund(refund, None).await {
            Ok(Outcome::Done(r)) => last = Some(r),
            other => return Err(format!("refund failed: {other:?}")),
        }
    }
    let last = last.ok_or("no refund")?;
    if last.order.status != OrderStatus::Refunded
        || last.order.amount_refunded != receipt.order.amount_paid
    {
        return Err(format!("not wholly refunded: {:?}", last.order));
    }
    let after = lots(w, &m).await;
    if after != lots_before {
        return Err(format!("lots {lots_before:?} became {after:?}"));
    }
    for code in &codes {
        let coupon = w
            .loyalty
            .coupons()
            .by_code(merchant.id, code)
            .await
            .map_err(|e| e.to_string())?;
        // Every coupon chosen priced the order (else it was refused): all come back.
        if coupon.coupon.status != CouponStatus::Returned {
            return Err(format!("coupon {code} is {:?}", coupon.coupon.status));
        }
    }
    let drifts = w
        .loyalty
        .points()
        .verify_ledger()
        .await
        .map_err(|e| e.to_string())?;
    if drifts.is_empty() {
        Ok(true)
    } else {
        Err(format!("ledger drift: {drifts:?}"))
    }
}

/// The member's open points by expiry, merged (a refund may give one lot back as several).
async fn lots(w: &World, m: &Member) -> Vec<(Option<chrono::DateTime<chrono::Utc>>, i64)> {
    let summary = points_summary(w, m).await;
    let mut by_expiry: Vec<(Option<chrono::DateTime<chrono::Utc>>, i64)> = Vec::new();
    for lot in summary.lots {
        match by_expiry.iter_mut().find(|(at, _)| *at == lot.expires_at) {
            Some((_, sum)) => *sum += lot.remaining.value(),
            None => by_expiry.push((lot.expires_at, lot.remaining.value())),
        }
    }
    by_expiry.sort();
    by_expiry
}

async fn refunds_restore(db: &TestDatabase) {
    let w = world(db);
    let (merchant, templates) = setup(&w).await;
    let mut runner = TestRunner::new(Config {
        cases: 24,
        failure_persistence: None,
        ..Config::default()
    });
    let handle = tokio::runtime::Handle::current();
    let counter = std::cell::Cell::new(0usize);
    let committed = std::cell::Cell::new(0usize);
    let result = runner.run(&cases(), |case| {
        counter.set(counter.get() + 1);
        let outcome = tokio::task::block_in_place(|| {
            handle.block_on(run(&w, &merchant, templates, counter.get(), &case))
        });
        prop_assert!(outcome.is_ok(), "{case:?}: {outcome:?}");
        if outcome == Ok(true) {
            committed.set(committed.get() + 1);
        }
        Ok(())
    });
    if let Err(failure) = result {
        panic!("{failure}");
    }
    // Most random orders price and commit; the property is about them.
    assert!(
        committed.get() >= 8,
        "only {} of 24 orders committed",
        committed.get()
    );
}
