//! Points over HTTP: the versioned earning settings and the points an order earns under them,
//! points for actions, the expiry of lots, the points liability and the what-if simulation.
//! The paths, policies and small helpers here are shared by its modules.

use loyalty_tests::{Merchant, TestApp, staff_account};
use serde_json::{Value, json};

mod actions;
mod earning;
mod earning_settings;
mod expiry;
mod liability;
mod simulation;

pub(crate) const EARNING: &str = "/api/v1/merchant/settings/earning";
pub(crate) const EXPIRY: &str = "/api/v1/merchant/settings/points-expiry";
pub(crate) const TIERS: &str = "/api/v1/merchant/settings/tiers";
pub(crate) const SIMULATE: &str = "/api/v1/merchant/settings/earning/simulate";
pub(crate) const LIABILITY: &str = "/api/v1/merchant/points/liability";
pub(crate) const ORDERS: &str = "/api/v1/merchant/orders";
pub(crate) const ACTIONS: &str = "/api/v1/member/points/actions";

/// A cashier of the merchant's `store` (shown as 收银员), signed in.
pub(crate) async fn cashier(app: &TestApp, merchant: &Merchant, store: &str) -> String {
    app.staff(
        merchant,
        staff_account("cashier", "收银员", "cashier", &[store]),
    )
    .await
}

/// The earning policy a new merchant gets, in its full serialised shape.
pub(crate) fn default_earning() -> Value {
    json!({
        "points_per_unit": 1, "unit": "1.00", "rounding": "floor", "basis": "after_discounts",
        "thresholds": [], "member_day": null, "birthday": null, "store_multipliers": [],
        "category_multipliers": [], "item_multipliers": [], "stacking": "multiply",
        "cap_per_order": null, "cap_per_day": null, "excluded_items": [],
        "excluded_categories": [],
        "actions": { "registration": null, "share": null, "review": null },
        "point_value": { "points": 100, "money": "1.00" }
    })
}

/// 1 point per 1.00; +10 from 100.00 or +30 from 200.00 of eligible spend; coffee earns
/// double; tobacco earns nothing; at most 500 points an order.
pub(crate) fn rich_earning() -> Value {
    json!({
        "points_per_unit": 1,
        "unit": "1.00",
        "thresholds": [
            { "min_amount": "100.00", "bonus": 10 },
            { "min_amount": "200.00", "bonus": 30 }
        ],
        "category_multipliers": [{ "code": "coffee", "multiplier": "2" }],
        "excluded_categories": ["tobacco"],
        "cap_per_order": 500
    })
}
