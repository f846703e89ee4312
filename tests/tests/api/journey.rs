//! The foundation's scenario over HTTP: the platform creates a merchant, HQ opens a store and
//! registers a member, an order earns, an adjustment adds, refunds reverse, and the ledger adds
//! up to the balance.

use loyalty_seaorm::on_both_databases;
use loyalty_seaorm::testing::TestDatabase;
use loyalty_tests::spawn_app;
use reqwest::StatusCode;
use serde_json::{Value, json};

on_both_databases! {
    a_member_earns_on_an_order_and_a_refund_takes_the_points_back => super::journey;
}

fn assert_ledger_adds_up(entries: &[Value], balance: i64) {
    let sum: i64 = entries
        .iter()
        .map(|e| e["delta"].as_i64().expect("delta"))
        .sum();
    assert_eq!(sum, balance, "ledger sum equals the balance: {entries:?}");
    if let Some(newest) = entries.first() {
        assert_eq!(newest["balance_after"], balance);
    }
    let seqs: Vec<i64> = entries
        .iter()
        .map(|e| e["seq"].as_i64().expect("seq"))
        .collect();
    let expected: Vec<i64> = (1..=i64::try_from(entries.len()).expect("few"))
        .rev()
        .collect();
    assert_eq!(seqs, expected, "newest first, no gaps");
    let mut running = 0;
    for entry in entries.iter().rev() {
        running += entry["delta"].as_i64().expect("delta");
        assert_eq!(entry["balance_after"], running);
    }
}

async fn journey(db: &TestDatabase) {
    let app = spawn_app(db).await;
    let shop = app.merchant("tea-house").await;
    let token = &shop.owner;
    assert_eq!(shop.created["default_store"]["is_default"], true);

    let store_id = app.store(token, "人民广场店").await;
    let stores = app.get("/api/v1/merchant/stores", token).await;
    assert_eq!(stores.body["items"].as_array().map(Vec::len), Some(2));

    let member = app.member(token, "+86 138-0013-8000").await;
    let found = app
        .get("/api/v1/merchant/members?phone=13800138000", token)
        .await;
    assert_eq!(
        found.body["items"][0]["id"],
        member.as_str(),
        "{}",
        found.text
    );

    let order = app
        .post_with_key("/api/v1/merchant/orders", token, "order-1", json!({ "member_id": member, "store_id": store_id, "order_no": "POS-0001", "amount_paid": "128.80" }))
        .await;
    assert_eq!(order.status, StatusCode::CREATED, "{}", order.text);
    assert_eq!(order.body["points_earned"], 128);
    assert_eq!(order.body["balance_after"], 128);
    assert_eq!(order.body["earning"]["rounding"], "floor");
    assert_eq!(order.body["order"]["amount_paid"], "128.80");
    let order_id = order.body["order"]["id"].as_str().expect("id").to_owned();

    let adjust = app
        .post_with_key(
            &format!("/api/v1/merchant/members/{member}/points/adjustments"),
            token,
            "adj-1",
            json!({ "delta": 20, "reason": "生日礼" }),
        )
        .await;
    assert_eq!(adjust.status, StatusCode::CREATED, "{}", adjust.text);
    assert_eq!(adjust.body["balance_after"], 148);

    let partial = app
        .post(
            &format!("/api/v1/merchant/orders/{order_id}/refunds"),
            token,
            json!({ "amount": "28.80" }),
        )
        .await;
    assert_eq!(partial.status, StatusCode::CREATED, "{}", partial.text);
    assert_eq!(partial.body["refund"]["points_reversed"], 28);
    assert_eq!(partial.body["order"]["status"], "partially_refunded");
    let rest = app
        .post(
            &format!("/api/v1/merchant/orders/{order_id}/refunds"),
            token,
            json!({}),
        )
        .await;
    assert_eq!(rest.status, StatusCode::CREATED, "{}", rest.text);
    assert_eq!(rest.body["refund"]["amount"], "100.00");
    assert_eq!(rest.body["balance_after"], 20);
    app.post(
        &format!("/api/v1/merchant/orders/{order_id}/refunds"),
        token,
        json!({ "amount": "0.01" }),
    )
    .await
    .assert_problem(422, "refund_exceeds_paid");

    let fetched = app
        .get(&format!("/api/v1/merchant/orders/{order_id}"), token)
        .await;
    assert_eq!(
        (
            fetched.body["status"].as_str(),
            fetched.body["points_reversed"].as_i64()
        ),
        (Some("refunded"), Some(128))
    );

    let entries = app.ledger(token, &member).await;
    let kinds: Vec<&str> = entries
        .iter()
        .map(|e| e["kind"].as_str().expect("kind"))
        .collect();
    assert_eq!(kinds, vec!["reverse", "reverse", "adjust", "earn"]);
    assert_ledger_adds_up(&entries, app.balance(token, &member).await);
    assert_eq!(app.balance(token, &member).await, 20);
}
