//! Coupons and checkout over HTTP, as HQ, a cashier and a member would use them: a template,
//! a claim in the mini-program, a quote and an order at the till with the coupon and points,
//! refunds by lines, verification at a store and its undoing; on SQLite and PostgreSQL.

use loyalty_seaorm::on_both_databases;
use loyalty_seaorm::testing::TestDatabase;
use loyalty_tests::{Answer, TestApp, spawn_app};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

on_both_databases! {
    a_member_claims_a_coupon_and_the_till_prices_commits_and_refunds_an_order_with_it => super::checkout;
    a_coupon_is_verified_once_at_a_store_where_it_applies_and_undone => super::verification;
    coupon_endpoints_refuse_bad_input_and_other_merchants => super::refusals;
    a_cashier_verifies_only_in_their_store_and_cannot_run_hq_coupon_actions => super::cashier_scope;
}

async fn put(app: &TestApp, path: &str, token: &str, body: Value) -> Answer {
    app.send(app.request(Method::PUT, path, Some(token)).json(&body))
        .await
}

async fn template(app: &TestApp, token: &str, body: Value) -> String {
    let created = app
        .post("/api/v1/merchant/coupon-templates", token, body)
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    created.body["id"].as_str().expect("id").to_owned()
}

fn full_off() -> Value {
    json!({
        "name": "满100减20", "stock": 10, "per_member_limit": 1, "stacking": "stackable",
        "benefit": { "type": "amount_off", "threshold": "100.00", "amount": "20.00" },
        "validity": { "mode": "after_claim", "days": 7 }
    })
}

fn basket(member: &str, coupon: &str, points: i64) -> Value {
    json!({
        "member_id": member,
        "lines": [
            { "sku": "latte", "category": "coffee", "quantity": 2, "unit_price": "32.00" },
            { "sku": "cake", "category": "dessert", "quantity": 1, "unit_price": "50.00" }
        ],
        "coupon_codes": [coupon],
        "points": points
    })
}

