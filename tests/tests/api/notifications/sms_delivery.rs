//! SMS through the outbox: a login code goes out at once and signs the member in; a message the
//! provider rejects is listed for HQ and goes out when queued again; billable parts count the
//! provider's signature when the merchant names none; usage by month.

use loyalty_seaorm::on_both_databases;
use loyalty_seaorm::testing::TestDatabase;
use loyalty_tests::aliyun::{
    Aliyun, aliyun_answering, app_with_aliyun, app_with_aliyun_signing_as, field, listed, next,
    placeholders, put_settings, settings, template_params,
};
use loyalty_tests::calendar::this_month_in_shanghai;
use reqwest::StatusCode;
use serde_json::json;
use tokio::sync::mpsc;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer};

on_both_databases! {
    a_login_code_goes_out_by_sms_at_once_and_signs_the_member_in => super::login_code;
    a_rejected_message_waits_for_hq_and_goes_out_when_queued_again => super::rejected_then_requeued;
    sms_parts_are_counted_with_the_providers_signature_when_the_merchant_names_none => super::provider_signature;
}

async fn login_code(db: &TestDatabase) {
    let (server, mut seen) = aliyun_answering("OK").await;
    let app = app_with_aliyun(db, &server).await;
    let token = app.merchant("sms-shop").await.owner;
    put_settings(
        &app,
        &token,
        settings(
            "login_code",
            "SMS_CODE",
            "您的验证码{code}，5分钟内有效。",
            placeholders(&["code"]),
        ),
    )
    .await;

    let asked = app
        .post_anonymously(
            "/api/v1/member/auth/sms-codes",
            json!({ "merchant_code": "sms-shop", "phone": "13800138000" }),
        )
        .await;
    assert_eq!(asked.status, StatusCode::ACCEPTED, "{}", asked.text);
    let form = next(&mut seen).await;
    assert_eq!(field(&form, "Action"), "SendSms");
    assert_eq!(field(&form, "PhoneNumbers"), "13800138000");
    assert_eq!(field(&form, "SignName"), "演示茶饮");
    assert_eq!(field(&form, "TemplateCode"), "SMS_CODE");
    let params = template_params(&form);
    let code = params["code"].as_str().expect("a code").to_owned();
    assert_eq!(code.len(), 6);
    assert!(!field(&form, "OutId").is_empty(), "the event id goes along");

    // The code the member received signs them in.
    let signed_in = app
        .post_anonymously(
            "/api/v1/member/auth/sms",
            json!({ "merchant_code": "sms-shop", "phone": "13800138000", "code": code }),
        )
        .await;
    assert_eq!(signed_in.status, StatusCode::OK, "{}", signed_in.text);

    let sent = listed(&app, &token, "sent", 1).await;
    assert_eq!(sent[0]["scene"], "login_code");
    assert_eq!(sent[0]["recipient"], "138****8000");
    assert_eq!(sent[0]["parts"], 1);
    let month = this_month_in_shanghai();
    let usage = app
        .get(
            &format!("/api/v1/merchant/notifications/usage?month={month}"),
            &token,
        )
        .await;
    assert_eq!(usage.status, StatusCode::OK, "{}", usage.text);
    assert_eq!(
        (
            usage.body["messages"].as_u64(),
            usage.body["billable_parts"].as_u64()
        ),
        (Some(1), Some(1))
    );
}

async fn rejected_then_requeued(db: &TestDatabase) {
    let server = MockServer::start().await;
    let (tx, mut seen) = mpsc::unbounded_channel();
    Mock::given(method("POST"))
        .and(path("/"))
        .respond_with(Aliyun {
            code: "isv.MOBILE_NUMBER_ILLEGAL",
            seen: tx.clone(),
        })
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/"))
        .respond_with(Aliyun {
            code: "OK",
            seen: tx,
        })
        .with_priority(2)
        .mount(&server)
        .await;
    let app = app_with_aliyun(db, &server).await;
    let token = app.merchant("points-sms").await.owner;
    put_settings(
        &app,
        &token,
        settings(
            "points_earned",
            "SMS_EARNED",
            "您获得{points}积分，当前积分{balance}。",
            placeholders(&["points", "balance"]),
        ),
    )
    .await;
    let member = app.member(&token, "13900139000").await;
    app.purchase(&token, &member, "88.00").await;

    let first = next(&mut seen).await;
    let params = template_params(&first);
    assert_eq!(params, json!({ "points": "88", "balance": "88" }));
    let failed = listed(&app, &token, "failed", 1).await;
    assert_eq!(failed[0]["scene"], "points_earned");
    assert_eq!(failed[0]["attempts"], 1);
    assert!(
        failed[0]["last_error"]
            .as_str()
            .is_some_and(|e| e.contains("isv.MOBILE_NUMBER_ILLEGAL")),
        "{}",
        failed[0]
    );
    let id = failed[0]["id"].as_str().expect("id").to_owned();
    let retried = app
        .post(
            &format!("/api/v1/merchant/notifications/{id}/retry"),
            &token,
            json!({}),
        )
        .await;
    assert_eq!(retried.status, StatusCode::NO_CONTENT, "{}", retried.text);
    let second = next(&mut seen).await;
    assert_eq!(
        field(&second, "OutId"),
        field(&first, "OutId"),
        "the same event"
    );
    let sent = listed(&app, &token, "sent", 1).await;
    assert_eq!(sent[0]["id"], id.as_str());
    app.post(
        &format!("/api/v1/merchant/notifications/{id}/retry"),
        &token,
        json!({}),
    )
    .await
    .assert_problem(404, "message_not_found");
}

async fn provider_signature(db: &TestDatabase) {
    let (server, mut seen) = aliyun_answering("OK").await;
    let app = app_with_aliyun_signing_as(db, &server, "茶舍会员连锁店").await;
    let token = app.merchant("signed-shop").await.owner;
    // A 64-character text: 68 with a two-character signature (one SMS), 73 with the
    // provider's seven (two parts).
    let text = format!("验证码{{code}}{}", "请".repeat(55));
    let mut body = settings("login_code", "SMS_CODE", &text, placeholders(&["code"]));
    body.as_object_mut()
        .expect("object")
        .remove("sms_sign_name");
    put_settings(&app, &token, body).await;
    let saved = app
        .get("/api/v1/merchant/settings/notifications", &token)
        .await;
    assert_eq!(
        saved.body["policy"]["sms_sign_name"], "茶舍会员连锁店",
        "{}",
        saved.text
    );

    let asked = app
        .post_anonymously(
            "/api/v1/member/auth/sms-codes",
            json!({ "merchant_code": "signed-shop", "phone": "13800138001" }),
        )
        .await;
    assert_eq!(asked.status, StatusCode::ACCEPTED, "{}", asked.text);
    let form = next(&mut seen).await;
    assert_eq!(field(&form, "SignName"), "茶舍会员连锁店");
    let sent = listed(&app, &token, "sent", 1).await;
    assert_eq!(sent[0]["parts"], 2, "{sent:?}");
}
