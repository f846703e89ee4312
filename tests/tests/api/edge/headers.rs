//! What every answer carries, and what nobody can make the server count: answers are never
//! cached or sniffed, a method the server does not know answers 501 (405 on a known path)
//! without adding a series to
//! `/metrics`, a known path asked with a method it does not take answers 405 with `Allow`, and
//! browsers may call the API only from the origins `server.cors_origins` names.

use loyalty_seaorm::on_both_databases;
use loyalty_seaorm::testing::TestDatabase;
use loyalty_tests::spawn_app;
use reqwest::{Method, StatusCode};

on_both_databases! {
    answers_are_not_cached_or_sniffed_and_unknown_methods_add_no_metrics => super::headers;
    a_wrong_method_on_a_known_path_answers_405_with_allow => super::wrong_method;
    browsers_call_from_configured_origins_only => super::cors;
}

const CONSOLE: &str = "https://console.example.com";

async fn cors(db: &TestDatabase) {
    // Off by default: no page of another origin may read an answer.
    let closed = spawn_app(db).await;
    let shop = closed.merchant("cors").await;
    let answer = closed
        .send(
            closed
                .request(Method::GET, "/api/v1/merchant/stores", Some(&shop.owner))
                .header("origin", CONSOLE),
        )
        .await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.header("access-control-allow-origin"), None);

    let open =
        loyalty_tests::spawn_app_with(db, |s| s.server.cors_origins = vec![CONSOLE.into()]).await;
    let preflight = |origin: &'static str| {
        open.request(Method::OPTIONS, "/api/v1/merchant/stores", None)
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header(
                "access-control-request-headers",
                "authorization, content-type, idempotency-key",
            )
    };
    let allowed = open.send(preflight(CONSOLE)).await;
    assert_eq!(allowed.status, StatusCode::OK, "{}", allowed.text);
    assert_eq!(allowed.header("access-control-allow-origin"), Some(CONSOLE));
    let headers = allowed
        .header("access-control-allow-headers")
        .unwrap_or_default()
        .to_ascii_lowercase();
    assert!(headers.contains("idempotency-key"), "{headers}");
    let refused = open.send(preflight("https://elsewhere.example.com")).await;
    assert_eq!(refused.header("access-control-allow-origin"), None);

    let stores = open
        .send(
            open.request(Method::GET, "/api/v1/merchant/stores", Some(&shop.owner))
                .header("origin", CONSOLE),
        )
        .await;
    assert_eq!(stores.status, StatusCode::OK, "{}", stores.text);
    assert_eq!(stores.header("access-control-allow-origin"), Some(CONSOLE));
    let exposed = stores
        .header("access-control-expose-headers")
        .unwrap_or_default()
        .to_ascii_lowercase();
    assert!(
        exposed.contains("retry-after") && exposed.contains("x-request-id"),
        "{exposed}"
    );
}

async fn wrong_method(db: &TestDatabase) {
    let app = spawn_app(db).await;
    let shop = app.merchant("methods").await;
    let cases = [
        (
            Method::DELETE,
            "/api/v1/merchant/stores".to_owned(),
            "GET, POST",
        ),
        (
            Method::PUT,
            format!("/api/v1/merchant/coupon-templates/{}", uuid::Uuid::new_v4()),
            "GET, PATCH",
        ),
        (
            Method::GET,
            "/api/v1/merchant/auth/login".to_owned(),
            "POST",
        ),
        // Not an order with the id "quote": the quote's path, which takes POST.
        (
            Method::GET,
            "/api/v1/merchant/orders/quote".to_owned(),
            "POST",
        ),
        (
            Method::POST,
            "/api/v1/member/me".to_owned(),
            "GET, PATCH, DELETE",
        ),
    ];
    for (method, path, allow) in cases {
        let answer = app
            .send(app.request(method.clone(), &path, Some(&shop.owner)))
            .await;
        answer.assert_problem(405, "method_not_allowed");
        assert_eq!(answer.header("allow"), Some(allow), "{method} {path}");
    }
    // Nothing was done: the merchant's stores are as they were.
    let stores = app.get("/api/v1/merchant/stores", &shop.owner).await;
    assert_eq!(stores.status, StatusCode::OK, "{}", stores.text);
    // An unknown path is still 404, whatever the method.
    for method in [Method::GET, Method::DELETE] {
        app.send(app.request(method, "/api/v1/merchant/nowhere", Some(&shop.owner)))
            .await
            .assert_problem(404, "not_found");
    }
}

async fn headers(db: &TestDatabase) {
    let app = spawn_app(db).await;
    let shop = app.merchant("headers").await;
    let stores = app.get("/api/v1/merchant/stores", &shop.owner).await;
    assert_eq!(stores.status, StatusCode::OK, "{}", stores.text);
    assert_eq!(stores.header("cache-control"), Some("no-store"));
    assert_eq!(stores.header("x-content-type-options"), Some("nosniff"));
    let refused = app.get("/api/v1/merchant/stores", "not-a-token").await;
    assert_eq!(refused.header("cache-control"), Some("no-store"));

    for i in 0..5 {
        let method = Method::from_bytes(format!("PROBE{i}").as_bytes()).expect("a method");
        let answer = app
            .send(app.request(
                method.clone(),
                "/api/v1/merchant/nowhere",
                Some(&shop.owner),
            ))
            .await;
        answer.assert_problem(501, "method_not_implemented");
        // On a known path it is a method the path does not take.
        let answer = app
            .send(app.request(method, "/api/v1/merchant/stores", Some(&shop.owner)))
            .await;
        answer.assert_problem(405, "method_not_allowed");
        assert_eq!(answer.header("allow"), Some("GET, POST"));
    }
    for method in [Method::TRACE] {
        let answer = app
            .send(app.request(method, "/api/v1/merchant/stores", Some(&shop.owner)))
            .await;
        assert_eq!(answer.status.as_u16(), 405, "{}", answer.text);
    }
    let metrics = app.send(app.request(Method::GET, "/metrics", None)).await;
    assert_eq!(metrics.status, StatusCode::OK);
    assert!(
        metrics.text.contains("method=\"GET\""),
        "requests are counted: {}",
        metrics.text
    );
    assert!(
        !metrics.text.contains("PROBE"),
        "no series for a method the server does not know"
    );
}
