//! What the coupon endpoints refuse: bad templates, another merchant's templates and coupons,
//! coupons on an order the till priced, points as cash before it is set up, gifts of another
//! merchant's templates and a send without its key.

use super::{full_off, verify};
use loyalty_seaorm::on_both_databases;
use loyalty_seaorm::testing::TestDatabase;
use loyalty_tests::spawn_app;
use reqwest::StatusCode;
use serde_json::json;

on_both_databases! {
    coupon_endpoints_refuse_bad_input_and_other_merchants => super::refusals;
}

async fn refusals(db: &TestDatabase) {
    let app = spawn_app(db).await;
    let shop = app.merchant("strict").await;
    let hq = &shop.owner;
    let other = app.merchant("other").await.owner;
    let bad = app
        .post(
            "/api/v1/merchant/coupon-templates",
            hq,
            json!({ "name": "x", "benefit": { "type": "percent_off", "rate": "1.5" }, "validity": { "mode": "after_claim", "days": 7 } }),
        )
        .await;
    bad.assert_problem(422, "validation_failed");
    let unknown = app
        .post(
            "/api/v1/merchant/coupon-templates",
            hq,
            json!({ "name": "x", "surprise": true, "benefit": { "type": "no_threshold", "amount": "5.00" }, "validity": { "mode": "after_claim", "days": 7 } }),
        )
        .await;
    assert_eq!(
        unknown.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        unknown.text
    );
    let template = app.coupon_template(hq, full_off()).await;
    // Another merchant sees neither the template nor its coupons.
    app.get(
        &format!("/api/v1/merchant/coupon-templates/{template}"),
        &other,
    )
    .await
    .assert_problem(404, "coupon_template_not_found");
    let (_, me) = app.signed_in_member(&shop, "13800000003").await;
    let code = app.claim_coupon(&me, &template).await;
    app.get(&format!("/api/v1/merchant/coupons/{code}"), &other)
        .await
        .assert_problem(404, "coupon_not_found");
    verify(&app, &other, &code, None)
        .await
        .assert_problem(404, "coupon_not_found");
    app.get("/api/v1/merchant/coupons/12345", hq)
        .await
        .assert_problem(422, "validation_failed");
    // An order priced by the till takes no coupons.
    let member = app.member(hq, "13800000004").await;
    app.post(
        "/api/v1/merchant/orders",
        hq,
        json!({ "member_id": member, "amount_paid": "10.00", "coupon_codes": [code] }),
    )
    .await
    .assert_problem(422, "validation_failed");
    // Points as cash is off until the merchant sets it up.
    app.post(
        "/api/v1/merchant/orders/quote",
        hq,
        json!({ "member_id": member, "lines": [{ "quantity": 1, "unit_price": "10.00" }], "points": 100 }),
    )
    .await
    .assert_problem(422, "points_not_accepted");
    // Gift templates must be the merchant's.
    app.put(
        "/api/v1/merchant/settings/checkout",
        &other,
        json!({ "gifts": { "registration": [template] } }),
    )
    .await
    .assert_problem(404, "coupon_template_not_found");
    let issue = app
        .post(
            &format!("/api/v1/merchant/coupon-templates/{template}/issue"),
            hq,
            json!({ "member_ids": [member] }),
        )
        .await;
    issue.assert_problem(422, "validation_failed");
    let sent = app
        .post_with_key(
            &format!("/api/v1/merchant/coupon-templates/{template}/issue"),
            hq,
            "send-1",
            json!({ "member_ids": [member] }),
        )
        .await;
    assert_eq!(sent.status, StatusCode::OK, "{}", sent.text);
    assert_eq!(sent.body["issued"], 1);
}
