//! Stored-value cards over HTTP, with the real Aliyun SMS client against a mock of Aliyun's API:
//! HQ sets up a card template, a cashier tops a card up (a replay changes nothing), the member
//! sees it and is told by SMS; other merchants and other members reach nothing.

use loyalty_seaorm::on_both_databases;
use loyalty_seaorm::testing::TestDatabase;
use loyalty_tests::aliyun::{
    aliyun_answering, app_with_aliyun, field, listed, next, placeholders, put_settings, settings,
    template_params,
};
use loyalty_tests::string;
use reqwest::StatusCode;
use serde_json::{Value, json};

on_both_databases! {
    a_top_up_at_the_till_goes_on_the_card_once_and_the_member_sees_it_and_is_told => super::top_up;
}

async fn top_up(db: &TestDatabase) {
    let (server, mut seen) = aliyun_answering("OK").await;
    let app = app_with_aliyun(db, &server).await;
    let shop = app.merchant("card-shop").await;
    let token = &shop.owner;
    let store = shop.default_store();
    let cashier = app.cashier(&shop, &store).await;
    let stranger = app.merchant("other-shop").await.owner;
    put_settings(
        &app,
        token,
        settings(
            "top_up",
            "SMS_TOPUP",
            "{name}充值{amount}元，赠送{bonus}元，余额{balance}元。",
            placeholders(&["name", "amount", "bonus", "balance"]),
        ),
    )
    .await;

    let rules = json!({
        "kind": "stored_value", "name": "储值金卡", "theme_colour": "#C8A060",
        "plans": [{ "pay": "100.00", "bonus": "20.00" }],
        "custom_top_up": { "min": "10.00", "max": "300.00" },
        "max_balance": "1000.00"
    });
    let mut no_way = rules.clone();
    no_way["plans"] = json!([]);
    no_way["custom_top_up"] = Value::Null;
    app.post("/api/v1/merchant/card-templates", token, no_way)
        .await
        .assert_problem(422, "validation_failed");
    app.post("/api/v1/merchant/card-templates", &cashier, rules.clone())
        .await
        .assert_problem(403, "forbidden");
    let template = string(
        &app.created("/api/v1/merchant/card-templates", token, rules)
            .await["id"],
    );
    let templates = app.get("/api/v1/merchant/card-templates", token).await;
    assert_eq!(templates.body["items"][0]["id"], template.as_str());

    let member = app.member(token, "13800138001").await;
    let other = app.member(token, "13800138002").await;
    let cards = format!("/api/v1/merchant/members/{member}/cards");
    let opened = app
        .created(&cards, token, json!({ "template_id": template }))
        .await;
    assert_eq!(opened["balance"], "0.00");
    let card = string(&opened["id"]);
    app.post(&cards, token, json!({ "template_id": template }))
        .await
        .assert_problem(409, "card_exists");

    let top_ups = format!("{cards}/{card}/top-ups");
    let body = json!({ "amount": "100.00", "payment_ref": "POS-0001" });
    let (first, replay) = app
        .post_with_key_twice(&top_ups, &cashier, "t-1", body)
        .await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.text);
    assert_eq!(
        (
            &first.body["principal_change"],
            &first.body["bonus_change"],
            &first.body["balance_after"]
        ),
        (&json!("100.00"), &json!("20.00"), &json!("120.00"))
    );
    assert_eq!(
        first.body["store_id"],
        store.as_str(),
        "the cashier's store"
    );
    assert_eq!(replay.status, StatusCode::CREATED);
    assert_eq!(
        replay.body, first.body,
        "a replay answers the first response"
    );
    assert_eq!(replay.header("Idempotent-Replayed"), Some("true"));
    app.post_with_key(&top_ups, &cashier, "t-1", json!({ "amount": "50.00" }))
        .await
        .assert_problem(422, "idempotency_key_reused");
    app.post_with_key(
        &top_ups,
        token,
        "t-2",
        json!({ "amount": "100.00", "payment_ref": "POS-0001" }),
    )
    .await
    .assert_problem(409, "already_applied");
    app.post(
        &top_ups,
        token,
        json!({ "amount": "100.00", "store_id": uuid::Uuid::now_v7() }),
    )
    .await
    .assert_problem(404, "store_not_found");
    app.post(&top_ups, token, json!({ "amount": "5.00" }))
        .await
        .assert_problem(422, "top_up_not_offered");
    app.post(
        &top_ups,
        token,
        json!({ "amount": "100.00", "payment_ref": "POS 0002" }),
    )
    .await
    .assert_problem(422, "validation_failed");
    app.post(&top_ups, token, json!({ "amount": "12.345" }))
        .await
        .assert_problem(422, "validation_failed");
    app.post(
        &format!("/api/v1/merchant/members/{other}/cards/{card}/top-ups"),
        token,
        json!({ "amount": "100.00" }),
    )
    .await
    .assert_problem(404, "card_not_found");

    // Another merchant reaches neither the member nor the card.
    app.get(&cards, &stranger)
        .await
        .assert_problem(404, "member_not_found");
    app.post(&top_ups, &stranger, json!({ "amount": "100.00" }))
        .await
        .assert_problem(404, "card_not_found");
    app.get(&format!("{cards}/{card}/ledger"), &stranger)
        .await
        .assert_problem(404, "card_not_found");

    let form = next(&mut seen).await;
    assert_eq!(field(&form, "PhoneNumbers"), "13800138001");
    assert_eq!(field(&form, "TemplateCode"), "SMS_TOPUP");
    assert_eq!(
        template_params(&form),
        json!({ "name": "储值金卡", "amount": "100.00", "bonus": "20.00", "balance": "120.00" })
    );
    // Told once: the replay and the refusals wrote no message.
    assert_eq!(listed(&app, token, "sent", 1).await.len(), 1);
    assert_eq!(
        app.get("/api/v1/merchant/notifications?status=pending", token)
            .await
            .body["items"],
        json!([])
    );

    // Paying from the card tells the member what it paid and what it holds (余额变动).
    put_settings(
        &app,
        token,
        settings(
            "card_payment",
            "SMS_CARDPAY",
            "{name}消费{amount}元，余额{balance}元。",
            placeholders(&["name", "amount", "balance"]),
        ),
    )
    .await;
    let paid = app
        .order(
            &cashier,
            json!({ "member_id": member, "amount_paid": "30.00",
                    "card": { "card_id": card, "amount": "12.00" } }),
        )
        .await;
    assert_eq!(paid["card_balance_after"], "108.00");
    let form = next(&mut seen).await;
    assert_eq!(field(&form, "TemplateCode"), "SMS_CARDPAY");
    assert_eq!(
        template_params(&form),
        json!({ "name": "储值金卡", "amount": "12.00", "balance": "108.00" })
    );

    let mine = app.member_token(&shop.code, "13800138001").await;
    let held = app.get("/api/v1/member/cards", &mine).await;
    assert_eq!(held.status, StatusCode::OK, "{}", held.text);
    let held = &held.body["items"][0];
    assert_eq!(
        (
            &held["balance"],
            &held["principal"],
            &held["bonus"],
            &held["name"]
        ),
        (
            &json!("108.00"),
            &json!("90.00"),
            &json!("18.00"),
            &json!("储值金卡")
        )
    );
    let ledger = app
        .get(&format!("/api/v1/member/cards/{card}/ledger"), &mine)
        .await;
    assert_eq!(ledger.status, StatusCode::OK, "{}", ledger.text);
    assert_eq!(ledger.body["items"].as_array().map(Vec::len), Some(2));
    assert_eq!(ledger.body["items"][0]["kind"], "payment");
    assert_eq!(ledger.body["items"][1]["payment_ref"], "POS-0001");
    let theirs = app.member_token(&shop.code, "13800138002").await;
    app.get(&format!("/api/v1/member/cards/{card}/ledger"), &theirs)
        .await
        .assert_problem(404, "card_not_found");
}
