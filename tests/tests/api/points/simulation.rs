//! The what-if simulation: a proposed earning policy run over recent orders, store by store,
//! against the points they were issued; nothing changes.

use super::{EARNING, SIMULATE, cashier};
use loyalty_seaorm::on_both_databases;
use loyalty_seaorm::testing::TestDatabase;
use loyalty_tests::spawn_app;
use reqwest::StatusCode;
use serde_json::{Value, json};

on_both_databases! {
    a_simulation_runs_a_proposed_policy_over_recent_orders_per_store => super::simulation;
}

async fn simulation(db: &TestDatabase) {
    let app = spawn_app(db).await;
    let shop = app.merchant("rules-simulate").await;
    let owner = &shop.owner;
    let main_store = shop.default_store();
    let branch = app.store(owner, "分店").await;
    let cashier = cashier(&app, &shop, &main_store).await;
    let alice = app.member(owner, "13800000013").await;
    let bob = app.member(owner, "13800000014").await;

    // Issued under 1 point per 1.00: 100 (main store), 80 and 45 (branch) = 225.
    let issued = [
        app.purchase(owner, &alice, "100.00").await,
        app.order(
            owner,
            json!({
                "member_id": alice, "store_id": branch, "amount_paid": "80.00",
                "lines": [
                    { "category": "coffee", "quantity": 2, "unit_price": "25.00" },
                    { "category": "food", "quantity": 1, "unit_price": "30.00" }
                ]
            }),
        )
        .await,
        app.order(
            owner,
            json!({ "member_id": bob, "store_id": branch, "amount_paid": "45.50" }),
        )
        .await,
    ];
    let points: Vec<&Value> = issued.iter().map(|o| &o["points_earned"]).collect();
    assert_eq!(points, [&json!(100), &json!(80), &json!(45)]);
    // Another merchant's orders are not this merchant's.
    let elsewhere = app.merchant("rules-simulate-2").await.owner;
    let stranger = app.member(&elsewhere, "13800000013").await;
    app.purchase(&elsewhere, &stranger, "999.00").await;

    // Proposed: 2 points per 1.00, coffee ×1.5.
    // Main store: 100.00 × 2 = 200.
    // Branch: coffee 50.00 × 2 × 1.5 = 150 + food 30.00 × 2 = 60 → 210; 45.50 × 2 = 91.
    // Branch 210 + 91 = 301; all 200 + 301 = 501, against 225 issued: +276.
    let proposed = json!({
        "points_per_unit": 2,
        "unit": "1.00",
        "category_multipliers": [{ "code": "coffee", "multiplier": "1.5" }]
    });
    let sim = app
        .post(SIMULATE, owner, json!({ "policy": proposed, "days": 30 }))
        .await;
    assert_eq!(sim.status, StatusCode::OK, "{}", sim.text);
    assert_eq!(
        (
            &sim.body["days"],
            &sim.body["orders"],
            &sim.body["issued"],
            &sim.body["proposed"],
            &sim.body["difference"]
        ),
        (&json!(30), &json!(3), &json!(225), &json!(501), &json!(276)),
        "{}",
        sim.text
    );
    let stores = sim.body["stores"].as_array().expect("stores");
    assert_eq!(stores.len(), 2, "{}", sim.text);
    let store = |id: &str| {
        stores
            .iter()
            .find(|s| s["store_id"] == id)
            .unwrap_or_else(|| panic!("store {id} in {stores:?}"))
    };
    assert_eq!(
        store(&main_store),
        &json!({ "store_id": main_store, "orders": 1, "issued": 100, "proposed": 200, "difference": 100 })
    );
    assert_eq!(
        store(&branch),
        &json!({ "store_id": branch, "orders": 2, "issued": 125, "proposed": 301, "difference": 176 })
    );

    // A stingier policy: 1 point per 10.00, rounded down per order, 10 + 8 + 4 = 22.
    let sim = app
        .post(
            SIMULATE,
            owner,
            json!({ "policy": { "points_per_unit": 1, "unit": "10.00" } }),
        )
        .await;
    assert_eq!(
        (
            &sim.body["days"],
            &sim.body["proposed"],
            &sim.body["difference"]
        ),
        (&json!(30), &json!(22), &json!(-203)),
        "the default is 30 days: {}",
        sim.text
    );

    // Nothing changes: the policy in force and the balances are as they were.
    assert_eq!(app.get(EARNING, owner).await.body["version"], 1);
    assert_eq!(app.balance(owner, &alice).await, 180);

    app.post(
        SIMULATE,
        &cashier,
        json!({ "policy": proposed, "days": 30 }),
    )
    .await
    .assert_problem(403, "forbidden");
    app.post(SIMULATE, owner, json!({ "policy": proposed, "days": 0 }))
        .await
        .assert_problem(422, "validation_failed");
    app.post(
        SIMULATE,
        owner,
        json!({ "policy": { "points_per_unit": 1, "unit": "0.00" }, "days": 30 }),
    )
    .await
    .assert_problem(422, "validation_failed");
}
