//! Checkout at the till over HTTP: a member claims a coupon in the mini-program, the till quotes
//! an order with the coupon and points as cash, commits it (a replay changes nothing) and refunds
//! it by lines until every point and the coupon are back.

use crate::coupons::full_off;
use loyalty_seaorm::on_both_databases;
use loyalty_seaorm::testing::TestDatabase;
use loyalty_tests::spawn_app;
use reqwest::StatusCode;
use serde_json::{Value, json};

on_both_databases! {
    a_member_claims_a_coupon_and_the_till_prices_commits_and_refunds_an_order_with_it => super::checkout;
}

fn basket(member: &str, coupon: &str, points: i64) -> Value {
    json!({
        "member_id": member,
        "lines": [
            { "sku": "latte", "category": "coffee", "quantity": 2, "unit_price": "32.00" },
            { "sku": "cake", "category": "dessert", "quantity": 1, "unit_price": "50.00" }
        ],
        "coupon_codes": [coupon],
        "points": points
    })
}

async fn checkout(db: &TestDatabase) {
    let app = spawn_app(db).await;
    let hq = app.merchant("cafe").await.owner;
    app.save_settings(
        "/api/v1/merchant/settings/checkout",
        &hq,
        json!({ "points_as_cash": { "points": 100, "money": "1.00", "max_share": "0.5" } }),
    )
    .await;
    let template = app.coupon_template(&hq, full_off()).await;

    // The member earns 200 points, sees the template, claims it once.
    let member = app.member(&hq, "13800000001").await;
    app.purchase(&hq, &member, "200.00").await;
    let me = app.member_token("cafe", "13800000001").await;
    let open = app.get("/api/v1/member/coupon-templates", &me).await;
    assert_eq!(
        open.body["items"][0]["id"],
        template.as_str(),
        "{}",
        open.text
    );
    assert_eq!(open.body["items"][0]["remaining"], 10);
    let claim = format!("/api/v1/member/coupon-templates/{template}/claim");
    let (claimed, replay) = app
        .post_with_key_twice(&claim, &me, "claim-1", json!({}))
        .await;
    assert_eq!(claimed.status, StatusCode::CREATED, "{}", claimed.text);
    assert_eq!(
        replay.body, claimed.body,
        "a replay answers the first claim"
    );
    app.post(&claim, &me, json!({}))
        .await
        .assert_problem(422, "coupon_limit_reached");
    let code = claimed.body["code"].as_str().expect("code").to_owned();
    let mine = app
        .get("/api/v1/member/coupons?status=available", &me)
        .await;
    assert_eq!(
        mine.body["items"].as_array().map(Vec::len),
        Some(1),
        "{}",
        mine.text
    );
    assert_eq!(mine.body["items"][0]["benefit"]["type"], "amount_off");

    // The till quotes, then commits; the quote is the order.
    let quote = app
        .post(
            "/api/v1/merchant/orders/quote",
            &hq,
            basket(&member, &code, 100),
        )
        .await;
    assert_eq!(quote.status, StatusCode::OK, "{}", quote.text);
    // 114.00 − 20.00 (满100减20) − 1.00 (100 points) = 93.00.
    assert_eq!(
        quote.body["pricing"]["amount_due"], "93.00",
        "{}",
        quote.text
    );
    let steps: Vec<&str> = quote.body["pricing"]["steps"]
        .as_array()
        .expect("steps")
        .iter()
        .map(|s| s["step"].as_str().expect("step"))
        .collect();
    assert_eq!(
        steps,
        ["line_prices", "coupon", "points_as_cash", "amount_due"]
    );
    let (order, again) = app
        .post_with_key_twice(
            "/api/v1/merchant/orders",
            &hq,
            "order-1",
            basket(&member, &code, 100),
        )
        .await;
    assert_eq!(order.status, StatusCode::CREATED, "{}", order.text);
    assert_eq!(order.body["pricing"], quote.body["pricing"]);
    assert_eq!(order.body["order"]["amount_paid"], "93.00");
    assert_eq!(order.body["order"]["coupon_discount"], "20.00");
    assert_eq!(order.body["points_earned"], 93);
    assert_eq!(order.body["balance_after"], 200 - 100 + 93);
    assert_eq!(again.body, order.body, "a replay changes nothing");
    let order_id = order.body["order"]["id"].as_str().expect("id").to_owned();
    let used = app
        .get(&format!("/api/v1/merchant/coupons/{code}"), &hq)
        .await;
    assert_eq!(used.body["status"], "used");

    // Refund one latte, then the rest.
    let refunds = format!("/api/v1/merchant/orders/{order_id}/refunds");
    let one = app
        .post(
            &refunds,
            &hq,
            json!({ "lines": [{ "line_no": 1, "quantity": 1 }] }),
        )
        .await;
    assert_eq!(one.status, StatusCode::CREATED, "{}", one.text);
    assert_eq!(one.body["refund"]["lines"][0]["quantity"], 1);
    assert_eq!(one.body["order"]["status"], "partially_refunded");
    let fetched = app
        .get(&format!("/api/v1/merchant/orders/{order_id}"), &hq)
        .await;
    assert_eq!(
        fetched.body["status"], "partially_refunded",
        "{}",
        fetched.text
    );
    assert_eq!(fetched.body["lines"][0]["refunded_quantity"], 1);
    let rest = app.post(&refunds, &hq, json!({})).await;
    assert_eq!(rest.status, StatusCode::CREATED, "{}", rest.text);
    assert_eq!(rest.body["order"]["status"], "refunded");
    assert_eq!(rest.body["order"]["amount_refunded"], "93.00");
    assert_eq!(rest.body["order"]["points_returned"], 100);
    assert_eq!(rest.body["refund"]["coupons_returned"], 1);
    assert_eq!(rest.body["balance_after"], 200, "every point is back");
    let back = app
        .get("/api/v1/member/coupons?status=available", &me)
        .await;
    assert_eq!(back.body["items"][0]["status"], "returned", "{}", back.text);
    app.post(&refunds, &hq, json!({}))
        .await
        .assert_problem(422, "refund_exceeds_paid");
}
