use std::time::Duration;

use loyalty_wechat::WeChatError;
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, ResponseTemplate};

use crate::helpers::{errcode, mount_token, ok_json, spawn_app};

#[tokio::test]
async fn the_token_is_fetched_once_and_then_served_from_the_cache() {
    let app = spawn_app().await;
    mount_token(&app.server, "token-1", 7200, 1).await;

    let first = app.client.access_token().await.expect("token");
    let second = app.client.access_token().await.expect("token");
    let from_clone = app.client.clone().access_token().await.expect("token");

    assert_eq!(first, "token-1");
    assert_eq!(second, "token-1");
    assert_eq!(from_clone, "token-1");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_concurrent_callers_on_a_cold_cache_cause_one_token_request() {
    let app = spawn_app().await;
    // The delay keeps the one request in flight while all callers arrive.
    Mock::given(method("GET"))
        .and(path("/cgi-bin/token"))
        .respond_with(
            ok_json(json!({ "access_token": "token-1", "expires_in": 7200 }))
                .set_delay(Duration::from_millis(200)),
        )
        .expect(1)
        .mount(&app.server)
        .await;

    let callers: Vec<_> = (0..50)
        .map(|_| {
            let client = app.client.clone();
            tokio::spawn(async move { client.access_token().await })
        })
        .collect();
    let mut tokens = Vec::new();
    for caller in callers {
        tokens.push(caller.await.expect("task").expect("token"));
    }

    assert_eq!(tokens.len(), 50);
    assert!(tokens.iter().all(|t| t == "token-1"), "{tokens:?}");
}

#[tokio::test]
async fn the_token_is_kept_until_five_minutes_before_it_expires() {
    let app = spawn_app().await;
    mount_token(&app.server, "token-1", 7200, 1).await;
    app.client.access_token().await.expect("token");

    app.clock.advance(Duration::from_secs(7200 - 300 - 1));
    let token = app.client.access_token().await.expect("token");

    assert_eq!(token, "token-1");
}

#[tokio::test]
async fn a_token_inside_its_refresh_margin_is_replaced() {
    let app = spawn_app().await;
    mount_token(&app.server, "token-1", 7200, 1).await;
    mount_token(&app.server, "token-2", 7200, 1).await;
    app.client.access_token().await.expect("token");

    app.clock.advance(Duration::from_secs(7200 - 300));
    let token = app.client.access_token().await.expect("token");

    assert_eq!(token, "token-2");
}

#[tokio::test]
async fn a_short_lived_token_is_refreshed_a_tenth_of_its_life_early() {
    let app = spawn_app().await;
    mount_token(&app.server, "token-1", 100, 1).await;
    mount_token(&app.server, "token-2", 100, 1).await;

    let first = app.client.access_token().await.expect("token");
    app.clock.advance(Duration::from_secs(89));
    let still_first = app.client.access_token().await.expect("token");
    app.clock.advance(Duration::from_secs(1));
    let second = app.client.access_token().await.expect("token");

    assert_eq!(
        [first.as_str(), still_first.as_str(), second.as_str()],
        ["token-1", "token-1", "token-2"]
    );
}

#[tokio::test]
async fn a_busy_token_endpoint_is_retried() {
    let app = spawn_app().await;
    Mock::given(path("/cgi-bin/token"))
        .respond_with(errcode(-1, "system error"))
        .up_to_n_times(1)
        .expect(1)
        .mount(&app.server)
        .await;
    mount_token(&app.server, "token-1", 7200, 1).await;

    let token = app.client.access_token().await.expect("token");

    assert_eq!(token, "token-1");
}

#[tokio::test]
async fn a_refused_app_secret_is_invalid_credentials_not_an_invalid_token() {
    let app = spawn_app().await;
    Mock::given(path("/cgi-bin/token"))
        .respond_with(errcode(
            40001,
            "invalid credential, access_token is invalid or not latest",
        ))
        .expect(1)
        .mount(&app.server)
        .await;

    let err = app.client.access_token().await.expect_err("refused");

    assert!(
        matches!(err, WeChatError::InvalidCredentials { errcode: 40001 }),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_failed_fetch_leaves_the_cache_empty_so_the_next_call_fetches_again() {
    let app = spawn_app().await;
    Mock::given(path("/cgi-bin/token"))
        .respond_with(ResponseTemplate::new(200).set_body_string("not json"))
        .up_to_n_times(1)
        .expect(1)
        .mount(&app.server)
        .await;
    mount_token(&app.server, "token-1", 7200, 1).await;

    let first = app.client.access_token().await;
    let second = app.client.access_token().await.expect("token");

    assert_eq!(first.expect_err("garbage").code(), "decode");
    assert_eq!(second, "token-1");
}
