//! Count cards (记次卡) over HTTP: HQ keeps service items and a count card template; the till
//! sells the card (an order of its price that earns points, paid partly from a stored-value
//! card), verifies uses at stores (two stores on the last use at once: one wins), and undoes
//! one the same day at the same store, once; the member sees the card and is told of each
//! use; other merchants and other stores reach nothing.

use loyalty_seaorm::on_both_databases;
use loyalty_seaorm::testing::TestDatabase;
use loyalty_tests::aliyun::{
    aliyun_answering, app_with_aliyun, field, next, placeholders, put_settings, settings,
    template_params,
};
use loyalty_tests::string;
use reqwest::StatusCode;
use serde_json::json;

on_both_databases! {
    a_count_card_is_sold_used_at_stores_to_the_last_use_once_and_undone_the_same_day => super::count_card;
    a_period_card_runs_a_month_from_its_sale_or_first_use_stacks_and_holds_its_daily_limit => super::period_card;
}

async fn count_card(db: &TestDatabase) {
    let (server, mut seen) = aliyun_answering("OK").await;
    let app = app_with_aliyun(db, &server).await;
    let shop = app.merchant("salon").await;
    let hq = &shop.owner;
    let main_store = shop.default_store();
    let branch = app.store(hq, "二店").await;
    let at_main = app.cashier(&shop, &main_store).await;
    let at_branch = app
        .staff(
            &shop,
            loyalty_tests::staff_account("branch-cashier", "二店收银", "cashier", &[&branch]),
        )
        .await;
    let stranger = app.merchant("other-salon").await.owner;
    put_settings(
        &app,
        hq,
        settings(
            "card_use",
            "SMS_CARDUSE",
            "您的{name}已核销{item}一次，剩余{uses_left}次。",
            placeholders(&["name", "item", "uses_left"]),
        ),
    )
    .await;

    // Service items: HQ's list; codes are unique; a cashier may not add one.
    let item = |code: &str, name: &str| json!({ "code": code, "name": name, "price": "38.00" });
    let haircut = string(
        &app.created(
            "/api/v1/merchant/service-items",
            hq,
            item("HAIRCUT", "洗剪吹"),
        )
        .await["id"],
    );
    let dye = string(
        &app.created("/api/v1/merchant/service-items", hq, item("DYE", "染发"))
            .await["id"],
    );
    app.post(
        "/api/v1/merchant/service-items",
        hq,
        item("HAIRCUT", "又一个"),
    )
    .await
    .assert_problem(409, "service_item_code_taken");
    app.post(
        "/api/v1/merchant/service-items",
        &at_main,
        item("WASH", "洗头"),
    )
    .await
    .assert_problem(403, "forbidden");
    let renamed = app
        .patch(
            &format!("/api/v1/merchant/service-items/{dye}"),
            hq,
            json!({ "name": "染发（短发）", "price": null }),
        )
        .await;
    assert_eq!(renamed.status, StatusCode::OK, "{}", renamed.text);
    assert_eq!(renamed.body["name"], "染发（短发）");
    assert_eq!(renamed.body["price"], serde_json::Value::Null);
    let listed = app.get("/api/v1/merchant/service-items", &at_main).await;
    assert_eq!(listed.body["items"].as_array().map(Vec::len), Some(2));
    app.patch(
        &format!("/api/v1/merchant/service-items/{dye}"),
        &stranger,
        json!({ "active": false }),
    )
    .await
    .assert_problem(404, "service_item_not_found");

    // A count card of 3 uses of either item, for 298.00.
    let rules = |items: serde_json::Value| {
        json!({ "kind": "count", "name": "洗剪吹3次卡",
                "count": { "items": items, "uses": 3, "valid_days": 365, "price": "298.00" } })
    };
    app.post(
        "/api/v1/merchant/card-templates",
        hq,
        rules(json!([uuid::Uuid::now_v7()])),
    )
    .await
    .assert_problem(404, "service_item_not_found");
    let template = string(
        &app.created(
            "/api/v1/merchant/card-templates",
            hq,
            rules(json!([haircut, dye])),
        )
        .await["id"],
    );
    let member = app.member(hq, "13800138001").await;
    let cards = format!("/api/v1/merchant/members/{member}/cards");
    app.post(&cards, hq, json!({ "template_id": template }))
        .await
        .assert_problem(422, "card_kind_mismatch");

    // Sold at the main store: an order of 298.00 that earns points; a replay sells once.
    let sales = format!("{cards}/sales");
    let (sold, replay) = app
        .post_with_key_twice(
            &sales,
            &at_main,
            "sale-1",
            json!({ "template_id": template }),
        )
        .await;
    assert_eq!(sold.status, StatusCode::CREATED, "{}", sold.text);
    assert_eq!(replay.body, sold.body, "a replay sells once");
    assert_eq!(sold.body["order"]["amount_paid"], "298.00");
    assert_eq!(sold.body["points_earned"], 298);
    assert_eq!(sold.body["card_entry"]["kind"], "sale");
    assert_eq!(sold.body["card_entry"]["uses_after"], 3);
    let card = string(&sold.body["card_entry"]["card_id"]);
    let order = string(&sold.body["order"]["id"]);
    app.post(
        &format!("/api/v1/merchant/orders/{order}/refunds"),
        hq,
        json!({}),
    )
    .await
    .assert_problem(422, "card_sale_not_refundable");

    // Uses: one at the main store; an item the card does not serve is refused.
    let uses = format!("{cards}/{card}/uses");
    let wash = string(
        &app.created("/api/v1/merchant/service-items", hq, item("WASH", "洗头"))
            .await["id"],
    );
    app.post(&uses, &at_main, json!({ "item_id": wash }))
        .await
        .assert_problem(422, "item_not_on_card");
    let (first, replayed) = app
        .post_with_key_twice(&uses, &at_main, "use-1", json!({ "item_id": haircut }))
        .await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.text);
    assert_eq!(replayed.body, first.body, "a replay uses once");
    assert_eq!(
        (
            &first.body["uses_change"],
            &first.body["uses_after"],
            &first.body["store_id"]
        ),
        (&json!(-1), &json!(2), &json!(main_store))
    );
    let form = next(&mut seen).await;
    assert_eq!(field(&form, "TemplateCode"), "SMS_CARDUSE");
    assert_eq!(
        template_params(&form),
        json!({ "name": "洗剪吹3次卡", "item": "洗剪吹", "uses_left": "2" })
    );
    // Undo: not at another store, not by a cashier of another store; once at its own.
    let use_id = string(&first.body["id"]);
    let undo = format!("{uses}/{use_id}/undo");
    app.post(&undo, &at_branch, json!({}))
        .await
        .assert_problem(422, "undo_window_closed");
    app.post(&undo, &at_branch, json!({ "store_id": main_store }))
        .await
        .assert_problem(403, "forbidden");
    let (undone, replayed) = app
        .post_with_key_twice(&undo, &at_main, "undo-1", json!({}))
        .await;
    assert_eq!(undone.status, StatusCode::CREATED, "{}", undone.text);
    assert_eq!(replayed.body, undone.body, "a replay undoes once");
    assert_eq!(undone.body["uses_after"], 3);
    assert_eq!(undone.body["use_id"], use_id.as_str());
    app.post(&undo, &at_main, json!({}))
        .await
        .assert_problem(409, "already_applied");

    // Two uses, then the two stores on the last use at once: exactly one wins.
    for key in ["use-2", "use-3"] {
        let used = app
            .post_with_key(&uses, &at_main, key, json!({ "item_id": dye }))
            .await;
        assert_eq!(used.status, StatusCode::CREATED, "{}", used.text);
    }
    let (a, b) = futures::join!(
        app.post(&uses, &at_main, json!({ "item_id": haircut })),
        app.post(&uses, &at_branch, json!({ "item_id": haircut })),
    );
    let won = [&a, &b]
        .iter()
        .filter(|x| x.status == StatusCode::CREATED)
        .count();
    assert_eq!(won, 1, "{} / {}", a.text, b.text);
    for lost in [&a, &b].iter().filter(|x| x.status != StatusCode::CREATED) {
        lost.assert_problem(422, "card_used_up");
    }

    // Buying again adds uses; the member sees the card as it is.
    let again = app
        .post(&sales, &at_branch, json!({ "template_id": template }))
        .await;
    assert_eq!(again.status, StatusCode::CREATED, "{}", again.text);
    assert_eq!(again.body["card_entry"]["uses_after"], 3);
    assert_eq!(again.body["card_entry"]["card_id"], card.as_str());
    let mine = app.member_token(&shop.code, "13800138001").await;
    let held = app.get("/api/v1/member/cards", &mine).await;
    assert_eq!(held.status, StatusCode::OK, "{}", held.text);
    let held = &held.body["items"][0];
    assert_eq!(held["kind"], "count");
    assert_eq!(held["uses_left"], 3);
    assert!(held["expires_at"].is_string(), "{held}");
    assert_eq!(held["items"].as_array().map(Vec::len), Some(2));
    let ledger = app
        .get(&format!("/api/v1/member/cards/{card}/ledger"), &mine)
        .await;
    let kinds: Vec<&str> = ledger.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|e| e["kind"].as_str().expect("kind"))
        .collect();
    assert_eq!(
        kinds,
        ["sale", "use", "use", "use", "use_undone", "use", "sale"]
    );

    // Stopped items are served no more; another merchant reaches neither card nor item.
    app.patch(
        &format!("/api/v1/merchant/service-items/{dye}"),
        hq,
        json!({ "active": false }),
    )
    .await;
    app.post(&uses, &at_main, json!({ "item_id": dye }))
        .await
        .assert_problem(422, "service_item_inactive");
    app.post(
        &uses,
        &stranger,
        json!({ "item_id": haircut, "store_id": main_store }),
    )
    .await
    .assert_problem(404, "store_not_found");
    let strangers_store = app.store(&stranger, "别家").await;
    app.post(
        &uses,
        &stranger,
        json!({ "item_id": haircut, "store_id": strangers_store }),
    )
    .await
    .assert_problem(404, "service_item_not_found");
}

