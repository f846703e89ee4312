//! Bad input of every kind (unknown fields, malformed JSON, oversized bodies, bad money, tokens,
//! ids, cursors, keys) is answered with problem+json and a stable code, and moves nothing.

use loyalty_seaorm::on_both_databases;
use loyalty_seaorm::testing::TestDatabase;
use loyalty_tests::{PLATFORM_KEY, spawn_app};
use reqwest::Method;
use serde_json::json;

on_both_databases! {
    bad_input_is_answered_with_problem_json_and_a_stable_code => super::bad_input;
}

async fn bad_input(db: &TestDatabase) {
    let app = spawn_app(db).await;
    let token = app.merchant("strict").await.owner;
    let member = app.member(&token, "13500135000").await;

    let unknown = app
        .post(
            "/api/v1/merchant/members",
            &token,
            json!({ "phone": "13500135001", "points_balance": 9999 }),
        )
        .await;
    unknown.assert_problem(422, "validation_failed");
    assert!(
        unknown.body["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("points_balance"),
        "{}",
        unknown.text
    );

    // A wrong type deep in a body names the field and speaks JSON, not the server's types.
    let deep = app
        .post(
            "/api/v1/merchant/orders/quote",
            &token,
            json!({ "member_id": member, "lines": [{ "sku": "A", "unit_price": "1.00", "quantity": "two" }] }),
        )
        .await;
    deep.assert_problem(422, "validation_failed");
    assert_eq!(
        deep.body["errors"][0]["field"], "lines[0].quantity",
        "{}",
        deep.text
    );
    let wrong_line = app
        .post(
            "/api/v1/merchant/orders/quote",
            &token,
            json!({ "member_id": member, "lines": ["A"] }),
        )
        .await;
    wrong_line.assert_problem(422, "validation_failed");
    let detail = wrong_line.body["detail"].as_str().unwrap_or_default();
    assert!(
        detail.contains("JSON object") && !detail.contains("Request") && !detail.contains("Input"),
        "{detail}"
    );

    let phone = app
        .post(
            "/api/v1/merchant/members",
            &token,
            json!({ "phone": "12345" }),
        )
        .await;
    phone.assert_invalid_field("phone");

    app.post(
        "/api/v1/merchant/members",
        &token,
        json!({ "phone": "13500135000" }),
    )
    .await
    .assert_problem(409, "member_exists");

    app.post(
        &format!("/api/v1/merchant/members/{member}/points/adjustments"),
        &token,
        json!({ "delta": 5, "reason": " " }),
    )
    .await
    .assert_invalid_field("reason");

    app.post(
        &format!("/api/v1/merchant/members/{member}/points/adjustments"),
        &token,
        json!({ "delta": -1, "reason": "test" }),
    )
    .await
    .assert_problem(422, "insufficient_points");

    app.post(
        "/api/v1/merchant/orders",
        &token,
        json!({ "member_id": member, "amount_paid": "1.001" }),
    )
    .await
    .assert_invalid_field("amount_paid");
    app.post(
        "/api/v1/merchant/orders",
        &token,
        json!({ "member_id": member, "amount_paid": "-5.00" }),
    )
    .await
    .assert_problem(422, "validation_failed");

    let broken = app
        .send(
            app.request(Method::POST, "/api/v1/merchant/members", Some(&token))
                .header("content-type", "application/json")
                .body("{\"phone\":"),
        )
        .await;
    broken.assert_problem(422, "validation_failed");
    let huge = app
        .send(
            app.request(Method::POST, "/api/v1/merchant/members", Some(&token))
                .json(&json!({ "phone": "1".repeat(100_000) })),
        )
        .await;
    huge.assert_problem(413, "payload_too_large");

    app.get(&format!("/api/v1/merchant/members/{member}"), "not-a-token")
        .await
        .assert_problem(401, "unauthenticated");
    app.send(app.request(Method::GET, "/api/v1/merchant/stores", None))
        .await
        .assert_problem(401, "unauthenticated");
    app.post(
        "/api/v1/platform/merchants",
        "wrong-platform-key-000000",
        json!({ "code": "x", "name": "x" }),
    )
    .await
    .assert_problem(401, "unauthenticated");
    app.post(
        "/api/v1/platform/merchants",
        PLATFORM_KEY,
        json!({ "code": "strict", "name": "again" }),
    )
    .await
    .assert_problem(409, "merchant_code_taken");
    app.post(
        "/api/v1/platform/merchants",
        PLATFORM_KEY,
        json!({ "code": "Bad Code!", "name": "x" }),
    )
    .await
    .assert_problem(422, "validation_failed");

    let login = app
        .send(app.staff_login("strict", "owner", "wrong password"))
        .await;
    login.assert_problem(401, "invalid_credentials");

    app.get("/api/v1/merchant/members/not-a-uuid", &token)
        .await
        .assert_problem(404, "not_found");
    app.get(
        &format!("/api/v1/merchant/members/{}", uuid::Uuid::now_v7()),
        &token,
    )
    .await
    .assert_problem(404, "member_not_found");
    app.get("/api/v1/nowhere", &token)
        .await
        .assert_problem(404, "not_found");
    app.get(
        &format!("/api/v1/merchant/members/{member}/points/ledger?limit=0"),
        &token,
    )
    .await
    .assert_problem(422, "validation_failed");
    app.get(
        &format!("/api/v1/merchant/members/{member}/points/ledger?cursor=zzz"),
        &token,
    )
    .await
    .assert_problem(422, "invalid_cursor");
    let bad_key = app
        .send(
            app.request(Method::POST, "/api/v1/merchant/orders", Some(&token))
                .header("Idempotency-Key", "")
                .json(&json!({ "member_id": member, "amount_paid": "1.00" })),
        )
        .await;
    bad_key.assert_problem(422, "validation_failed");

    let stranger = app
        .post_anonymously(
            "/api/v1/member/auth/dev",
            json!({ "merchant_code": "strict", "phone": "13511111111" }),
        )
        .await;
    stranger.assert_problem(404, "member_not_found");
    assert_eq!(
        app.get(&format!("/api/v1/merchant/members/{member}"), &token)
            .await
            .body["points_balance"],
        0,
        "nothing moved"
    );
}
