//! Coupons over HTTP: templates HQ makes, coupons members claim, verification at a store and its
//! undoing, revocation; what a cashier may do with them, and what is refused.

use loyalty_tests::{Answer, TestApp};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

mod refusals;
mod verification;

pub(crate) async fn put(app: &TestApp, path: &str, token: &str, body: Value) -> Answer {
    app.send(app.request(Method::PUT, path, Some(token)).json(&body))
        .await
}

pub(crate) async fn template(app: &TestApp, token: &str, body: Value) -> String {
    let created = app
        .post("/api/v1/merchant/coupon-templates", token, body)
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    created.body["id"].as_str().expect("id").to_owned()
}

pub(crate) fn full_off() -> Value {
    json!({
        "name": "满100减20", "stock": 10, "per_member_limit": 1, "stacking": "stackable",
        "benefit": { "type": "amount_off", "threshold": "100.00", "amount": "20.00" },
        "validity": { "mode": "after_claim", "days": 7 }
    })
}
