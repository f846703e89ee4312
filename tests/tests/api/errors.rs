//! Bad input is answered with problem+json and a stable code, never a panic; nobody reaches
//! another merchant's data; the OpenAPI document matches the routes.

use loyalty_seaorm::on_both_databases;
use loyalty_seaorm::testing::TestDatabase;
use loyalty_tests::{PLATFORM_KEY, TestApp, spawn_app, spawn_app_with};
use reqwest::{Method, StatusCode};
use serde_json::json;

on_both_databases! {
    bad_input_is_answered_with_problem_json_and_a_stable_code => super::bad_input;
    a_merchant_never_reaches_another_merchants_members_or_orders => super::isolation;
    the_openapi_document_lists_every_route_and_docs_are_served => super::openapi;
    staff_login_brute_force_gets_429_with_retry_after => super::brute_force;
}

async fn login(
    app: &TestApp,
    username: &str,
    password: &str,
    forwarded_for: Option<&str>,
) -> loyalty_tests::Answer {
    let mut request = app
        .request(Method::POST, "/api/v1/merchant/auth/login", None)
        .json(&json!({ "merchant_code": "guarded", "username": username, "password": password }));
    if let Some(client) = forwarded_for {
        request = request.header("X-Forwarded-For", client);
    }
    app.send(request).await
}

async fn brute_force(db: &TestDatabase) {
    let app = spawn_app_with(db, |s| s.auth.login_attempts_per_account_per_minute = 5).await;
    app.merchant("guarded").await; // one attempt of guarded/owner used
    for _ in 0..4 {
        login(&app, "owner", "wrong", None)
            .await
            .assert_problem(401, "invalid_credentials");
    }
    let limited = login(&app, "owner", "correct horse battery", None).await;
    limited.assert_problem(429, "too_many_requests");
    let wait: u64 = limited
        .headers
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .expect("Retry-After seconds");
    assert!((1..=60).contains(&wait), "{wait}");
    login(&app, "cashier", "wrong", None)
        .await
        .assert_problem(401, "invalid_credentials");

    // Per client address: X-Forwarded-For counts only behind a trusted proxy.
    let untrusted = spawn_app_with(db, |s| s.auth.login_attempts_per_client_per_minute = 3).await;
    for (i, client) in ["198.51.100.1", "198.51.100.2", "198.51.100.3"]
        .iter()
        .enumerate()
    {
        login(&untrusted, &format!("user{i}"), "wrong", Some(client))
            .await
            .assert_problem(401, "invalid_credentials");
    }
    login(&untrusted, "user9", "wrong", Some("198.51.100.4"))
        .await
        .assert_problem(429, "too_many_requests");
    let proxied = spawn_app_with(db, |s| {
        s.auth.login_attempts_per_client_per_minute = 3;
        s.server.trusted_proxies = vec!["127.0.0.1".parse().expect("address")];
    })
    .await;
    for i in 0..3 {
        login(&proxied, &format!("user{i}"), "wrong", Some("198.51.100.1"))
            .await
            .assert_problem(401, "invalid_credentials");
    }
    login(&proxied, "user9", "wrong", Some("198.51.100.1"))
        .await
        .assert_problem(429, "too_many_requests");
    login(&proxied, "user9", "wrong", Some("198.51.100.2"))
        .await
        .assert_problem(401, "invalid_credentials");
}

