//! A member's tokens and privacy: signing out everywhere (the member, or HQ for a lost phone),
//! a copy of everything held about them, and erasure of the personal part that keeps every
//! amount.

use loyalty_seaorm::on_both_databases;
use loyalty_seaorm::testing::TestDatabase;
use loyalty_tests::{TestApp, spawn_app, string};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

on_both_databases! {
    a_member_signs_out_everywhere_and_hq_can_sign_a_member_out => super::sign_out;
    a_member_gets_their_data_and_erasure_keeps_every_amount => super::erasure;
}

async fn me(app: &TestApp, token: &str) -> StatusCode {
    app.get("/api/v1/member/me", token).await.status
}

async fn sign_out(db: &TestDatabase) {
    let app = spawn_app(db).await;
    let shop = app.merchant("sign-out").await;
    let (member, phone) = (app.member(&shop.owner, "13900139001").await, "13900139001");
    let first = app.member_token(&shop.code, phone).await;
    let second = app.member_token(&shop.code, phone).await;
    assert_eq!(me(&app, &first).await, StatusCode::OK);

    let out = app
        .post("/api/v1/member/auth/logout", &first, json!({}))
        .await;
    assert_eq!(out.status, StatusCode::NO_CONTENT, "{}", out.text);
    for token in [&first, &second] {
        app.get("/api/v1/member/me", token)
            .await
            .assert_problem(401, "unauthenticated");
    }
    let fresh = app.member_token(&shop.code, phone).await;
    assert_eq!(
        me(&app, &fresh).await,
        StatusCode::OK,
        "signing in again works"
    );

    // HQ signs a member out (a lost phone); store staff may not, another merchant finds none.
    let path = format!("/api/v1/merchant/members/{member}/sign-out");
    let cashier = app.cashier(&shop, &shop.default_store()).await;
    app.post(&path, &cashier, json!({}))
        .await
        .assert_problem(403, "forbidden");
    let stranger = app.merchant("sign-out-other").await;
    app.post(&path, &stranger.owner, json!({}))
        .await
        .assert_problem(404, "member_not_found");
    assert_eq!(me(&app, &fresh).await, StatusCode::OK);
    let hq = app.post(&path, &shop.owner, json!({})).await;
    assert_eq!(hq.status, StatusCode::NO_CONTENT, "{}", hq.text);
    assert_eq!(me(&app, &fresh).await, StatusCode::UNAUTHORIZED);
}

fn ids(items: &Value, key: &str) -> Vec<String> {
    items
        .as_array()
        .expect("a list")
        .iter()
        .map(|i| string(&i[key]))
        .collect()
}

async fn erasure(db: &TestDatabase) {
    let app = spawn_app(db).await;
    let shop = app.merchant("privacy").await;
    let owner = &shop.owner;
    let phone = "13900139002";
    let member = app.member(owner, phone).await;
    let adjusted = app
        .post(
            &format!("/api/v1/merchant/members/{member}/points/adjustments"),
            owner,
            json!({ "delta": 120, "reason": "补偿" }),
        )
        .await;
    assert_eq!(adjusted.status, StatusCode::CREATED, "{}", adjusted.text);
    let token = app.member_token(&shop.code, phone).await;
    let template = app.coupon_template(owner, crate::coupons::full_off()).await;
    let code = app.claim_coupon(&token, &template).await;
    let card_template = string(
        &app.created(
            "/api/v1/merchant/card-templates",
            owner,
            json!({ "kind": "stored_value", "name": "储值卡",
                    "custom_top_up": { "min": "1.00", "max": "500.00" } }),
        )
        .await["id"],
    );
    let card = string(
        &app.created(
            &format!("/api/v1/merchant/members/{member}/cards"),
            owner,
            json!({ "template_id": card_template }),
        )
        .await["id"],
    );

    // The member's copy of their data: what the merchant API shows, in one document.
    let export = app.get("/api/v1/member/me/export", &token).await;
    assert_eq!(export.status, StatusCode::OK, "{}", export.text);
    let ledger = app.ledger(owner, &member).await;
    assert_eq!(export.body["member"]["phone"], phone);
    assert_eq!(export.body["erased_at"], Value::Null);
    assert_eq!(
        ids(&export.body["points_ledger"], "id"),
        ledger.iter().map(|e| string(&e["id"])).collect::<Vec<_>>()
    );
    assert_eq!(ids(&export.body["coupons"], "code"), vec![code.clone()]);
    assert_eq!(export.body["cards"][0]["card"]["id"], card.as_str());
    let hq_export = app
        .get(&format!("/api/v1/merchant/members/{member}/export"), owner)
        .await;
    assert_eq!(hq_export.body, export.body, "HQ hands over the same data");

    // Money on a card is never erased away: refund or spend it first.
    let holder_phone = "13900139003";
    let holder = app.member(owner, holder_phone).await;
    let holder_card = string(
        &app.created(
            &format!("/api/v1/merchant/members/{holder}/cards"),
            owner,
            json!({ "template_id": card_template }),
        )
        .await["id"],
    );
    let topped = app
        .post(
            &format!("/api/v1/merchant/members/{holder}/cards/{holder_card}/top-ups"),
            owner,
            json!({ "amount": "30.00" }),
        )
        .await;
    assert_eq!(topped.status, StatusCode::CREATED, "{}", topped.text);
    let holder_token = app.member_token(&shop.code, holder_phone).await;
    app.send(app.request(Method::DELETE, "/api/v1/member/me", Some(&holder_token)))
        .await
        .assert_problem(409, "member_holds_stored_value");
    let kept = app
        .get(&format!("/api/v1/merchant/members/{holder}"), owner)
        .await;
    assert_eq!(kept.body["phone"], holder_phone, "nothing was erased");

    // Store staff may not erase, another merchant finds nobody.
    let erase = format!("/api/v1/merchant/members/{member}/erase");
    let cashier = app.cashier(&shop, &shop.default_store()).await;
    app.post(&erase, &cashier, json!({}))
        .await
        .assert_problem(403, "forbidden");
    let stranger = app.merchant("privacy-other").await;
    app.post(&erase, &stranger.owner, json!({}))
        .await
        .assert_problem(404, "member_not_found");

    // The member erases themselves: the personal part goes, the amounts stay.
    let erased = app
        .send(app.request(Method::DELETE, "/api/v1/member/me", Some(&token)))
        .await;
    assert_eq!(erased.status, StatusCode::OK, "{}", erased.text);
    for field in ["phone", "name", "birthday"] {
        assert_eq!(erased.body[field], Value::Null, "{field} erased");
    }
    assert_eq!(erased.body["sms_consent"], false);
    assert_eq!(erased.body["wechat_consent"], false);
    assert_eq!(erased.body["points_balance"], 120);
    app.get("/api/v1/member/me", &token)
        .await
        .assert_problem(401, "unauthenticated");
    assert_eq!(app.balance(owner, &member).await, 120);
    assert_eq!(app.ledger(owner, &member).await, ledger);
    let after = app
        .get(&format!("/api/v1/merchant/members/{member}/export"), owner)
        .await;
    assert!(after.body["erased_at"].is_string(), "{}", after.text);
    assert_eq!(after.body["member"]["phone"], Value::Null);
    assert_eq!(after.body["coupons"], export.body["coupons"]);
    assert_eq!(after.body["cards"], export.body["cards"]);
    // Erasing again answers the erased member; the phone is free for a new member.
    let again = app.post(&erase, owner, json!({})).await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.text);
    assert_eq!(again.body, erased.body);
    let newcomer = app.member(owner, phone).await;
    assert_ne!(newcomer, member, "the phone now belongs to a new member");
}
