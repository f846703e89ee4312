//! Coupons over HTTP: templates HQ makes, coupons members claim, verification at a store and its
//! undoing, revocation; what a cashier may do with them, and what is refused.

use loyalty_tests::{Answer, TestApp};
use serde_json::{Value, json};

mod refusals;
mod verification;

/// 满100减20: 20.00 off from 100.00, ten in stock, one a member, for seven days after the
/// claim.
pub(crate) fn full_off() -> Value {
    json!({
        "name": "满100减20", "stock": 10, "per_member_limit": 1, "stacking": "stackable",
        "benefit": { "type": "amount_off", "threshold": "100.00", "amount": "20.00" },
        "validity": { "mode": "after_claim", "days": 7 }
    })
}

/// The till verifies the coupon `code` at `store`, or at the cashier's own store when it
/// names none.
pub(crate) async fn verify(app: &TestApp, token: &str, code: &str, store: Option<&str>) -> Answer {
    let body = match store {
        Some(store) => json!({ "code": code, "store_id": store }),
        None => json!({ "code": code }),
    };
    app.post("/api/v1/merchant/verifications", token, body)
        .await
}
