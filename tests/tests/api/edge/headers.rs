//! What every answer carries, and what nobody can make the server count: answers are never
//! cached or sniffed, and a method the server does not know answers 501 without adding a
//! series to `/metrics`.

use loyalty_seaorm::on_both_databases;
use loyalty_seaorm::testing::TestDatabase;
use loyalty_tests::spawn_app;
use reqwest::{Method, StatusCode};

on_both_databases! {
    answers_are_not_cached_or_sniffed_and_unknown_methods_add_no_metrics => super::headers;
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
            .send(app.request(method, "/api/v1/merchant/stores", Some(&shop.owner)))
            .await;
        answer.assert_problem(501, "method_not_implemented");
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
