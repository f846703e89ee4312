//! Messages to HQ: they go by SMS only, to HQ's phones; HQ is told when a send takes a coupon
//! template's stock to its alert.

use loyalty_seaorm::on_both_databases;
use loyalty_seaorm::testing::TestDatabase;
use loyalty_tests::aliyun::{
    aliyun_answering, app_with_aliyun, field, listed, next, put_settings, settings, template_params,
};
use reqwest::StatusCode;
use serde_json::json;

on_both_databases! {
    hq_is_told_by_sms_when_a_send_takes_a_coupon_stock_to_its_alert => super::stock_low;
}

async fn stock_low(db: &TestDatabase) {
    let (server, mut seen) = aliyun_answering("OK").await;
    let app = app_with_aliyun(db, &server).await;
    let token = app.merchant("stock-shop").await.owner;
    let mut body = settings(
        "stock_low",
        "SMS_STOCK",
        "{name}仅剩{remaining}张。",
        json!([{ "name": "name", "value": "{name}" }, { "name": "left", "value": "{remaining}" }]),
    );
    body["hq_phones"] = json!(["13900000001"]);
    put_settings(&app, &token, body.clone()).await;
    // HQ's scenes go by SMS only, to HQ's phones.
    let mut by_wechat = body.clone();
    by_wechat["scenes"][0]["channels"] = json!(["wechat"]);
    by_wechat["scenes"][0]["wechat"] = json!({ "template_id": "tpl", "data": [] });
    app.put("/api/v1/merchant/settings/notifications", &token, by_wechat)
        .await
        .assert_invalid_field("scenes.channels");

    let template = json!({
        "name": "新品券", "stock": 3, "low_stock_alert": 1, "claimable": false,
        "benefit": { "type": "no_threshold", "amount": "5.00" },
        "validity": { "mode": "after_claim", "days": 7 }
    });
    let mut above = template.clone();
    above["low_stock_alert"] = json!(3);
    let bad = app
        .post("/api/v1/merchant/coupon-templates", &token, above)
        .await;
    bad.assert_problem(422, "validation_failed");
    let id = app.coupon_template(&token, template).await;
    let mut members = Vec::new();
    for i in 1..=2 {
        members.push(app.member(&token, &format!("1380000000{i}")).await);
    }
    let sent = app
        .post_with_key(
            &format!("/api/v1/merchant/coupon-templates/{id}/issue"),
            &token,
            "send-1",
            json!({ "member_ids": members }),
        )
        .await;
    assert_eq!(sent.status, StatusCode::OK, "{}", sent.text);
    assert_eq!(sent.body["issued"], 2, "{}", sent.text);

    let form = next(&mut seen).await;
    assert_eq!(field(&form, "PhoneNumbers"), "13900000001");
    assert_eq!(field(&form, "TemplateCode"), "SMS_STOCK");
    let params = template_params(&form);
    assert_eq!(params, json!({ "name": "新品券", "left": "1" }));
    let told = listed(&app, &token, "sent", 1).await;
    assert_eq!(told[0]["scene"], "stock_low");
}
