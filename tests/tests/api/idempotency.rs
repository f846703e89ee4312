//! Idempotency keys: a request replayed with its key has one effect and answers the first
//! response (refusals too), a key reused for another request is refused, concurrent requests with
//! one key have exactly one effect, and keys belong to a credential.

use loyalty_seaorm::on_both_databases;
use loyalty_seaorm::testing::TestDatabase;
use loyalty_tests::spawn_app;
use reqwest::StatusCode;
use serde_json::json;

on_both_databases! {
    an_order_replayed_with_its_idempotency_key_has_one_effect => super::idempotent_replay;
    concurrent_requests_with_one_key_have_exactly_one_effect => super::concurrent_keys;
}

async fn idempotent_replay(db: &TestDatabase) {
    let app = spawn_app(db).await;
    let token = app.merchant("replays").await.owner;
    let member = app.member(&token, "13900139000").await;
    let body = json!({ "member_id": member, "amount_paid": "56.00" });

    let (first, replay) = app
        .post_with_key_twice("/api/v1/merchant/orders", &token, "k-1", body)
        .await;
    assert_eq!(first.status, StatusCode::CREATED);
    assert_eq!(
        (replay.status, &replay.text),
        (first.status, &first.text),
        "the same status and body"
    );
    assert_eq!(replay.header("idempotent-replayed"), Some("true"));
    assert_eq!(app.balance(&token, &member).await, 56, "no second effect");

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
    let (refused, again) = app
        .post_with_key_twice(
            &adjust,
            &token,
            "k-2",
            json!({ "delta": -1000, "reason": "兑换" }),
        )
        .await;
    refused.assert_problem(422, "insufficient_points");
    assert_eq!((again.status, &again.text), (refused.status, &refused.text));

    let refund = format!(
        "/api/v1/merchant/orders/{}/refunds",
        first.body["order"]["id"].as_str().expect("id")
    );
    let (r1, r2) = app
        .post_with_key_twice(&refund, &token, "k-3", json!({ "amount": "6.00" }))
        .await;
    assert_eq!((r1.status, &r1.text), (r2.status, &r2.text));
    assert_eq!(app.balance(&token, &member).await, 50);

    // A replay answers the first result where the state would now refuse it: the first
    // spend took every point, and the replay, finding none left, still answers the spend.
    let (spent, replayed) = app
        .post_with_key_twice(
            &adjust,
            &token,
            "k-4",
            json!({ "delta": -50, "reason": "兑换" }),
        )
        .await;
    assert!(spent.status.is_success(), "{}", spent.text);
    assert_eq!(
        (replayed.status, &replayed.text),
        (spent.status, &spent.text)
    );
    assert_eq!(replayed.header("idempotent-replayed"), Some("true"));
    assert_eq!(app.balance(&token, &member).await, 0);

    // And a refusal stays the answer where the state would now allow the request.
    let credit = app
        .post_with_key(
            &adjust,
            &token,
            "k-5",
            json!({ "delta": 2000, "reason": "补发" }),
        )
        .await;
    assert!(credit.status.is_success(), "{}", credit.text);
    let still = app
        .post_with_key(
            &adjust,
            &token,
            "k-2",
            json!({ "delta": -1000, "reason": "兑换" }),
        )
        .await;
    assert_eq!((still.status, still.text), (refused.status, refused.text));
    assert_eq!(app.balance(&token, &member).await, 2000, "nothing spent");

    // Keys belong to a credential: another merchant's staff with the same key starts afresh.
    let other_token = app.merchant("replays-2").await.owner;
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
    let token = app.merchant("same-key").await.owner;
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
    assert_eq!(app.balance(&token, &member).await, 10, "exactly one effect");
}
