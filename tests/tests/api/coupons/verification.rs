//! Verification of a coupon at a store: once, only where it applies, undone; revoked by HQ;
//! retried with its key; and a cashier verifies in their own store only and runs none of HQ's
//! coupon actions.

use super::{full_off, verify};
use loyalty_seaorm::on_both_databases;
use loyalty_seaorm::testing::TestDatabase;
use loyalty_tests::spawn_app;
use reqwest::StatusCode;
use serde_json::json;

on_both_databases! {
    a_coupon_is_verified_once_at_a_store_where_it_applies_and_undone => super::verification;
    a_cashier_verifies_only_in_their_store_and_cannot_run_hq_coupon_actions => super::cashier_scope;
}

async fn verification(db: &TestDatabase) {
    let app = spawn_app(db).await;
    let shop = app.merchant("bakery").await;
    let hq = &shop.owner;
    let main = shop.default_store();
    let branch = app.store(hq, "二店").await;
    let template = app
        .coupon_template(
            hq,
            json!({
                "name": "免费面包", "benefit": { "type": "free_item" },
                "scope": { "store_ids": [branch] },
                "validity": { "mode": "after_claim", "days": 30 }
            }),
        )
        .await;
    let (_, me) = app.signed_in_member(&shop, "13800000002").await;
    let code = app.claim_coupon(&me, &template).await;

    verify(&app, hq, &code, Some(&main))
        .await
        .assert_problem(422, "coupon_not_applicable");
    let done = verify(&app, hq, &code, Some(&branch)).await;
    assert_eq!(done.status, StatusCode::CREATED, "{}", done.text);
    assert_eq!(done.body["coupon"]["status"], "used");
    assert_eq!(done.body["store_id"], branch.as_str());
    verify(&app, hq, &code, Some(&branch))
        .await
        .assert_problem(409, "coupon_used");
    let log = app
        .get(
            &format!("/api/v1/merchant/verifications?store_id={branch}"),
            hq,
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
            hq,
            json!({}),
        )
        .await;
    assert_eq!(undone.status, StatusCode::OK, "{}", undone.text);
    assert_eq!(undone.body["coupon"]["status"], "available");
    assert!(undone.body["undone_at"].is_string());
    // HQ revokes it; then it cannot be used, nor revoked again.
    let revoke = format!("/api/v1/merchant/coupons/{code}/revoke");
    let revoked = app.post(&revoke, hq, json!({})).await;
    assert_eq!(revoked.body["status"], "revoked", "{}", revoked.text);
    app.post(&revoke, hq, json!({}))
        .await
        .assert_problem(422, "coupon_revoked");
    verify(&app, hq, &code, Some(&branch))
        .await
        .assert_problem(422, "coupon_revoked");
    // A verification retried with its key answers the first response.
    let second = app.claim_coupon(&me, &template).await;
    let body = json!({ "code": second, "store_id": branch });
    let (first, retry) = app
        .post_with_key_twice("/api/v1/merchant/verifications", hq, "till-7", body)
        .await;
    assert_eq!(
        (first.status, retry.status),
        (StatusCode::CREATED, StatusCode::CREATED)
    );
    assert_eq!(retry.body, first.body);
}

async fn cashier_scope(db: &TestDatabase) {
    let app = spawn_app(db).await;
    let shop = app.merchant("scoped").await;
    let hq = &shop.owner;
    let main = shop.default_store();
    let branch = app.store(hq, "二店").await;
    let cashier = app.cashier(&shop, &branch).await;

    // HQ-only: templates, sends, revocation, the checkout settings.
    app.post("/api/v1/merchant/coupon-templates", &cashier, full_off())
        .await
        .assert_problem(403, "forbidden");
    app.put("/api/v1/merchant/settings/checkout", &cashier, json!({}))
        .await
        .assert_problem(403, "forbidden");
    let template = app.coupon_template(hq, full_off()).await;
    app.post_with_key(
        &format!("/api/v1/merchant/coupon-templates/{template}/issue"),
        &cashier,
        "send",
        json!({ "member_ids": [] }),
    )
    .await
    .assert_problem(403, "forbidden");

    let (_, me) = app.signed_in_member(&shop, "13800000005").await;
    let code = app.claim_coupon(&me, &template).await;
    app.post(
        &format!("/api/v1/merchant/coupons/{code}/revoke"),
        &cashier,
        json!({}),
    )
    .await
    .assert_problem(403, "forbidden");
    // Not in a store of someone else's; in their own (the default when they name none).
    verify(&app, &cashier, &code, Some(&main))
        .await
        .assert_problem(403, "forbidden");
    let done = verify(&app, &cashier, &code, None).await;
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
    let all = app.get("/api/v1/merchant/verifications", hq).await;
    assert_eq!(all.body["items"][0]["staff_id"], done.body["staff_id"]);
}
