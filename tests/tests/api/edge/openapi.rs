//! The OpenAPI document lists every route and every listed route is served; Swagger UI, the
//! metrics by route pattern and the readiness probe are served too.

use loyalty_seaorm::on_both_databases;
use loyalty_seaorm::testing::TestDatabase;
use loyalty_tests::spawn_app;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

on_both_databases! {
    the_openapi_document_lists_every_route_and_docs_are_served => super::openapi;
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
        "GET /api/v1/merchant/orders",
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
        "GET /api/v1/member/points/lots",
        "GET /api/v1/member/orders",
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
        "POST /api/v1/merchant/members/{id}/cards/{card_id}/top-ups/{entry_id}/refund",
        "POST /api/v1/merchant/service-items",
        "GET /api/v1/merchant/service-items",
        "PATCH /api/v1/merchant/service-items/{id}",
        "POST /api/v1/merchant/members/{id}/cards/sales",
        "POST /api/v1/merchant/members/{id}/cards/{card_id}/uses",
        "POST /api/v1/merchant/members/{id}/cards/{card_id}/uses/{use_id}/undo",
        "GET /api/v1/merchant/members/{id}/cards/{card_id}/ledger",
        "GET /api/v1/member/cards",
        "GET /api/v1/member/cards/{id}/ledger",
        "POST /api/v1/member/auth/logout",
        "GET /api/v1/member/me/export",
        "DELETE /api/v1/member/me",
        "GET /api/v1/merchant/members/{id}/export",
        "POST /api/v1/merchant/members/{id}/erase",
        "POST /api/v1/merchant/members/{id}/sign-out",
        "POST /api/v1/merchant/auth/password",
        "POST /api/v1/merchant/staff/{id}/password",
        "POST /api/v1/platform/merchants/{id}/owner/password",
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
    // Every documented route is served (none answers the router's "no such endpoint"), and
    // what it answers without a credential and with a staff token is documented for it, a
    // problem as application/problem+json.
    let owner = app.merchant("documented").await.owner;
    for token in [None, Some(owner.as_str())] {
        for route in &expected {
            if token.is_some() && route.ends_with("/auth/logout") {
                continue;
            }
            let (method, template) = route.split_once(' ').expect("method and path");
            let path = template.replace("{id}", &uuid::Uuid::now_v7().to_string());
            let answer = app
                .send(
                    app.request(
                        Method::from_bytes(method.as_bytes()).expect("method"),
                        &path,
                        token,
                    )
                    .json(&json!({})),
                )
                .await;
            assert_ne!(answer.body["detail"], "no such endpoint", "{route}");
            let responses = &doc.body["paths"][template][method.to_lowercase()]["responses"];
            let documented = &responses[answer.status.as_str()];
            assert!(
                documented.is_object(),
                "{route} answered {} undocumented: {}",
                answer.status,
                answer.text
            );
            if answer.status.is_client_error() || answer.status.is_server_error() {
                assert_eq!(answer.content_type, "application/problem+json", "{route}");
                assert!(
                    documented["content"]["application/problem+json"].is_object(),
                    "{route} {}: {documented}",
                    answer.status
                );
            }
        }
    }
    // Rule and settings bodies are typed, not bare objects.
    for (path, method, schema) in [
        ("/api/v1/merchant/settings/earning", "put", "EarningPolicy"),
        (
            "/api/v1/merchant/settings/points-expiry",
            "put",
            "ExpiryPolicy",
        ),
        ("/api/v1/merchant/settings/tiers", "put", "TierPolicy"),
        (
            "/api/v1/merchant/settings/checkout",
            "put",
            "CheckoutSettings",
        ),
        (
            "/api/v1/merchant/settings/notifications",
            "put",
            "NotificationSettings",
        ),
        ("/api/v1/merchant/coupon-templates", "post", "CouponRules"),
        ("/api/v1/merchant/card-templates", "post", "CardRules"),
    ] {
        let body = &doc.body["paths"][path][method]["requestBody"]["content"]["application/json"]["schema"];
        assert_eq!(
            body["$ref"],
            format!("#/components/schemas/{schema}"),
            "{method} {path}"
        );
        let properties = &doc.body["components"]["schemas"][schema]["properties"];
        assert!(
            properties.as_object().is_some_and(|p| !p.is_empty()),
            "{schema} has its fields"
        );
    }
    // What a request carries is limited as the server limits it: every string has a pattern,
    // a format or a set of values, every object names all it takes, and the limits the
    // server checks are there.
    let schemas = &doc.body["components"]["schemas"];
    let mut pending: Vec<String> = Vec::new();
    for item in doc.body["paths"].as_object().expect("paths").values() {
        for operation in item.as_object().expect("item").values() {
            refs(&operation["requestBody"], &mut pending);
        }
    }
    let mut seen = std::collections::BTreeSet::new();
    while let Some(name) = pending.pop() {
        if seen.insert(name.clone()) {
            refs(&schemas[&name], &mut pending);
            limited(&name, &schemas[&name]);
        }
    }
    assert!(seen.contains("QuoteRequest") && seen.contains("PositiveMoney"));
    let line = &schemas["OrderLineRequest"]["properties"]["quantity"];
    assert_eq!(
        (line["minimum"].as_i64(), line["maximum"].as_i64()),
        (Some(1), Some(100_000))
    );
    assert!(schemas["Money"]["pattern"].is_string());
    assert_eq!(
        schemas["CreateStoreRequest"]["properties"]["name"]["maxLength"],
        100
    );
    let month = &doc.body["paths"]["/api/v1/merchant/notifications/usage"]["get"]["parameters"][0];
    assert!(month["schema"]["pattern"].is_string(), "{month}");
    // Staff and member tokens are separate schemes.
    let schemes = &doc.body["components"]["securitySchemes"];
    assert!(schemes["staff_token"].is_object() && schemes["member_token"].is_object());
    assert!(schemes["bearer"].is_null(), "no scheme shared by both");
    assert_eq!(
        doc.body["paths"]["/api/v1/member/me"]["get"]["security"],
        json!([{ "member_token": [] }])
    );
    assert_eq!(
        doc.body["paths"]["/api/v1/merchant/stores"]["get"]["security"],
        json!([{ "staff_token": [] }])
    );
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

/// The component names `value` refers to.
fn refs(value: &Value, into: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            if let Some(name) = map
                .get("$ref")
                .and_then(Value::as_str)
                .and_then(|r| r.strip_prefix("#/components/schemas/"))
            {
                into.push(name.to_owned());
            }
            map.values().for_each(|v| refs(v, into));
        }
        Value::Array(items) => items.iter().for_each(|v| refs(v, into)),
        _ => {}
    }
}

/// Every string in `schema` is constrained and every object closed.
fn limited(name: &str, schema: &Value) {
    let Value::Object(map) = schema else {
        if let Value::Array(items) = schema {
            items.iter().for_each(|v| limited(name, v));
        }
        return;
    };
    let is = |t: &str| match map.get("type") {
        Some(Value::String(s)) => s == t,
        Some(Value::Array(types)) => types.iter().any(|s| s == t),
        _ => false,
    };
    if is("string") {
        assert!(
            ["pattern", "format", "enum", "const"]
                .iter()
                .any(|k| map.contains_key(*k)),
            "{name}: an unlimited string {schema}"
        );
    }
    if is("object") && map.contains_key("properties") {
        assert_eq!(
            map.get("additionalProperties"),
            Some(&Value::Bool(false)),
            "{name}: an open object"
        );
    }
    for (key, value) in map {
        if key != "properties" {
            limited(name, value);
        }
    }
    if let Some(Value::Object(properties)) = map.get("properties") {
        properties.values().for_each(|v| limited(name, v));
    }
}