async fn bad_input(db: &TestDatabase) {
    let app = spawn_app(db).await;
    let (token, _) = app.merchant("strict").await;
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

    let phone = app
        .post(
            "/api/v1/merchant/members",
            &token,
            json!({ "phone": "12345" }),
        )
        .await;
    phone.assert_problem(422, "validation_failed");
    assert_eq!(phone.body["errors"][0]["field"], "phone");

    app.post(
        "/api/v1/merchant/members",
        &token,
        json!({ "phone": "13500135000" }),
    )
    .await
    .assert_problem(409, "member_exists");

    let no_reason = app
        .post(
            &format!("/api/v1/merchant/members/{member}/points/adjustments"),
            &token,
            json!({ "delta": 5, "reason": " " }),
        )
        .await;
    no_reason.assert_problem(422, "validation_failed");
    assert_eq!(no_reason.body["errors"][0]["field"], "reason");

    app.post(
        &format!("/api/v1/merchant/members/{member}/points/adjustments"),
        &token,
        json!({ "delta": -1, "reason": "test" }),
    )
    .await
    .assert_problem(422, "insufficient_points");

    let money = app
        .post(
            "/api/v1/merchant/orders",
            &token,
            json!({ "member_id": member, "amount_paid": "1.001" }),
        )
        .await;
    money.assert_problem(422, "validation_failed");
    assert_eq!(money.body["errors"][0]["field"], "amount_paid");
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

    let login = app.send(app.request(Method::POST, "/api/v1/merchant/auth/login", None).json(&json!({ "merchant_code": "strict", "username": "owner", "password": "wrong password" }))).await;
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
    .assert_problem(422, "validation_failed");
    let bad_key = app
        .send(
            app.request(Method::POST, "/api/v1/merchant/orders", Some(&token))
                .header("Idempotency-Key", "")
                .json(&json!({ "member_id": member, "amount_paid": "1.00" })),
        )
        .await;
    bad_key.assert_problem(422, "validation_failed");

    let stranger = app
        .send(
            app.request(Method::POST, "/api/v1/member/auth/dev", None)
                .json(&json!({ "merchant_code": "strict", "phone": "13511111111" })),
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

async fn isolation(db: &TestDatabase) {
    let app = spawn_app(db).await;
    let (a, _) = app.merchant("iso-a").await;
    let (b, b_created) = app.merchant("iso-b").await;
    let member_a = app.member(&a, "13300133000").await;
    let order_a = app
        .post(
            "/api/v1/merchant/orders",
            &a,
            json!({ "member_id": member_a, "amount_paid": "10.00" }),
        )
        .await;
    let order_a = order_a.body["order"]["id"]
        .as_str()
        .expect("order")
        .to_owned();
    let b_store = b_created["default_store"]["id"]
        .as_str()
        .expect("store")
        .to_owned();

    app.get(&format!("/api/v1/merchant/members/{member_a}"), &b)
        .await
        .assert_problem(404, "member_not_found");
    app.get(
        &format!("/api/v1/merchant/members/{member_a}/points/ledger"),
        &b,
    )
    .await
    .assert_problem(404, "member_not_found");
    app.post(
        &format!("/api/v1/merchant/members/{member_a}/points/adjustments"),
        &b,
        json!({ "delta": 5, "reason": "x" }),
    )
    .await
    .assert_problem(404, "member_not_found");
    app.post(
        "/api/v1/merchant/orders",
        &b,
        json!({ "member_id": member_a, "amount_paid": "10.00" }),
    )
    .await
    .assert_problem(404, "member_not_found");
    app.post(
        "/api/v1/merchant/orders",
        &a,
        json!({ "member_id": member_a, "store_id": b_store, "amount_paid": "10.00" }),
    )
    .await
    .assert_problem(404, "store_not_found");
    app.get(&format!("/api/v1/merchant/orders/{order_a}"), &b)
        .await
        .assert_problem(404, "order_not_found");
    app.post(
        &format!("/api/v1/merchant/orders/{order_a}/refunds"),
        &b,
        json!({}),
    )
    .await
    .assert_problem(404, "order_not_found");
    let patch = app
        .send(
            app.request(
                Method::PATCH,
                &format!("/api/v1/merchant/stores/{b_store}"),
                Some(&a),
            )
            .json(&json!({ "name": "mine" })),
        )
        .await;
    patch.assert_problem(404, "store_not_found");
    let found = app
        .get("/api/v1/merchant/members?phone=13300133000", &b)
        .await;
    assert_eq!(found.body["items"], json!([]));
    assert_eq!(
        app.get(&format!("/api/v1/merchant/members/{member_a}"), &a)
            .await
            .body["points_balance"],
        10
    );
}

async fn openapi(db: &TestDatabase) {
    let app = spawn_app(db).await;
    let doc = app
        .send(app.request(Method::GET, "/api/v1/openapi.json", None))
        .await;
    assert_eq!(doc.status, StatusCode::OK);
    assert_eq!(doc.body["openapi"], "3.1.0");
    let mut documented: Vec<String> = Vec::new();
    for (path, item) in doc.body["paths"].as_object().expect("paths") {
        for method in item.as_object().expect("item").keys() {
            documented.push(format!("{} {path}", method.to_uppercase()));
        }
    }
    documented.sort();
    let mut expected = vec![
        "GET /healthz",
        "GET /readyz",
        "POST /api/v1/platform/merchants",
        "POST /api/v1/merchant/auth/login",
        "POST /api/v1/merchant/auth/logout",
        "POST /api/v1/merchant/staff",
        "GET /api/v1/merchant/staff",
        "PATCH /api/v1/merchant/staff/{id}",
        "GET /api/v1/merchant/stores",
        "POST /api/v1/merchant/stores",
        "PATCH /api/v1/merchant/stores/{id}",
        "POST /api/v1/merchant/members",
        "GET /api/v1/merchant/members",
        "GET /api/v1/merchant/members/{id}",
        "GET /api/v1/merchant/members/{id}/points/ledger",
        "POST /api/v1/merchant/members/{id}/points/adjustments",
        "POST /api/v1/merchant/orders",
        "GET /api/v1/merchant/orders/{id}",
        "POST /api/v1/merchant/orders/{id}/refunds",
        "POST /api/v1/member/auth/dev",
        "POST /api/v1/member/auth/wechat",
        "POST /api/v1/member/auth/sms-codes",
        "POST /api/v1/member/auth/sms",
        "POST /api/v1/member/phone",
        "GET /api/v1/member/code",
        "POST /api/v1/merchant/member-codes/resolve",
        "GET /api/v1/member/me",
        "GET /api/v1/member/points",
        "GET /api/v1/member/points/ledger",
        "POST /api/v1/member/points/actions",
        "GET /api/v1/merchant/settings/earning",
        "PUT /api/v1/merchant/settings/earning",
        "POST /api/v1/merchant/settings/earning/simulate",
        "GET /api/v1/merchant/settings/points-expiry",
        "PUT /api/v1/merchant/settings/points-expiry",
        "GET /api/v1/merchant/settings/tiers",
        "PUT /api/v1/merchant/settings/tiers",
        "GET /api/v1/merchant/points/liability",
        "GET /api/v1/merchant/members/{id}/tier-history",
        "GET /api/v1/merchant/settings/notifications",
        "PUT /api/v1/merchant/settings/notifications",
        "GET /api/v1/merchant/notifications",
        "POST /api/v1/merchant/notifications/{id}/retry",
        "GET /api/v1/merchant/notifications/usage",
        "PATCH /api/v1/member/me",
        "POST /api/v1/member/notifications/subscriptions",
        "POST /api/v1/merchant/orders/quote",
        "GET /api/v1/merchant/settings/checkout",
        "PUT /api/v1/merchant/settings/checkout",
        "POST /api/v1/merchant/coupon-templates",
        "GET /api/v1/merchant/coupon-templates",
        "GET /api/v1/merchant/coupon-templates/{id}",
        "PATCH /api/v1/merchant/coupon-templates/{id}",
        "POST /api/v1/merchant/coupon-templates/{id}/issue",
        "GET /api/v1/merchant/coupons/{code}",
        "POST /api/v1/merchant/coupons/{code}/revoke",
        "POST /api/v1/merchant/verifications",
        "GET /api/v1/merchant/verifications",
        "POST /api/v1/merchant/verifications/{id}/undo",
        "GET /api/v1/merchant/members/{id}/coupons",
        "GET /api/v1/member/coupons",
        "GET /api/v1/member/coupon-templates",
        "POST /api/v1/member/coupon-templates/{id}/claim",
        "POST /api/v1/member/coupon-templates/{id}/exchange",
        "POST /api/v1/merchant/card-templates",
        "GET /api/v1/merchant/card-templates",
        "GET /api/v1/merchant/card-templates/{id}",
        "PATCH /api/v1/merchant/card-templates/{id}",
        "POST /api/v1/merchant/members/{id}/cards",
        "GET /api/v1/merchant/members/{id}/cards",
        "POST /api/v1/merchant/members/{id}/cards/{card_id}/top-ups",
        "GET /api/v1/merchant/members/{id}/cards/{card_id}/ledger",
        "GET /api/v1/member/cards",
        "GET /api/v1/member/cards/{id}/ledger",
        "GET /api/v1/merchant/wallet",
        "GET /api/v1/merchant/wallet/ledger",
        "POST /api/v1/merchant/wallet/withdrawals",
        "GET /api/v1/merchant/wallet/withdrawals",
        "POST /api/v1/platform/merchants/{id}/wallet/payments",
        "GET /api/v1/platform/withdrawals",
        "POST /api/v1/platform/withdrawals/{id}/approve",
        "POST /api/v1/platform/withdrawals/{id}/reject",
    ];
    expected.sort_unstable();
    assert_eq!(documented, expected);
    // Every documented route is served: none answers the router's "no such endpoint".
    for route in &expected {
        let (method, path) = route.split_once(' ').expect("method and path");
        let path = path.replace("{id}", &uuid::Uuid::now_v7().to_string());
        let answer = app
            .send(
                app.request(
                    Method::from_bytes(method.as_bytes()).expect("method"),
                    &path,
                    None,
                )
                .json(&json!({})),
            )
            .await;
        assert_ne!(answer.body["detail"], "no such endpoint", "{route}");
    }
    let docs = app.send(app.request(Method::GET, "/docs/", None)).await;
    assert_eq!(docs.status, StatusCode::OK);
    assert!(
        docs.text.contains("swagger"),
        "Swagger UI is served from the binary"
    );
    let metrics = app.send(app.request(Method::GET, "/metrics", None)).await;
    assert_eq!(metrics.status, StatusCode::OK);
    assert!(
        metrics
            .text
            .contains(r#"loyalty_http_requests_total{endpoint="/api/v1/merchant/members/{id}""#),
        "requests are counted by route pattern: {}",
        metrics.text
    );
    let health = app.send(app.request(Method::GET, "/readyz", None)).await;
    assert_eq!(health.body["status"], "ready");
    assert!(health.headers.get("x-request-id").is_some());
}