async fn checkout(db: &TestDatabase) {
    let app = spawn_app(db).await;
    let (hq, _) = app.merchant("cafe").await;
    let saved = put(
        &app,
        "/api/v1/merchant/settings/checkout",
        &hq,
        json!({ "points_as_cash": { "points": 100, "money": "1.00", "max_share": "0.5" } }),
    )
    .await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.text);
    let template = template(&app, &hq, full_off()).await;

    // The member earns 200 points, sees the template, claims it once.
    let member = app.member(&hq, "13800000001").await;
    app.post(
        "/api/v1/merchant/orders",
        &hq,
        json!({ "member_id": member, "amount_paid": "200.00" }),
    )
    .await;
    let me = app.member_token("cafe", "13800000001").await;
    let open = app.get("/api/v1/member/coupon-templates", &me).await;
    assert_eq!(
        open.body["items"][0]["id"],
        template.as_str(),
        "{}",
        open.text
    );
    assert_eq!(open.body["items"][0]["remaining"], 10);
    let claim = format!("/api/v1/member/coupon-templates/{template}/claim");
    let claimed = app.post_with_key(&claim, &me, "claim-1", json!({})).await;
    assert_eq!(claimed.status, StatusCode::CREATED, "{}", claimed.text);
    let replay = app.post_with_key(&claim, &me, "claim-1", json!({})).await;
    assert_eq!(
        replay.body, claimed.body,
        "a replay answers the first claim"
    );
    app.post(&claim, &me, json!({}))
        .await
        .assert_problem(422, "coupon_limit_reached");
    let code = claimed.body["code"].as_str().expect("code").to_owned();
    let mine = app
        .get("/api/v1/member/coupons?status=available", &me)
        .await;
    assert_eq!(
        mine.body["items"].as_array().map(Vec::len),
        Some(1),
        "{}",
        mine.text
    );
    assert_eq!(mine.body["items"][0]["benefit"]["type"], "amount_off");

    // The till quotes, then commits; the quote is the order.
    let quote = app
        .post(
            "/api/v1/merchant/orders/quote",
            &hq,
            basket(&member, &code, 100),
        )
        .await;
    assert_eq!(quote.status, StatusCode::OK, "{}", quote.text);
    // 114.00 − 20.00 (满100减20) − 1.00 (100 points) = 93.00.
    assert_eq!(
        quote.body["pricing"]["amount_due"], "93.00",
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
        ["line_prices", "coupon", "points_as_cash", "amount_due"]
    );
    let order = app
        .post_with_key(
            "/api/v1/merchant/orders",
            &hq,
            "order-1",
            basket(&member, &code, 100),
        )
        .await;
    assert_eq!(order.status, StatusCode::CREATED, "{}", order.text);
    assert_eq!(order.body["pricing"], quote.body["pricing"]);
    assert_eq!(order.body["order"]["amount_paid"], "93.00");
    assert_eq!(order.body["order"]["coupon_discount"], "20.00");
    assert_eq!(order.body["points_earned"], 93);
    assert_eq!(order.body["balance_after"], 200 - 100 + 93);
    let again = app
        .post_with_key(
            "/api/v1/merchant/orders",
            &hq,
            "order-1",
            basket(&member, &code, 100),
        )
        .await;
    assert_eq!(again.body, order.body, "a replay changes nothing");
    let order_id = order.body["order"]["id"].as_str().expect("id").to_owned();
    let used = app
        .get(&format!("/api/v1/merchant/coupons/{code}"), &hq)
        .await;
    assert_eq!(used.body["status"], "used");

    // Refund one latte, then the rest.
    let refunds = format!("/api/v1/merchant/orders/{order_id}/refunds");
    let one = app
        .post(
            &refunds,
            &hq,
            json!({ "lines": [{ "line_no": 1, "quantity": 1 }] }),
        )
        .await;
    assert_eq!(one.status, StatusCode::CREATED, "{}", one.text);
    assert_eq!(one.body["refund"]["lines"][0]["quantity"], 1);
    assert_eq!(one.body["order"]["status"], "partially_refunded");
    let fetched = app
        .get(&format!("/api/v1/merchant/orders/{order_id}"), &hq)
        .await;
    assert_eq!(
        fetched.body["status"], "partially_refunded",
        "{}",
        fetched.text
    );
    assert_eq!(fetched.body["lines"][0]["refunded_quantity"], 1);
    let rest = app.post(&refunds, &hq, json!({})).await;
    assert_eq!(rest.status, StatusCode::CREATED, "{}", rest.text);
    assert_eq!(rest.body["order"]["status"], "refunded");
    assert_eq!(rest.body["order"]["amount_refunded"], "93.00");
    assert_eq!(rest.body["order"]["points_returned"], 100);
    assert_eq!(rest.body["refund"]["coupons_returned"], 1);
    assert_eq!(rest.body["balance_after"], 200, "every point is back");
    let back = app
        .get("/api/v1/member/coupons?status=available", &me)
        .await;
    assert_eq!(back.body["items"][0]["status"], "returned", "{}", back.text);
    app.post(&refunds, &hq, json!({}))
        .await
        .assert_problem(422, "refund_exceeds_paid");
}

