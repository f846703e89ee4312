//! Points for actions (share, review, registration): once per thing, up to the daily cap, also
//! when many are asked for at once; a merchant that offers none refuses them.

use super::{ACTIONS, EARNING};
use loyalty_seaorm::on_both_databases;
use loyalty_seaorm::testing::TestDatabase;
use loyalty_tests::{spawn_app, string};
use reqwest::StatusCode;
use serde_json::{Value, json};

on_both_databases! {
    members_earn_for_actions_once_per_thing_up_to_the_daily_cap => super::actions;
    actions_asked_for_at_once_earn_once_and_within_the_cap => super::actions_at_once;
}

/// 1 point per 1.00; 20 points a share, at most 50 a day; 50 points a review.
fn shares_and_reviews() -> Value {
    json!({
        "points_per_unit": 1,
        "unit": "1.00",
        "actions": {
            "share": { "points": 20, "daily_cap": 50 },
            "review": { "points": 50 }
        }
    })
}

async fn actions(db: &TestDatabase) {
    let app = spawn_app(db).await;
    let shop = app.merchant("rules-actions").await;
    let owner = &shop.owner;
    let mut policy = shares_and_reviews();
    assert_eq!(
        app.save_settings(EARNING, owner, policy.clone()).await["version"],
        2
    );
    let member = app.member(owner, "13800000004").await;
    let neighbour = app.member(owner, "13800000005").await;
    assert_eq!(
        app.balance(owner, &member).await,
        0,
        "no registration bonus"
    );
    let mine = app.purchase(owner, &member, "10.00").await;
    let not_mine = app.purchase(owner, &neighbour, "10.00").await;
    let token = app.member_token(&shop.code, "13800000004").await;
    let share = |reference: &str| json!({ "action": "share", "reference": reference });

    let first = app.post(ACTIONS, &token, share("p1")).await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.text);
    assert_eq!(
        (
            &first.body["points"],
            &first.body["balance_after"],
            &first.body["new"]
        ),
        (&json!(20), &json!(30), &json!(true)),
        "10 from the order + 20: {}",
        first.text
    );
    // The same thing shared again answers the first award and earns nothing more.
    let again = app.post(ACTIONS, &token, share("p1")).await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.text);
    assert_eq!(
        (
            &again.body["new"],
            &again.body["entry_id"],
            &again.body["points"]
        ),
        (&json!(false), &first.body["entry_id"], &json!(20))
    );
    assert_eq!(app.balance(owner, &member).await, 30);

    // 20 + 20 = 40 today; the cap of 50 leaves 10; then nothing.
    let p2 = app.post(ACTIONS, &token, share("p2")).await;
    assert_eq!(
        (p2.status, &p2.body["points"], &p2.body["balance_after"]),
        (StatusCode::CREATED, &json!(20), &json!(50)),
        "{}",
        p2.text
    );
    let p3 = app.post(ACTIONS, &token, share("p3")).await;
    assert_eq!(
        (p3.status, &p3.body["points"], &p3.body["balance_after"]),
        (StatusCode::CREATED, &json!(10), &json!(60)),
        "{}",
        p3.text
    );
    app.post(ACTIONS, &token, share("p4"))
        .await
        .assert_problem(422, "daily_cap_reached");
    assert_eq!(app.balance(owner, &member).await, 60);

    // A review of one's own order: 50, once.
    let review = json!({ "action": "review", "order_id": mine["order"]["id"] });
    let reviewed = app.post(ACTIONS, &token, review.clone()).await;
    assert_eq!(
        (
            reviewed.status,
            &reviewed.body["points"],
            &reviewed.body["balance_after"]
        ),
        (StatusCode::CREATED, &json!(50), &json!(110)),
        "{}",
        reviewed.text
    );
    let twice = app.post(ACTIONS, &token, review).await;
    assert_eq!(
        (twice.status, &twice.body["entry_id"]),
        (StatusCode::OK, &reviewed.body["entry_id"])
    );
    app.post(
        ACTIONS,
        &token,
        json!({ "action": "review", "order_id": not_mine["order"]["id"] }),
    )
    .await
    .assert_problem(404, "order_not_found");
    app.post(
        ACTIONS,
        &token,
        json!({ "action": "review", "order_id": uuid::Uuid::now_v7() }),
    )
    .await
    .assert_problem(404, "order_not_found");
    app.post(ACTIONS, &token, json!({ "action": "share" }))
        .await
        .assert_problem(422, "validation_failed");
    app.post(
        ACTIONS,
        &token,
        json!({ "action": "like", "reference": "p5" }),
    )
    .await
    .assert_problem(422, "validation_failed");
    app.post(ACTIONS, &token, share("two words"))
        .await
        .assert_problem(422, "validation_failed");
    app.post(ACTIONS, owner, share("p6"))
        .await
        .assert_problem(401, "unauthenticated");

    let entries = app.ledger(owner, &member).await;
    let reasons: Vec<(&str, i64)> = entries
        .iter()
        .map(|e| {
            (
                e["reason_code"].as_str().expect("reason"),
                e["delta"].as_i64().expect("delta"),
            )
        })
        .collect();
    assert_eq!(
        reasons,
        [
            ("action_review", 50),
            ("action_share", 10),
            ("action_share", 20),
            ("action_share", 20),
            ("order_earn", 10)
        ]
    );
    assert!(
        entries.iter().all(|e| e["policy_version"] == 2),
        "{entries:?}"
    );

    // 注册送积分: a member registered at the till starts with the bonus.
    policy["actions"]["registration"] = json!({ "points": 50 });
    assert_eq!(
        app.save_settings(EARNING, owner, policy).await["version"],
        3
    );
    let registered = app
        .post(
            "/api/v1/merchant/members",
            owner,
            json!({ "phone": "13800000006", "name": "李四" }),
        )
        .await;
    assert_eq!(
        registered.status,
        StatusCode::CREATED,
        "{}",
        registered.text
    );
    assert_eq!(registered.body["points_balance"], 50, "{}", registered.text);
    let newcomer = string(&registered.body["id"]);
    assert_eq!(app.balance(owner, &newcomer).await, 50);
    let entries = app.ledger(owner, &newcomer).await;
    assert_eq!(entries.len(), 1, "{entries:?}");
    assert_eq!(
        (
            &entries[0]["kind"],
            &entries[0]["delta"],
            &entries[0]["reason_code"],
            &entries[0]["policy_version"]
        ),
        (
            &json!("earn"),
            &json!(50),
            &json!("action_registration"),
            &json!(3)
        )
    );
    let newcomer_token = app.member_token(&shop.code, "13800000006").await;
    let lots = app.get("/api/v1/member/points", &newcomer_token).await;
    assert_eq!(
        (&lots.body["balance"], &lots.body["lots"][0]["points"]),
        (&json!(50), &json!(50)),
        "{}",
        lots.text
    );

    // A merchant that offers no actions refuses them.
    let plain = app.merchant("rules-no-actions").await;
    let (_, plain_token) = app.signed_in_member(&plain, "13800000007").await;
    app.post(ACTIONS, &plain_token, share("p1"))
        .await
        .assert_problem(422, "action_not_offered");
}

