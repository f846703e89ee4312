//! The merchant's wallet over HTTP: the platform records payments (a replay changes nothing), HQ
//! asks to withdraw, the platform reviews and HQ is told by SMS (the real Aliyun client against a
//! mock of Aliyun's API); cashiers see none of it.

use loyalty_seaorm::on_both_databases;
use loyalty_seaorm::testing::TestDatabase;
use loyalty_tests::PLATFORM_KEY;
use loyalty_tests::aliyun::{
    aliyun_answering, app_with_aliyun, field, listed, next, placeholders, put_settings, settings,
    template_params,
};
use reqwest::StatusCode;
use serde_json::json;

on_both_databases! {
    hq_withdraws_the_platform_reviews_and_hq_is_told_by_sms => super::withdrawal;
}

async fn withdrawal(db: &TestDatabase) {
    let (server, mut seen) = aliyun_answering("OK").await;
    let app = app_with_aliyun(db, &server).await;
    let shop = app.merchant("wallet-shop").await;
    let token = &shop.owner;
    let merchant = shop.id();
    let store = shop.default_store();
    let cashier = app.cashier(&shop, &store).await;
    for path in [
        "/api/v1/merchant/wallet",
        "/api/v1/merchant/wallet/ledger",
        "/api/v1/merchant/wallet/withdrawals",
    ] {
        app.get(path, &cashier)
            .await
            .assert_problem(403, "forbidden");
    }
    app.post(
        "/api/v1/merchant/wallet/withdrawals",
        &cashier,
        json!({ "amount": "1.00" }),
    )
    .await
    .assert_problem(403, "forbidden");
    let mut told = settings(
        "withdrawal_reviewed",
        "SMS_PAYOUT",
        "提现{amount}元{result}，说明：{note}",
        placeholders(&["amount", "result", "note"]),
    );
    told["hq_phones"] = json!(["13900000001"]);
    put_settings(&app, token, told).await;

    let payments = format!("/api/v1/platform/merchants/{merchant}/wallet/payments");
    let paid = json!({ "payment_ref": "4200001234", "amount": "500.00" });
    let (landed, replayed) = app
        .post_with_key_twice(&payments, PLATFORM_KEY, "pay-1", paid.clone())
        .await;
    assert_eq!(landed.status, StatusCode::CREATED, "{}", landed.text);
    assert_eq!(
        replayed.body, landed.body,
        "a replay answers the first response"
    );
    app.post(&payments, PLATFORM_KEY, paid.clone())
        .await
        .assert_problem(409, "already_applied");
    app.post(
        &payments,
        PLATFORM_KEY,
        json!({ "payment_ref": "", "amount": "1.00" }),
    )
    .await
    .assert_problem(422, "validation_failed");
    app.post(&payments, token, paid)
        .await
        .assert_problem(401, "unauthenticated");
    app.post(
        &format!(
            "/api/v1/platform/merchants/{}/wallet/payments",
            uuid::Uuid::now_v7()
        ),
        PLATFORM_KEY,
        json!({ "payment_ref": "4200009999", "amount": "1.00" }),
    )
    .await
    .assert_problem(404, "merchant_not_found");

    let wallet = app.get("/api/v1/merchant/wallet", token).await;
    assert_eq!(
        (&wallet.body["available"], &wallet.body["pending"]),
        (&json!("500.00"), &json!("0.00"))
    );
    let withdrawals = "/api/v1/merchant/wallet/withdrawals";
    app.post_with_key(withdrawals, token, "w-0", json!({ "amount": "600.00" }))
        .await
        .assert_problem(422, "insufficient_balance");
    let (asked, again) = app
        .post_with_key_twice(
            withdrawals,
            token,
            "w-1",
            json!({ "amount": "300.00", "note": "对公账户" }),
        )
        .await;
    assert_eq!(asked.status, StatusCode::CREATED, "{}", asked.text);
    assert_eq!(asked.body["status"], "pending");
    let id = asked.body["id"].as_str().expect("id").to_owned();
    assert_eq!(again.body, asked.body, "a replay holds nothing more");
    let wallet = app.get("/api/v1/merchant/wallet", token).await;
    assert_eq!(
        (&wallet.body["available"], &wallet.body["pending"]),
        (&json!("200.00"), &json!("300.00"))
    );

    let queue = app
        .get("/api/v1/platform/withdrawals?status=pending", PLATFORM_KEY)
        .await;
    assert_eq!(queue.status, StatusCode::OK, "{}", queue.text);
    assert_eq!(queue.body["items"][0]["id"], id.as_str());
    assert_eq!(queue.body["items"][0]["merchant_id"], merchant.as_str());
    let reject = format!("/api/v1/platform/withdrawals/{id}/reject");
    app.post(&reject, PLATFORM_KEY, json!({}))
        .await
        .assert_problem(422, "validation_failed");
    let rejected = app
        .post(&reject, PLATFORM_KEY, json!({ "note": "开户行信息有误" }))
        .await;
    assert_eq!(rejected.status, StatusCode::OK, "{}", rejected.text);
    assert_eq!(rejected.body["status"], "rejected");
    let again = app
        .post(&reject, PLATFORM_KEY, json!({ "note": "开户行信息有误" }))
        .await;
    assert_eq!(
        (again.status, &again.body),
        (StatusCode::OK, &rejected.body),
        "the same decision again answers it as decided"
    );
    app.post(
        &format!("/api/v1/platform/withdrawals/{id}/approve"),
        PLATFORM_KEY,
        json!({}),
    )
    .await
    .assert_problem(409, "withdrawal_already_reviewed");

    let form = next(&mut seen).await;
    assert_eq!(field(&form, "PhoneNumbers"), "13900000001");
    assert_eq!(
        template_params(&form),
        json!({ "amount": "300.00", "result": "已驳回", "note": "开户行信息有误" })
    );
    let wallet = app.get("/api/v1/merchant/wallet", token).await;
    assert_eq!(
        (&wallet.body["available"], &wallet.body["pending"]),
        (&json!("500.00"), &json!("0.00"))
    );
    assert_eq!(
        listed(&app, token, "sent", 1).await.len(),
        1,
        "HQ is told of the review once"
    );
    let ledger = app.get("/api/v1/merchant/wallet/ledger", token).await;
    let kinds: Vec<&str> = ledger.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|e| e["kind"].as_str())
        .collect();
    assert_eq!(kinds, ["withdrawal_returned", "withdrawal_held", "payment"]);
    let mine = app
        .get(&format!("{withdrawals}?status=rejected"), token)
        .await;
    assert_eq!(mine.body["items"][0]["review_note"], "开户行信息有误");
}