async fn period_card(db: &TestDatabase) {
    let app = loyalty_tests::spawn_app(db).await;
    let shop = app.merchant("pool").await;
    let hq = &shop.owner;
    let cashier = app.cashier(&shop, &shop.default_store()).await;
    let swim = string(
        &app.created(
            "/api/v1/merchant/service-items",
            hq,
            json!({ "code": "SWIM", "name": "游泳" }),
        )
        .await["id"],
    );
    let template = |starts: &str| {
        json!({ "kind": "period", "name": "游泳月卡",
                "period": { "items": [swim], "length": { "unit": "month" }, "starts": starts,
                            "uses_per_day": 1, "price": "199.00" } })
    };
    let on_sale = string(
        &app.created("/api/v1/merchant/card-templates", hq, template("on_sale"))
            .await["id"],
    );
    let on_first_use = string(
        &app.created(
            "/api/v1/merchant/card-templates",
            hq,
            template("on_first_use"),
        )
        .await["id"],
    );
    let member = app.member(hq, "13600000001").await;
    let sales = format!("/api/v1/merchant/members/{member}/cards/sales");
    let sold = app
        .created(&sales, &cashier, json!({ "template_id": on_sale }))
        .await;
    assert_eq!(sold["order"]["amount_paid"], "199.00");
    let card = string(&sold["card_entry"]["card_id"]);
    let held = |body: &serde_json::Value, card: &str| {
        body["items"]
            .as_array()
            .expect("items")
            .iter()
            .find(|c| c["id"] == card)
            .cloned()
            .expect("the card")
    };
    let cards = format!("/api/v1/merchant/members/{member}/cards");
    let first = held(&app.get(&cards, hq).await.body, &card);
    assert_eq!(first["kind"], "period");
    let ends = |c: &serde_json::Value| {
        chrono::DateTime::parse_from_rfc3339(c["expires_at"].as_str().expect("expires_at"))
            .expect("a time")
    };
    let started =
        chrono::DateTime::parse_from_rfc3339(first["starts_at"].as_str().expect("started on sale"))
            .expect("a time");
    let days = (ends(&first) - started).num_days();
    assert!((28..=31).contains(&days), "a calendar month: {days} days");

    // Once a day: the second use today is refused, two at once let one through.
    let uses = format!("{cards}/{card}/uses");
    let used = app.post(&uses, &cashier, json!({ "item_id": swim })).await;
    assert_eq!(used.status, StatusCode::CREATED, "{}", used.text);
    assert_eq!(used.body["uses_change"], -1);
    app.post(&uses, &cashier, json!({ "item_id": swim }))
        .await
        .assert_problem(422, "use_limit_reached");
    let undo = format!("{uses}/{}/undo", string(&used.body["id"]));
    let undone = app.post(&undo, &cashier, json!({})).await;
    assert_eq!(undone.status, StatusCode::CREATED, "{}", undone.text);
    let (a, b) = futures::join!(
        app.post(&uses, &cashier, json!({ "item_id": swim })),
        app.post(
            &uses,
            hq,
            json!({ "item_id": swim, "store_id": shop.default_store() })
        ),
    );
    let won = [&a, &b]
        .iter()
        .filter(|x| x.status == StatusCode::CREATED)
        .count();
    assert_eq!(won, 1, "{} / {}", a.text, b.text);

    // Buying again stacks a month after the one running.
    app.created(&sales, &cashier, json!({ "template_id": on_sale }))
        .await;
    let stacked = held(&app.get(&cards, hq).await.body, &card);
    let more = (ends(&stacked) - ends(&first)).num_days();
    assert!((28..=31).contains(&more), "a month more: {more} days");

    // Starting at the first use: two months bought wait, then run from the first use.
    let later = app
        .created(&sales, &cashier, json!({ "template_id": on_first_use }))
        .await;
    let waiting = string(&later["card_entry"]["card_id"]);
    app.created(&sales, &cashier, json!({ "template_id": on_first_use }))
        .await;
    let pending = held(&app.get(&cards, hq).await.body, &waiting);
    assert_eq!(pending["periods_pending"], 2, "{pending}");
    assert!(pending.get("expires_at").is_none(), "{pending}");
    let first_use = app
        .post(
            &format!("{cards}/{waiting}/uses"),
            &cashier,
            json!({ "item_id": swim }),
        )
        .await;
    assert_eq!(first_use.status, StatusCode::CREATED, "{}", first_use.text);
    let running = held(&app.get(&cards, hq).await.body, &waiting);
    assert!(running.get("periods_pending").is_none(), "{running}");
    let days = (ends(&running)
        - chrono::DateTime::parse_from_rfc3339(running["starts_at"].as_str().expect("started"))
            .expect("a time"))
    .num_days();
    assert!(
        (58..=62).contains(&days),
        "two months from the first use: {days} days"
    );
}