async fn verification(db: &TestDatabase) {
    let app = spawn_app(db).await;
    let (hq, created) = app.merchant("bakery").await;
    let main = created["default_store"]["id"]
        .as_str()
        .expect("store")
        .to_owned();
    let branch = app
        .post("/api/v1/merchant/stores", &hq, json!({ "name": "二店" }))
        .await
        .body["id"]
        .as_str()
        .expect("branch")
        .to_owned();
    let template = template(
        &app,
        &hq,
        json!({
            "name": "免费面包", "benefit": { "type": "free_item" },
            "scope": { "store_ids": [branch] },
            "validity": { "mode": "after_claim", "days": 30 }
        }),
    )
    .await;
    app.member(&hq, "13800000002").await;
    let me = app.member_token("bakery", "13800000002").await;
    let claimed = app
        .post(
            &format!("/api/v1/member/coupon-templates/{template}/claim"),
            &me,
            json!({}),
        )
        .await;
    let code = claimed.body["code"].as_str().expect("code").to_owned();

    app.post(
        "/api/v1/merchant/verifications",
        &hq,
        json!({ "code": code, "store_id": main }),
    )
    .await
    .assert_problem(422, "coupon_not_applicable");
    let done = app
        .post(
            "/api/v1/merchant/verifications",
            &hq,
            json!({ "code": code, "store_id": branch }),
        )
        .await;
    assert_eq!(done.status, StatusCode::CREATED, "{}", done.text);
    assert_eq!(done.body["coupon"]["status"], "used");
    assert_eq!(done.body["store_id"], branch.as_str());
    app.post(
        "/api/v1/merchant/verifications",
        &hq,
        json!({ "code": code, "store_id": branch }),
    )
    .await
    .assert_problem(409, "coupon_used");
    let log = app
        .get(
            &format!("/api/v1/merchant/verifications?store_id={branch}"),
            &hq,
        )
        .await;
    assert_eq!(
        log.body["items"].as_array().map(Vec::len),
        Some(1),
        "{}",
        log.text
    );
    let id = done.body["id"].as_str().expect("id");
    let undone = app
        .post(
            &format!("/api/v1/merchant/verifications/{id}/undo"),
            &hq,
            json!({}),
        )
        .await;
    assert_eq!(undone.status, StatusCode::OK, "{}", undone.text);
    assert_eq!(undone.body["coupon"]["status"], "available");
    assert!(undone.body["undone_at"].is_string());
    // HQ revokes it; then it cannot be used, nor revoked again.
    let revoke = format!("/api/v1/merchant/coupons/{code}/revoke");
    let revoked = app.post(&revoke, &hq, json!({})).await;
    assert_eq!(revoked.body["status"], "revoked", "{}", revoked.text);
    app.post(&revoke, &hq, json!({}))
        .await
        .assert_problem(422, "coupon_revoked");
    app.post(
        "/api/v1/merchant/verifications",
        &hq,
        json!({ "code": code, "store_id": branch }),
    )
    .await
    .assert_problem(422, "coupon_revoked");
    // A verification retried with its key answers the first response.
    let keyed = app
        .post(
            &format!("/api/v1/member/coupon-templates/{template}/claim"),
            &me,
            json!({}),
        )
        .await;
    let second = keyed.body["code"].as_str().expect("code").to_owned();
    let body = json!({ "code": second, "store_id": branch });
    let first = app
        .post_with_key(
            "/api/v1/merchant/verifications",
            &hq,
            "till-7",
            body.clone(),
        )
        .await;
    let retry = app
        .post_with_key("/api/v1/merchant/verifications", &hq, "till-7", body)
        .await;
    assert_eq!(
        (first.status, retry.status),
        (StatusCode::CREATED, StatusCode::CREATED)
    );
    assert_eq!(retry.body, first.body);
}

async fn refusals(db: &TestDatabase) {
    let app = spawn_app(db).await;
    let (hq, _) = app.merchant("strict").await;
    let (other, _) = app.merchant("other").await;
    let bad = app
        .post(
            "/api/v1/merchant/coupon-templates",
            &hq,
            json!({ "name": "x", "benefit": { "type": "percent_off", "rate": "1.5" }, "validity": { "mode": "after_claim", "days": 7 } }),
        )
        .await;
    bad.assert_problem(422, "validation_failed");
    let unknown = app
        .post(
            "/api/v1/merchant/coupon-templates",
            &hq,
            json!({ "name": "x", "surprise": true, "benefit": { "type": "no_threshold", "amount": "5.00" }, "validity": { "mode": "after_claim", "days": 7 } }),
        )
        .await;
    assert_eq!(
        unknown.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        unknown.text
    );
    let template = template(&app, &hq, full_off()).await;
    // Another merchant sees neither the template nor its coupons.
    app.get(
        &format!("/api/v1/merchant/coupon-templates/{template}"),
        &other,
    )
    .await
    .assert_problem(404, "coupon_template_not_found");
    app.member(&hq, "13800000003").await;
    let me = app.member_token("strict", "13800000003").await;
    let claimed = app
        .post(
            &format!("/api/v1/member/coupon-templates/{template}/claim"),
            &me,
            json!({}),
        )
        .await;
    let code = claimed.body["code"].as_str().expect("code").to_owned();
    app.get(&format!("/api/v1/merchant/coupons/{code}"), &other)
        .await
        .assert_problem(404, "coupon_not_found");
    app.post(
        "/api/v1/merchant/verifications",
        &other,
        json!({ "code": code }),
    )
    .await
    .assert_problem(404, "coupon_not_found");
    app.get("/api/v1/merchant/coupons/12345", &hq)
        .await
        .assert_problem(422, "validation_failed");
    // An order priced by the till takes no coupons.
    let member = app.member(&hq, "13800000004").await;
    app.post(
        "/api/v1/merchant/orders",
        &hq,
        json!({ "member_id": member, "amount_paid": "10.00", "coupon_codes": [code] }),
    )
    .await
    .assert_problem(422, "validation_failed");
    // Points as cash is off until the merchant sets it up.
    app.post(
        "/api/v1/merchant/orders/quote",
        &hq,
        json!({ "member_id": member, "lines": [{ "quantity": 1, "unit_price": "10.00" }], "points": 100 }),
    )
    .await
    .assert_problem(422, "points_not_accepted");
    // Gift templates must be the merchant's.
    put(
        &app,
        "/api/v1/merchant/settings/checkout",
        &other,
        json!({ "gifts": { "registration": [template] } }),
    )
    .await
    .assert_problem(422, "validation_failed");
    let issue = app
        .post(
            &format!("/api/v1/merchant/coupon-templates/{template}/issue"),
            &hq,
            json!({ "member_ids": [member] }),
        )
        .await;
    issue.assert_problem(422, "validation_failed");
    let sent = app
        .post_with_key(
            &format!("/api/v1/merchant/coupon-templates/{template}/issue"),
            &hq,
            "send-1",
            json!({ "member_ids": [member] }),
        )
        .await;
    assert_eq!(sent.status, StatusCode::OK, "{}", sent.text);
    assert_eq!(sent.body["issued"], 1);
}

