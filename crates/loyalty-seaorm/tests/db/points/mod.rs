//! The points account on real databases: its ledger, spending, expiry and the earning rules,
//! each under concurrency, on SQLite and PostgreSQL.

mod earning;
mod expiry;
mod ledger;
mod spending;

use loyalty_core::kernel::{MemberId, MerchantId, Points};
use loyalty_core::points::Source;
use loyalty_core::points::SpendPoints;

/// A redemption of `amount` points for `source`.
fn redeem(
    merchant_id: MerchantId,
    member_id: MemberId,
    amount: i64,
    source: Source,
) -> SpendPoints {
    SpendPoints {
        merchant_id,
        member_id,
        amount: Points::new(amount),
        reason_code: "redeem".into(),
        title: "兑换".into(),
        store_id: None,
        source,
        operator_id: None,
    }
}
