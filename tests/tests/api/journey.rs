//! The foundation's scenario over HTTP: platform creates a merchant, staff sign in, open a
//! store, register a member, an order earns, its refund reverses, the ledger adds up; with
//! idempotent replays. On SQLite and PostgreSQL.

use loyalty_seaorm::on_both_databases;
use loyalty_seaorm::testing::TestDatabase;
use loyalty_tests::{TestApp, spawn_app};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

on_both_databases! {
    a_member_earns_on_an_order_and_a_refund_takes_the_points_back => super::journey;
    an_order_replayed_with_its_idempotency_key_has_one_effect => super::idempotent_replay;
    concurrent_requests_with_one_key_have_exactly_one_effect => super::concurrent_keys;
    a_member_sees_own_points_and_ledger => super::member_side;
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

async fn balance(app: &TestApp, token: &str, member: &str) -> i64 {
    let answer = app
        .get(&format!("/api/v1/merchant/members/{member}"), token)
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    answer.body["points_balance"].as_i64().expect("balance")
}

async fn journey(db: &TestDatabase) {
    let app = spawn_app(db).await;
    let (token, created) = app.merchant("tea-house").await;
    assert_eq!(created["default_store"]["is_default"], true);

    let store = app
        .post(
            "/api/v1/merchant/stores",
            &token,
            json!({ "name": "人民广场店" }),
        )
        .await;
    assert_eq!(store.status, StatusCode::CREATED, "{}", store.text);
    let store_id = store.body["id"].as_str().expect("id").to_owned();
    let stores = app.get("/api/v1/merchant/stores", &token).await;
    assert_eq!(stores.body["items"].as_array().map(Vec::len), Some(2));

    let member = app.member(&token, "+86 138-0013-8000").await;
    let found = app
        .get("/api/v1/merchant/members?phone=13800138000", &token)
        .await;
    assert_eq!(
        found.body["items"][0]["id"],
        member.as_str(),
        "{}",
        found.text
    );

    let order = app
        .post_with_key("/api/v1/merchant/orders", &token, "order-1", json!({ "member_id": member, "store_id": store_id, "order_no": "POS-0001", "amount_paid": "128.80" }))
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
            &token,
            "adj-1",
            json!({ "delta": 20, "reason": "生日礼" }),
        )
        .await;
    assert_eq!(adjust.status, StatusCode::CREATED, "{}", adjust.text);
    assert_eq!(adjust.body["balance_after"], 148);

    let partial = app
        .post(
            &format!("/api/v1/merchant/orders/{order_id}/refunds"),
            &token,
            json!({ "amount": "28.80" }),
        )
        .await;
    assert_eq!(partial.status, StatusCode::CREATED, "{}", partial.text);
    assert_eq!(partial.body["refund"]["points_reversed"], 28);
    assert_eq!(partial.body["order"]["status"], "partially_refunded");
    let rest = app
        .post(
            &format!("/api/v1/merchant/orders/{order_id}/refunds"),
            &token,
            json!({}),
        )
        .await;
    assert_eq!(rest.status, StatusCode::CREATED, "{}", rest.text);
    assert_eq!(rest.body["refund"]["amount"], "100.00");
    assert_eq!(rest.body["balance_after"], 20);
    app.post(
        &format!("/api/v1/merchant/orders/{order_id}/refunds"),
        &token,
        json!({ "amount": "0.01" }),
    )
    .await
    .assert_problem(422, "refund_exceeds_paid");

    let fetched = app
        .get(&format!("/api/v1/merchant/orders/{order_id}"), &token)
        .await;
    assert_eq!(
        (
            fetched.body["status"].as_str(),
            fetched.body["points_reversed"].as_i64()
        ),
        (Some("refunded"), Some(128))
    );

    let entries = app.ledger(&token, &member).await;
    let kinds: Vec<&str> = entries
        .iter()
        .map(|e| e["kind"].as_str().expect("kind"))
        .collect();
    assert_eq!(kinds, vec!["reverse", "reverse", "adjust", "earn"]);
    assert_ledger_adds_up(&entries, balance(&app, &token, &member).await);
    assert_eq!(balance(&app, &token, &member).await, 20);
}