async fn cashier_scope(db: &TestDatabase) {
    let app = spawn_app(db).await;
    let (hq, created) = app.merchant("scoped").await;
    let main = created["default_store"]["id"]
        .as_str()
        .expect("store")
        .to_owned();
    let branch = app
        .post("/api/v1/merchant/stores", &hq, json!({ "name": "二店" }))
        .await
        .body["id"]
        .as_str()
        .expect("branch")
        .to_owned();
    let cashier = app
        .staff(&hq, "scoped", "cashier", "cashier", &[&branch])
        .await;

    // HQ-only: templates, sends, revocation, the checkout settings.
    app.post("/api/v1/merchant/coupon-templates", &cashier, full_off())
        .await
        .assert_problem(403, "forbidden");
    put(
        &app,
        "/api/v1/merchant/settings/checkout",
        &cashier,
        json!({}),
    )
    .await
    .assert_problem(403, "forbidden");
    let template = template(&app, &hq, full_off()).await;
    app.post_with_key(
        &format!("/api/v1/merchant/coupon-templates/{template}/issue"),
        &cashier,
        "send",
        json!({ "member_ids": [] }),
    )
    .await
    .assert_problem(403, "forbidden");

    app.member(&hq, "13800000005").await;
    let me = app.member_token("scoped", "13800000005").await;
    let claimed = app
        .post(
            &format!("/api/v1/member/coupon-templates/{template}/claim"),
            &me,
            json!({}),
        )
        .await;
    let code = claimed.body["code"].as_str().expect("code").to_owned();
    app.post(
        &format!("/api/v1/merchant/coupons/{code}/revoke"),
        &cashier,
        json!({}),
    )
    .await
    .assert_problem(403, "forbidden");
    // Not in a store of someone else's; in their own (the default when they name none).
    app.post(
        "/api/v1/merchant/verifications",
        &cashier,
        json!({ "code": code, "store_id": main }),
    )
    .await
    .assert_problem(403, "forbidden");
    let done = app
        .post(
            "/api/v1/merchant/verifications",
            &cashier,
            json!({ "code": code }),
        )
        .await;
    assert_eq!(done.status, StatusCode::CREATED, "{}", done.text);
    assert_eq!(done.body["store_id"], branch.as_str());
    // The log: their store's only; HQ sees it too.
    app.get(
        &format!("/api/v1/merchant/verifications?store_id={main}"),
        &cashier,
    )
    .await
    .assert_problem(403, "forbidden");
    let theirs = app.get("/api/v1/merchant/verifications", &cashier).await;
    assert_eq!(
        theirs.body["items"].as_array().map(Vec::len),
        Some(1),
        "{}",
        theirs.text
    );
    let all = app.get("/api/v1/merchant/verifications", &hq).await;
    assert_eq!(all.body["items"][0]["staff_id"], done.body["staff_id"]);
}
