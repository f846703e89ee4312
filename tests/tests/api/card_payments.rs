//! Stored value spent at checkout over HTTP: an order paid partly from a card, partly with
//! points and a coupon, prices and commits to the fen as quoted; refunds give the card back
//! principal and bonus in the shares they were spent, in any steps, and no more; concurrent
//! payments never take a card below zero.

use crate::coupons::full_off;
use loyalty_seaorm::on_both_databases;
use loyalty_seaorm::testing::TestDatabase;
use loyalty_tests::{TestApp, spawn_app, string};
use reqwest::StatusCode;
use serde_json::{Value, json};

on_both_databases! {
    an_order_paid_by_card_points_and_coupon_commits_as_quoted_and_refunds_restore_each_exactly => super::paid_by_card;
    fifty_card_payments_at_once_against_a_balance_for_twenty_let_exactly_twenty_through => super::concurrent_payments;
    a_top_up_is_refunded_once_while_what_it_put_on_the_card_is_still_there => super::top_up_refund;
}

/// A stored-value template (充 100 送 20) and a card of it for `member`, topped up once:
/// 100.00 of principal and 20.00 of bonus. Answers the card's id.
async fn card_of_120(app: &TestApp, token: &str, member: &str) -> String {
    let template = string(
        &app.created(
            "/api/v1/merchant/card-templates",
            token,
            json!({
                "kind": "stored_value", "name": "储值金卡",
                "plans": [{ "pay": "100.00", "bonus": "20.00" }]
            }),
        )
        .await["id"],
    );
    let cards = format!("/api/v1/merchant/members/{member}/cards");
    let card = string(
        &app.created(&cards, token, json!({ "template_id": template }))
            .await["id"],
    );
    app.created(
        &format!("{cards}/{card}/top-ups"),
        token,
        json!({ "amount": "100.00" }),
    )
    .await;
    card
}

async fn card(app: &TestApp, token: &str, member: &str, card: &str) -> Value {
    let ledger = app
        .get(
            &format!("/api/v1/merchant/members/{member}/cards/{card}/ledger?limit=100"),
            token,
        )
        .await;
    assert_eq!(ledger.status, StatusCode::OK, "{}", ledger.text);
    ledger.body
}

fn basket(member: &str, coupon: &str, card: Value) -> Value {
    json!({
        "member_id": member,
        "lines": [
            { "sku": "latte", "category": "coffee", "quantity": 2, "unit_price": "32.00" },
            { "sku": "cake", "category": "dessert", "quantity": 1, "unit_price": "50.00" }
        ],
        "coupon_codes": [coupon],
        "points": 100,
        "card": card
    })
}