async fn idempotent_replay(db: &TestDatabase) {
    let app = spawn_app(db).await;
    let (token, _) = app.merchant("replays").await;
    let member = app.member(&token, "13900139000").await;
    let body = json!({ "member_id": member, "amount_paid": "56.00" });

    let first = app
        .post_with_key("/api/v1/merchant/orders", &token, "k-1", body.clone())
        .await;
    let replay = app
        .post_with_key("/api/v1/merchant/orders", &token, "k-1", body.clone())
        .await;
    assert_eq!(first.status, StatusCode::CREATED);
    assert_eq!(
        (replay.status, &replay.text),
        (first.status, &first.text),
        "the same status and body"
    );
    assert_eq!(
        replay
            .headers
            .get("idempotent-replayed")
            .map(|v| v.to_str().ok()),
        Some(Some("true"))
    );
    assert_eq!(balance(&app, &token, &member).await, 56, "no second effect");

    let other = app
        .post_with_key(
            "/api/v1/merchant/orders",
            &token,
            "k-1",
            json!({ "member_id": member, "amount_paid": "57.00" }),
        )
        .await;
    other.assert_problem(422, "idempotency_key_reused");

    // A refusal is kept for its key too: the replay answers the same.
    let adjust = format!("/api/v1/merchant/members/{member}/points/adjustments");
    let refused = app
        .post_with_key(
            &adjust,
            &token,
            "k-2",
            json!({ "delta": -1000, "reason": "兑换" }),
        )
        .await;
    refused.assert_problem(422, "insufficient_points");
    let again = app
        .post_with_key(
            &adjust,
            &token,
            "k-2",
            json!({ "delta": -1000, "reason": "兑换" }),
        )
        .await;
    assert_eq!((again.status, again.text), (refused.status, refused.text));

    let refund = format!(
        "/api/v1/merchant/orders/{}/refunds",
        first.body["order"]["id"].as_str().expect("id")
    );
    let r1 = app
        .post_with_key(&refund, &token, "k-3", json!({ "amount": "6.00" }))
        .await;
    let r2 = app
        .post_with_key(&refund, &token, "k-3", json!({ "amount": "6.00" }))
        .await;
    assert_eq!((r1.status, &r1.text), (r2.status, &r2.text));
    assert_eq!(balance(&app, &token, &member).await, 50);

    // Keys belong to a credential: another merchant's staff with the same key starts afresh.
    let (other_token, _) = app.merchant("replays-2").await;
    let other_member = app.member(&other_token, "13900139000").await;
    let fresh = app
        .post_with_key(
            "/api/v1/merchant/orders",
            &other_token,
            "k-1",
            json!({ "member_id": other_member, "amount_paid": "1.00" }),
        )
        .await;
    assert_eq!(fresh.status, StatusCode::CREATED);
    assert!(fresh.headers.get("idempotent-replayed").is_none());
}

async fn concurrent_keys(db: &TestDatabase) {
    let app = spawn_app(db).await;
    let (token, _) = app.merchant("same-key").await;
    let member = app.member(&token, "13700137000").await;
    let body = json!({ "member_id": member, "amount_paid": "10.00" });
    let requests =
        (0..8).map(|_| app.post_with_key("/api/v1/merchant/orders", &token, "same", body.clone()));
    let answers = futures::future::join_all(requests).await;
    let mut created = 0;
    for answer in &answers {
        match answer.status.as_u16() {
            201 => created += 1,
            409 => answer.assert_problem(409, "idempotency_in_flight"),
            other => panic!("unexpected {other}: {}", answer.text),
        }
    }
    assert!(created >= 1);
    let first_bodies: Vec<&String> = answers
        .iter()
        .filter(|a| a.status == StatusCode::CREATED)
        .map(|a| &a.text)
        .collect();
    assert!(
        first_bodies.windows(2).all(|w| w[0] == w[1]),
        "every 201 is the same order"
    );
    assert_eq!(
        balance(&app, &token, &member).await,
        10,
        "exactly one effect"
    );
}

async fn member_side(db: &TestDatabase) {
    let app = spawn_app(db).await;
    let (token, _) = app.merchant("mini").await;
    let member = app.member(&token, "13600136000").await;
    app.post(
        "/api/v1/merchant/orders",
        &token,
        json!({ "member_id": member, "amount_paid": "30.00" }),
    )
    .await;

    let login = app
        .send(
            app.request(Method::POST, "/api/v1/member/auth/dev", None)
                .json(&json!({ "merchant_code": "mini", "phone": "13600136000" })),
        )
        .await;
    assert_eq!(login.status, StatusCode::OK, "{}", login.text);
    let member_token = login.body["token"].as_str().expect("token").to_owned();

    let points = app.get("/api/v1/member/points", &member_token).await;
    assert_eq!(points.body["balance"], 30, "{}", points.text);
    assert_eq!(points.body["lots"][0]["points"], 30);
    assert!(
        points.body["lots"][0]["expires_at"].is_string(),
        "the default policy expires lots"
    );
    let ledger = app.get("/api/v1/member/points/ledger", &member_token).await;
    assert_eq!(ledger.body["items"][0]["kind"], "earn");
    let me = app.get("/api/v1/member/me", &member_token).await;
    assert_eq!(me.body["id"], member.as_str());

    // A member token is not a staff token, and the other way round.
    app.get(&format!("/api/v1/merchant/members/{member}"), &member_token)
        .await
        .assert_problem(401, "unauthenticated");
    app.get("/api/v1/member/points", &token)
        .await
        .assert_problem(401, "unauthenticated");
}
