//! Order history over HTTP: HQ lists every store's orders, store staff their own stores',
//! the member their own; filters by store, member, local days and status; pages that neither
//! repeat nor skip.

use loyalty_seaorm::on_both_databases;
use loyalty_seaorm::testing::TestDatabase;
use loyalty_tests::{TestApp, spawn_app, string};
use reqwest::StatusCode;
use serde_json::{Value, json};

on_both_databases! {
    hq_store_staff_and_members_list_the_orders_they_may_see_page_by_page => super::history;
}

/// Every order of `path` (which has a query already), `limit` at a time: their ids.
async fn all_pages(app: &TestApp, token: &str, path: &str, limit: u64) -> Vec<String> {
    let mut ids = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let url = match &cursor {
            Some(c) => format!("{path}&limit={limit}&cursor={c}"),
            None => format!("{path}&limit={limit}"),
        };
        let page = app.get(&url, token).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.text);
        let items = page.body["items"].as_array().expect("items");
        assert!(items.len() as u64 <= limit);
        ids.extend(items.iter().map(|o| string(&o["id"])));
        match page.body["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => return ids,
        }
    }
}

fn count(answer: &loyalty_tests::Answer) -> usize {
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    answer.body["items"].as_array().map_or(0, Vec::len)
}

async fn history(db: &TestDatabase) {
    let app = spawn_app(db).await;
    let shop = app.merchant("bakery").await;
    let hq = &shop.owner;
    let branch = app.store(hq, "二店").await;
    let cashier = app.cashier(&shop, &branch).await;
    let stranger = app.merchant("other-bakery").await.owner;
    let outsider = app.member(&stranger, "13700000001").await;
    let ann = app.member(hq, "13800000001").await;
    let bob = app.member(hq, "13800000002").await;
    let mut placed: Vec<Value> = Vec::new();
    for amount in ["10.00", "20.00", "30.00"] {
        placed.push(app.purchase(hq, &ann, amount).await);
    }
    for amount in ["40.00", "50.00"] {
        placed.push(
            app.order(&cashier, json!({ "member_id": bob, "amount_paid": amount }))
                .await,
        );
    }
    let first = string(&placed[0]["order"]["id"]);
    let refunded = app
        .post(
            &format!("/api/v1/merchant/orders/{first}/refunds"),
            hq,
            json!({}),
        )
        .await;
    assert_eq!(refunded.status, StatusCode::CREATED, "{}", refunded.text);

    // HQ: every order, newest first, the same in pages of any size.
    let newest_first: Vec<String> = placed
        .iter()
        .rev()
        .map(|o| string(&o["order"]["id"]))
        .collect();
    for limit in [1, 2, 5, 100] {
        assert_eq!(
            all_pages(&app, hq, "/api/v1/merchant/orders?", limit).await,
            newest_first,
            "pages of {limit}"
        );
    }
    let ann_orders = all_pages(
        &app,
        hq,
        &format!("/api/v1/merchant/orders?member_id={ann}"),
        2,
    )
    .await;
    assert_eq!(ann_orders, newest_first[2..].to_vec());
    let at_branch = app
        .get(&format!("/api/v1/merchant/orders?store_id={branch}"), hq)
        .await;
    assert_eq!(count(&at_branch), 2);
    assert_eq!(at_branch.body["items"][0]["store_id"], branch.as_str());
    let refunds = app.get("/api/v1/merchant/orders?status=refunded", hq).await;
    assert_eq!(count(&refunds), 1);
    assert_eq!(refunds.body["items"][0]["id"], first.as_str());
    assert_eq!(refunds.body["items"][0]["amount_refunded"], "10.00");

    // Days in the merchant's time zone (Asia/Shanghai), both ends included.
    let today = (chrono::Utc::now() + chrono::Duration::hours(8)).date_naive();
    let day = |d: chrono::NaiveDate| d.format("%Y-%m-%d").to_string();
    let (yesterday, tomorrow) = (
        today.pred_opt().expect("day"),
        today.succ_opt().expect("day"),
    );
    let around = app
        .get(
            &format!(
                "/api/v1/merchant/orders?from={}&to={}",
                day(yesterday),
                day(tomorrow)
            ),
            hq,
        )
        .await;
    assert_eq!(count(&around), 5);
    let later = app
        .get(
            &format!(
                "/api/v1/merchant/orders?from={}",
                day(tomorrow.succ_opt().expect("day"))
            ),
            hq,
        )
        .await;
    assert_eq!(count(&later), 0);
    let earlier = app
        .get(
            &format!(
                "/api/v1/merchant/orders?to={}",
                day(yesterday.pred_opt().expect("day"))
            ),
            hq,
        )
        .await;
    assert_eq!(count(&earlier), 0);
    for bad in [
        format!("from={}&to={}", day(tomorrow), day(yesterday)),
        "from=2026-13-01".to_owned(),
        "status=lost".to_owned(),
        "limit=101".to_owned(),
    ] {
        app.get(&format!("/api/v1/merchant/orders?{bad}"), hq)
            .await
            .assert_problem(422, "validation_failed");
    }
    app.get("/api/v1/merchant/orders?cursor=nonsense", hq)
        .await
        .assert_problem(422, "invalid_cursor");
    app.get(&format!("/api/v1/merchant/orders?member_id={outsider}"), hq)
        .await
        .assert_problem(404, "member_not_found");

    // Store staff: their store's orders only, and no other store's on asking.
    let seen = app.get("/api/v1/merchant/orders", &cashier).await;
    assert_eq!(count(&seen), 2, "{}", seen.text);
    app.get(
        &format!("/api/v1/merchant/orders?store_id={}", shop.default_store()),
        &cashier,
    )
    .await
    .assert_problem(403, "forbidden");
    let seen = app
        .get(
            &format!("/api/v1/merchant/orders?member_id={ann}"),
            &cashier,
        )
        .await;
    assert_eq!(count(&seen), 0, "Ann bought at the other store");

    // The member: their own orders, what each paid and earned, refunds included.
    let me = app.member_token("bakery", "13800000001").await;
    let mine = app.get("/api/v1/member/orders", &me).await;
    assert_eq!(count(&mine), 3);
    assert_eq!(mine.body["items"][2]["id"], first.as_str());
    assert_eq!(mine.body["items"][2]["status"], "refunded");
    assert_eq!(mine.body["items"][0]["amount_paid"], "30.00");
    assert_eq!(mine.body["items"][0]["points_earned"], 30);
    app.get(&format!("/api/v1/member/orders?member_id={bob}"), &me)
        .await
        .assert_problem(422, "validation_failed");
    // Another merchant sees none of them.
    assert_eq!(
        count(&app.get("/api/v1/merchant/orders?", &stranger).await),
        0
    );
}