async fn paid_by_card(db: &TestDatabase) {
    let app = spawn_app(db).await;
    let hq = app.merchant("salon").await.owner;
    let stranger = app.merchant("other-salon").await.owner;
    app.save_settings(
        "/api/v1/merchant/settings/checkout",
        &hq,
        json!({ "points_as_cash": { "points": 100, "money": "1.00", "max_share": "0.5" } }),
    )
    .await;
    let template = app.coupon_template(&hq, full_off()).await;
    let member = app.member(&hq, "13800000001").await;
    app.purchase(&hq, &member, "200.00").await;
    let me = app.member_token("salon", "13800000001").await;
    let code = app.claim_coupon(&me, &template).await;
    let card_id = card_of_120(&app, &hq, &member).await;
    let other = app.member(&hq, "13800000002").await;
    let others_card = card_of_120(&app, &hq, &other).await;
    let strangers_member = app.member(&stranger, "13800000003").await;
    let strangers_card = card_of_120(&app, &stranger, &strangers_member).await;

    // 114.00 − 20.00 (满100减20) − 1.00 (100 points) = 93.00, of which the card pays 60.00:
    // 50.00 of principal and 10.00 of bonus (in proportion to 100.00 and 20.00).
    let pay = json!({ "card_id": card_id, "amount": "60.00" });
    let quote = app
        .post(
            "/api/v1/merchant/orders/quote",
            &hq,
            basket(&member, &code, pay.clone()),
        )
        .await;
    assert_eq!(quote.status, StatusCode::OK, "{}", quote.text);
    assert_eq!(quote.body["pricing"]["amount_due"], "93.00");
    assert_eq!(
        (
            &quote.body["card"]["amount"],
            &quote.body["card"]["principal"],
            &quote.body["card"]["bonus"],
            &quote.body["card"]["balance_after"],
            &quote.body["paid_otherwise"]
        ),
        (
            &json!("60.00"),
            &json!("50.00"),
            &json!("10.00"),
            &json!("60.00"),
            &json!("33.00")
        ),
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
        [
            "line_prices",
            "coupon",
            "points_as_cash",
            "amount_due",
            "stored_value"
        ]
    );

    // What the card cannot or may not pay is refused, and nothing moves.
    for (card, status, code_expected) in [
        (
            json!({ "card_id": card_id, "amount": "93.01" }),
            422,
            "card_amount_exceeds_due",
        ),
        (
            json!({ "card_id": card_id, "amount": "0.00" }),
            422,
            "validation_failed",
        ),
        (json!({ "card_id": others_card }), 404, "card_not_found"),
        (json!({ "card_id": strangers_card }), 404, "card_not_found"),
        (
            json!({ "card_id": card_id, "amount": "1.234" }),
            422,
            "validation_failed",
        ),
    ] {
        app.post("/api/v1/merchant/orders", &hq, basket(&member, &code, card))
            .await
            .assert_problem(status, code_expected);
    }
    let (order, again) = app
        .post_with_key_twice(
            "/api/v1/merchant/orders",
            &hq,
            "card-order-1",
            basket(&member, &code, pay),
        )
        .await;
    assert_eq!(order.status, StatusCode::CREATED, "{}", order.text);
    assert_eq!(order.body["pricing"], quote.body["pricing"], "as quoted");
    assert_eq!(again.body, order.body, "a replay changes nothing");
    assert_eq!(order.body["order"]["amount_paid"], "93.00");
    assert_eq!(order.body["order"]["paid_otherwise"], "33.00");
    assert_eq!(order.body["order"]["card"]["amount"], "60.00");
    assert_eq!(order.body["card_balance_after"], "60.00");
    assert_eq!(order.body["points_earned"], 93, "the card's part earns too");
    let held = card(&app, &hq, &member, &card_id).await;
    assert_eq!(
        (&held["card"]["principal"], &held["card"]["bonus"]),
        (&json!("50.00"), &json!("10.00")),
        "taken once, replay or not"
    );
    assert_eq!(held["items"][0]["kind"], "payment");
    assert_eq!(held["items"][0]["order_id"], order.body["order"]["id"]);
    // A second order for more than is left on the card is refused whole.
    app.post(
        "/api/v1/merchant/orders",
        &hq,
        json!({ "member_id": member, "amount_paid": "80.00",
                "card": { "card_id": card_id, "amount": "60.01" } }),
    )
    .await
    .assert_problem(422, "insufficient_card_balance");
    assert_eq!(
        card(&app, &hq, &member, &card_id).await["card"]["balance"],
        "60.00"
    );

    // Refunds: one latte by line, 10.00 by amount, then the rest; together they give the card
    // back exactly 50.00 of principal and 10.00 of bonus.
    let order_id = string(&order.body["order"]["id"]);
    let refunds = format!("/api/v1/merchant/orders/{order_id}/refunds");
    let mut back = (0_i64, 0_i64);
    let cents = |v: &Value| -> i64 {
        let text = v.as_str().expect("money");
        let (yuan, fen) = text.split_once('.').expect("two places");
        yuan.parse::<i64>().expect("yuan") * 100 + fen.parse::<i64>().expect("fen")
    };
    for body in [
        json!({ "lines": [{ "line_no": 1, "quantity": 1 }] }),
        json!({ "amount": "10.00" }),
        json!({}),
    ] {
        let refund = app.post(&refunds, &hq, body).await;
        assert_eq!(refund.status, StatusCode::CREATED, "{}", refund.text);
        let r = &refund.body["refund"];
        assert_eq!(
            cents(&r["card_returned"]),
            cents(&r["card_principal_returned"]) + cents(&r["card_bonus_returned"])
        );
        assert!(
            cents(&r["card_returned"]) <= cents(&r["amount"]),
            "{}",
            refund.text
        );
        back = (
            back.0 + cents(&r["card_principal_returned"]),
            back.1 + cents(&r["card_bonus_returned"]),
        );
    }
    assert_eq!(back, (5_000, 1_000), "principal and bonus, each to the fen");
    let held = card(&app, &hq, &member, &card_id).await;
    assert_eq!(
        (&held["card"]["principal"], &held["card"]["bonus"]),
        (&json!("100.00"), &json!("20.00"))
    );
    let kinds: Vec<&str> = held["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|e| e["kind"].as_str().expect("kind"))
        .collect();
    assert_eq!(kinds, ["refund", "refund", "refund", "payment", "top_up"]);
    let fetched = app
        .get(&format!("/api/v1/merchant/orders/{order_id}"), &hq)
        .await;
    assert_eq!(fetched.body["status"], "refunded");
    assert_eq!(
        fetched.body["card"]["returned"], "60.00",
        "{}",
        fetched.text
    );
    assert_eq!(app.balance(&hq, &member).await, 200, "every point is back");
    app.post(&refunds, &hq, json!({}))
        .await
        .assert_problem(422, "refund_exceeds_paid");

    // Bonus last, and no points on what a card pays: the card pays all it can (120.00 of
    // 130.00), principal first, and only the 10.00 paid otherwise earns.
    app.save_settings(
        "/api/v1/merchant/settings/checkout",
        &hq,
        json!({ "stored_value": { "spend_order": "bonus_last", "earn_points": false } }),
    )
    .await;
    let whole = app
        .order(
            &hq,
            json!({ "member_id": member, "amount_paid": "130.00", "card": { "card_id": card_id } }),
        )
        .await;
    assert_eq!(whole["order"]["card"]["principal"], "100.00");
    assert_eq!(whole["order"]["card"]["bonus"], "20.00");
    assert_eq!(whole["order"]["paid_otherwise"], "10.00");
    assert_eq!(whole["points_earned"], 10, "{whole}");
    assert_eq!(whole["card_balance_after"], "0.00");
    app.post(
        "/api/v1/merchant/orders",
        &hq,
        json!({ "member_id": member, "amount_paid": "1.00", "card": { "card_id": card_id } }),
    )
    .await
    .assert_problem(422, "insufficient_card_balance");
}

async fn concurrent_payments(db: &TestDatabase) {
    let app = spawn_app(db).await;
    let hq = app.merchant("gym").await.owner;
    let member = app.member(&hq, "13900000001").await;
    let card_id = card_of_120(&app, &hq, &member).await;
    // 120.00 pays twenty orders of 6.00 (5.00 of principal, 1.00 of bonus each).
    let keys: Vec<String> = (0..50).map(|i| format!("gym-{i}")).collect();
    let answers = futures::future::join_all(keys.iter().map(|key| {
        app.post_with_key(
            "/api/v1/merchant/orders",
            &hq,
            key,
            json!({ "member_id": member, "amount_paid": "6.00",
                    "card": { "card_id": card_id, "amount": "6.00" } }),
        )
    }))
    .await;
    let paid = answers
        .iter()
        .filter(|a| a.status == StatusCode::CREATED)
        .count();
    assert_eq!(paid, 20, "exactly what the balance covers");
    for refused in answers.iter().filter(|a| a.status != StatusCode::CREATED) {
        refused.assert_problem(422, "insufficient_card_balance");
    }
    let held = card(&app, &hq, &member, &card_id).await;
    assert_eq!(
        (&held["card"]["principal"], &held["card"]["bonus"]),
        (&json!("0.00"), &json!("0.00"))
    );
    assert_eq!(held["items"].as_array().map(Vec::len), Some(21));
}

async fn top_up_refund(db: &TestDatabase) {
    let app = spawn_app(db).await;
    let shop = app.merchant("spa").await;
    let hq = &shop.owner;
    let cashier = app.cashier(&shop, &shop.default_store()).await;
    let stranger = app.merchant("other-spa").await.owner;
    let member = app.member(hq, "13700000001").await;
    let card_id = card_of_120(&app, hq, &member).await;
    let cards = format!("/api/v1/merchant/members/{member}/cards/{card_id}");
    let second = app
        .created(
            &format!("{cards}/top-ups"),
            hq,
            json!({ "amount": "100.00" }),
        )
        .await;
    let held = card(&app, hq, &member, &card_id).await;
    assert_eq!(held["card"]["balance"], "240.00");
    let first_top_up = string(&held["items"][1]["id"]);
    let second_top_up = string(&second["id"]);
    let refund_of = |entry: &str| format!("{cards}/top-ups/{entry}/refund");

    app.post(&refund_of(&first_top_up), &cashier, json!({}))
        .await
        .assert_problem(403, "forbidden");
    let (refunded, replay) = app
        .post_with_key_twice(&refund_of(&first_top_up), hq, "refund-1", json!({}))
        .await;
    assert_eq!(refunded.status, StatusCode::CREATED, "{}", refunded.text);
    assert_eq!(replay.body, refunded.body, "a replay changes nothing");
    assert_eq!(refunded.body["kind"], "top_up_refund");
    assert_eq!(refunded.body["top_up_id"], first_top_up.as_str());
    assert_eq!(
        (
            &refunded.body["principal_change"],
            &refunded.body["bonus_change"],
            &refunded.body["balance_after"]
        ),
        (&json!("-100.00"), &json!("-20.00"), &json!("120.00"))
    );
    app.post(&refund_of(&first_top_up), hq, json!({}))
        .await
        .assert_problem(409, "already_applied");

    // Spent below what the second top-up put on: refused, nothing moves.
    app.order(
        hq,
        json!({ "member_id": member, "amount_paid": "60.00",
                "card": { "card_id": card_id, "amount": "60.00" } }),
    )
    .await;
    app.post(&refund_of(&second_top_up), hq, json!({}))
        .await
        .assert_problem(422, "top_up_spent");
    let held = card(&app, hq, &member, &card_id).await;
    assert_eq!(
        (&held["card"]["principal"], &held["card"]["bonus"]),
        (&json!("50.00"), &json!("10.00"))
    );
    // Only a top-up of this card can be refunded, and only by its merchant.
    let payment = string(&held["items"][0]["id"]);
    assert_eq!(held["items"][0]["kind"], "payment");
    for entry in [payment, uuid::Uuid::now_v7().to_string()] {
        app.post(&refund_of(&entry), hq, json!({}))
            .await
            .assert_problem(404, "top_up_not_found");
    }
    app.post(&refund_of(&second_top_up), &stranger, json!({}))
        .await
        .assert_problem(404, "card_not_found");
}
