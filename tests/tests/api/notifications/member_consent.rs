//! Members set their consent to SMS and WeChat messages (and their birthday, once), and count
//! their WeChat subscriptions to the merchant's own templates.

use loyalty_seaorm::on_both_databases;
use loyalty_seaorm::testing::TestDatabase;
use loyalty_tests::aliyun::{app_with_aliyun, put_settings};
use reqwest::StatusCode;
use serde_json::{Value, json};
use wiremock::MockServer;

on_both_databases! {
    members_set_consent_and_count_wechat_subscriptions => super::consent_and_subscriptions;
}

async fn consent_and_subscriptions(db: &TestDatabase) {
    let server = MockServer::start().await;
    let app = app_with_aliyun(db, &server).await;
    let shop = app.merchant("consent").await;
    let token = &shop.owner;
    let (_, member_token) = app.signed_in_member(&shop, "13700137000").await;

    let changed = app
        .patch(
            "/api/v1/member/me",
            &member_token,
            json!({ "consent": { "sms": false }, "birthday": "1990-11-23" }),
        )
        .await;
    assert_eq!(changed.status, StatusCode::OK, "{}", changed.text);
    assert_eq!(
        (
            changed.body["sms_consent"].as_bool(),
            changed.body["wechat_consent"].as_bool()
        ),
        (Some(false), Some(true))
    );
    assert_eq!(changed.body["birthday"], "1990-11-23");
    // The birthday is set once; the store corrects a wrong one.
    app.patch(
        "/api/v1/member/me",
        &member_token,
        json!({ "birthday": "1991-01-01" }),
    )
    .await
    .assert_problem(422, "validation_failed");

    let wechat = |scene: &str, template: &str| {
        json!({ "scene": scene, "channels": ["wechat"],
                "wechat": { "template_id": template, "data": [{ "name": "number1", "value": "{points}" }] } })
    };
    put_settings(
        &app,
        token,
        json!({ "scenes": [wechat("points_earned", "tpl-a"), wechat("points_spent", "tpl-b")] }),
    )
    .await;
    let subscribe = |ids: Value| {
        app.post(
            "/api/v1/member/notifications/subscriptions",
            &member_token,
            json!({ "template_ids": ids }),
        )
    };
    // One acceptance per template a call.
    let counted = subscribe(json!(["tpl-a", "tpl-a", "tpl-b"])).await;
    assert_eq!(counted.status, StatusCode::OK, "{}", counted.text);
    assert_eq!(
        counted.body["items"],
        json!([{ "template_id": "tpl-a", "remaining": 1 }, { "template_id": "tpl-b", "remaining": 1 }])
    );
    let again = subscribe(json!(["tpl-a"])).await;
    assert_eq!(
        again.body["items"][0],
        json!({ "template_id": "tpl-a", "remaining": 2 })
    );
    subscribe(json!([""]))
        .await
        .assert_problem(422, "validation_failed");
    // Only the merchant's own templates.
    subscribe(json!(["tpl-somebody-elses"]))
        .await
        .assert_problem(422, "template_not_offered");

    // A channel without its template is refused.
    let bad = app
        .put(
            "/api/v1/merchant/settings/notifications",
            token,
            json!({ "scenes": [{ "scene": "points_earned", "channels": ["wechat"] }] }),
        )
        .await;
    bad.assert_problem(422, "validation_failed");
}
