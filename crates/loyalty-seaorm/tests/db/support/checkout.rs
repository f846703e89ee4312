//! Orders committed and refunded without an idempotency key.

use super::{World, done, money};
use loyalty_core::Error;
use loyalty_core::checkout::{
    CheckoutSettings, CommitOrder, OrderReceipt, RefundLineInput, RefundOrder, RefundReceipt,
};
use loyalty_core::kernel::Points;
use loyalty_core::members::Member;
use loyalty_core::merchants::Merchant;
use serde_json::json;

/// An order of `amount` by `member` at the default store, without lines.
pub fn order(merchant: &Merchant, member: &Member, amount: &str) -> CommitOrder {
    CommitOrder {
        merchant_id: merchant.id,
        store_id: None,
        member_id: member.id,
        order_no: None,
        amount_paid: Some(money(amount)),
        lines: Vec::new(),
        coupon_codes: Vec::new(),
        points_to_use: Points::ZERO,
        card: None,
        operator_id: None,
    }
}

/// Commits `cmd` (no idempotency key, so never a replay).
pub async fn commit(w: &World, cmd: CommitOrder) -> OrderReceipt {
    done(
        w.loyalty
            .checkout()
            .commit(cmd, None)
            .await
            .expect("order commits"),
    )
}

/// Refunds by `cmd` (no idempotency key, so never a replay).
pub async fn refund(w: &World, cmd: RefundOrder) -> Result<RefundReceipt, Error> {
    w.loyalty.checkout().refund(cmd, None).await.map(done)
}

/// A refund of all that is left of the order.
pub fn whole(receipt: &OrderReceipt) -> RefundOrder {
    RefundOrder {
        merchant_id: receipt.order.merchant_id,
        order_id: receipt.order.id,
        amount: None,
        lines: Vec::new(),
        operator_id: None,
    }
}

/// A refund of these `(line_no, quantity)` of the order.
pub fn by_lines(receipt: &OrderReceipt, lines: &[(i32, i64)]) -> RefundOrder {
    RefundOrder {
        lines: lines
            .iter()
            .map(|&(line_no, quantity)| RefundLineInput { line_no, quantity })
            .collect(),
        ..whole(receipt)
    }
}

/// Checkout settings where points pay as cash, 100 points for 1.00, up to `max_share` of the
/// order.
pub fn points_as_cash(max_share: &str) -> CheckoutSettings {
    CheckoutSettings {
        points_as_cash: Some(
            serde_json::from_value(json!({"points": 100, "money": "1.00", "max_share": max_share}))
                .expect("rule"),
        ),
        ..CheckoutSettings::default()
    }
}
