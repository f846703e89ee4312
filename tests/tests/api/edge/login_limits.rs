//! Staff sign-in attempts are limited per account and client address, per account (ten times
//! that) and per client address (X-Forwarded-For counts only behind a trusted proxy); the limit
//! answers 429 with `Retry-After`, and failing on purpose from one address locks nobody out.

use loyalty_seaorm::on_both_databases;
use loyalty_seaorm::testing::TestDatabase;
use loyalty_tests::{TestApp, spawn_app_with};

on_both_databases! {
    staff_login_brute_force_gets_429_with_retry_after => super::brute_force;
}

async fn login(
    app: &TestApp,
    username: &str,
    password: &str,
    forwarded_for: Option<&str>,
) -> loyalty_tests::Answer {
    let mut request = app.staff_login("guarded", username, password);
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
    let wait = limited.retry_after();
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

    // Failing on purpose from one address does not lock the account out elsewhere.
    let shared = spawn_app_with(db, |s| {
        s.auth.login_attempts_per_account_per_minute = 3;
        s.server.trusted_proxies = vec!["127.0.0.1".parse().expect("address")];
    })
    .await;
    for _ in 0..3 {
        login(&shared, "owner", "wrong", Some("203.0.113.66")).await;
    }
    login(&shared, "owner", "wrong", Some("203.0.113.66"))
        .await
        .assert_problem(429, "too_many_requests");
    let owner = login(
        &shared,
        "owner",
        loyalty_tests::fixtures::OWNER_PASSWORD,
        Some("198.51.100.7"),
    )
    .await;
    assert_eq!(owner.status.as_u16(), 200, "{}", owner.text);
}
