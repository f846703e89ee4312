//! The points an order earns under the earning policy in force: lines, category multipliers,
//! exclusions, the threshold bonus and the cap, each step explained in the receipt, and the
//! ledger naming the policy version behind every entry.

use super::{EARNING, ORDERS, rich_earning};
use loyalty_seaorm::on_both_databases;
use loyalty_seaorm::testing::TestDatabase;
use loyalty_tests::spawn_app;
use serde_json::{Value, json};

on_both_databases! {
    an_order_with_lines_earns_by_the_policy_and_explains_every_step => super::earning_with_lines;
}

async fn earning_with_lines(db: &TestDatabase) {
    let app = spawn_app(db).await;
    let shop = app.merchant("rules-lines").await;
    let owner = &shop.owner;
    let member = app.member(owner, "13800000001").await;

    // Under version 1 (1 point per 1.00): 10.00 → 10 points.
    let before = app.purchase(owner, &member, "10.00").await;
    assert_eq!(
        (&before["points_earned"], &before["policy_version"]),
        (&json!(10), &json!(1))
    );
    assert_eq!(
        app.save_settings(EARNING, owner, rich_earning()).await["version"],
        2
    );

    // Lines: coffee 2 × 32.00 = 64.00, bakery 50.00, tobacco 30.00; 144.00 in all, 129.60
    // paid (10 % off), spread in proportion: 57.60, 45.00, 27.00.
    // coffee 57.60 × 2 = 115.2; bakery 45; tobacco excluded: 0. Exact 160.2 → floor 160.
    // Eligible 57.60 + 45.00 = 102.60 ≥ 100.00 (not 200.00): +10. 170 < cap 500.
    let receipt = app
        .order(
            owner,
            json!({
                "member_id": member, "amount_paid": "129.60",
                "lines": [
                    { "sku": "latte", "category": "coffee", "quantity": 2, "unit_price": "32.00" },
                    { "sku": "bagel", "category": "bakery", "quantity": 1, "unit_price": "50.00" },
                    { "sku": "cigs", "category": "tobacco", "quantity": 1, "unit_price": "30.00" }
                ]
            }),
        )
        .await;
    assert_eq!(receipt["points_earned"], 170, "{receipt}");
    assert_eq!(receipt["balance_after"], 180, "10 + 170: {receipt}");
    assert_eq!(receipt["policy_version"], 2);
    let earning = &receipt["earning"];
    let lines = earning["lines"].as_array().expect("lines");
    let amounts: Vec<&str> = lines
        .iter()
        .map(|l| l["amount"].as_str().expect("amount"))
        .collect();
    assert_eq!(amounts, ["57.60", "45.00", "0.00"], "{earning}");
    assert_eq!(
        (&lines[0]["multiplier"], &lines[0]["exact"]),
        (&json!("2"), &json!("115.2"))
    );
    assert_eq!(
        lines[0]["factors"],
        json!([{ "rule": "category", "multiplier": "2" }])
    );
    assert_eq!(
        (&lines[1]["excluded"], &lines[1]["exact"]),
        (&Value::Null, &json!("45"))
    );
    assert_eq!(lines[2]["excluded"], "excluded_category");
    assert_eq!(lines[2]["factors"], json!([]));
    assert_eq!(earning["eligible_amount"], "102.60");
    assert_eq!(
        (&earning["exact"], &earning["base_points"]),
        (&json!("160.2"), &json!(160))
    );
    assert_eq!(
        earning["threshold"],
        json!({ "min_amount": "100.00", "bonus": 10 })
    );
    assert_eq!(earning["caps"], json!([]));

    // Ten of one category at 30.00, 300.00 paid.
    let ten_of = |category: &str| {
        json!({
            "member_id": member, "amount_paid": "300.00",
            "lines": [{ "category": category, "quantity": 10, "unit_price": "30.00" }]
        })
    };

    // Coffee 10 × 30.00 = 300.00 paid: 600 + 30 (≥ 200.00) = 630, cut to the cap of 500.
    let capped = app.order(owner, ten_of("coffee")).await;
    assert_eq!(capped["points_earned"], 500, "{capped}");
    assert_eq!(
        capped["earning"]["threshold"],
        json!({ "min_amount": "200.00", "bonus": 30 })
    );
    assert_eq!(
        capped["earning"]["caps"],
        json!([{ "cap": "per_order", "limit": 500, "before": 630 }])
    );

    // Only tobacco: nothing is eligible, so no threshold and no points (the balance stays).
    let nothing = app.order(owner, ten_of("tobacco")).await;
    assert_eq!(
        (
            &nothing["points_earned"],
            &nothing["balance_after"],
            &nothing["earning"]["threshold"]
        ),
        (&json!(0), &capped["balance_after"], &Value::Null),
        "{nothing}"
    );

    // Paying more than the lines add up to is refused: 150.00 > 144.00.
    app.post(
        ORDERS,
        owner,
        json!({
            "member_id": member, "amount_paid": "150.00",
            "lines": [
                { "category": "coffee", "quantity": 2, "unit_price": "32.00" },
                { "category": "bakery", "quantity": 1, "unit_price": "50.00" },
                { "category": "tobacco", "quantity": 1, "unit_price": "30.00" }
            ]
        }),
    )
    .await
    .assert_invalid_field("amount_paid");
    app.post(
        ORDERS,
        owner,
        json!({
            "member_id": member, "amount_paid": "1.00",
            "lines": [{ "category": "coffee", "quantity": 0, "unit_price": "1.00" }]
        }),
    )
    .await
    .assert_problem(422, "validation_failed");

    // The ledger names the version that computed each earn entry: 10 + 170 + 500 = 680.
    let entries = app.ledger(owner, &member).await;
    let earned: Vec<(i64, i64)> = entries
        .iter()
        .map(|e| {
            (
                e["delta"].as_i64().expect("delta"),
                e["policy_version"].as_i64().expect("version"),
            )
        })
        .collect();
    assert_eq!(earned, [(500, 2), (170, 2), (10, 1)]);
    assert_eq!(app.balance(owner, &member).await, 680);
}