async fn actions_at_once(db: &TestDatabase) {
    let app = spawn_app(db).await;
    let shop = app.merchant("rules-actions-at-once").await;
    let owner = &shop.owner;
    let policy = shares_and_reviews();
    app.save_settings(EARNING, owner, policy).await;
    let member = app.member(owner, "13800000015").await;
    let bought = app.purchase(owner, &member, "10.00").await;
    let token = app.member_token(&shop.code, "13800000015").await;

    // Six things shared at once: the cap of 50 (20 + 20 + 10), whichever requests win.
    let answers = futures::future::join_all((1..=6).map(|i| {
        app.post(
            ACTIONS,
            &token,
            json!({ "action": "share", "reference": format!("c{i}") }),
        )
    }))
    .await;
    let mut awarded = 0;
    for answer in &answers {
        match answer.status.as_u16() {
            201 => awarded += answer.body["points"].as_i64().expect("points"),
            _ => answer.assert_problem(422, "daily_cap_reached"),
        }
    }
    assert_eq!(awarded, 50, "{answers:?}");
    assert_eq!(app.balance(owner, &member).await, 60, "10 + 50");

    // Four reviews of one order at once: one award, and every answer is that award.
    let review = json!({ "action": "review", "order_id": bought["order"]["id"] });
    let answers =
        futures::future::join_all((0..4).map(|_| app.post(ACTIONS, &token, review.clone()))).await;
    let created = answers
        .iter()
        .filter(|a| a.status == StatusCode::CREATED)
        .count();
    assert_eq!(created, 1, "{answers:?}");
    assert!(
        answers.iter().all(|a| a.status.is_success()
            && a.body["entry_id"] == answers[0].body["entry_id"]
            && a.body["points"] == 50),
        "{answers:?}"
    );
    assert_eq!(app.balance(owner, &member).await, 110, "10 + 50 + 50, once");
}
