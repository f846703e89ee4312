//! The earning settings as HQ keeps them: versioned, validated field by field, read by every
//! member of staff and changed by headquarters only, with `ETag` / `If-Match` so that two
//! editors cannot overwrite each other.

use super::{EARNING, cashier, default_earning, rich_earning};
use loyalty_seaorm::on_both_databases;
use loyalty_seaorm::testing::TestDatabase;
use loyalty_tests::spawn_app;
use reqwest::{Method, StatusCode};
use serde_json::json;

on_both_databases! {
    an_editor_saves_over_the_version_they_read_or_is_told_it_changed => super::if_match;
    earning_settings_are_versioned_validated_and_for_headquarters_to_change => super::earning_settings;
}

async fn earning_settings(db: &TestDatabase) {
    let app = spawn_app(db).await;
    let shop = app.merchant("rules-earning").await;
    let owner = &shop.owner;
    let cashier = cashier(&app, &shop, &shop.default_store()).await;

    // A new merchant has version 1, the default policy, saved with the merchant.
    let first = app.get(EARNING, owner).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.text);
    assert_eq!(first.body["version"], 1, "{}", first.text);
    assert_eq!(first.body["policy"], default_earning(), "{}", first.text);
    assert!(first.body["updated_at"].is_string(), "{}", first.text);

    let saved = app.save_settings(EARNING, owner, rich_earning()).await;
    assert_eq!(saved["version"], 2, "{saved}");
    assert!(
        saved["updated_by"].is_string(),
        "the owner is recorded: {saved}"
    );
    let current = app.get(EARNING, owner).await;
    assert_eq!(current.body["version"], 2, "{}", current.text);
    let policy = &current.body["policy"];
    assert_eq!(
        policy["thresholds"],
        json!([{ "min_amount": "100.00", "bonus": 10 }, { "min_amount": "200.00", "bonus": 30 }])
    );
    assert_eq!(
        policy["category_multipliers"],
        json!([{ "code": "coffee", "multiplier": "2" }])
    );
    assert_eq!(policy["excluded_categories"], json!(["tobacco"]));
    assert_eq!(policy["cap_per_order"], 500);
    // What was left out takes its default.
    assert_eq!(
        (policy["rounding"].as_str(), policy["cap_per_day"].is_null()),
        (Some("floor"), true)
    );

    // The old version stays on record, as the ledger entries it produced name it.
    let old = app.get(&format!("{EARNING}?version=1"), owner).await;
    assert_eq!(old.status, StatusCode::OK, "{}", old.text);
    assert_eq!(
        (&old.body["version"], &old.body["policy"]),
        (&json!(1), &default_earning())
    );
    app.get(&format!("{EARNING}?version=99"), owner)
        .await
        .assert_problem(404, "version_not_found");
    app.get(&format!("{EARNING}?version=two"), owner)
        .await
        .assert_problem(422, "validation_failed");

    // Every member of staff may read the rules; only headquarters changes them.
    let read = app.get(EARNING, &cashier).await;
    assert_eq!(
        (read.status, &read.body["version"]),
        (StatusCode::OK, &json!(2)),
        "{}",
        read.text
    );
    app.put(EARNING, &cashier, rich_earning())
        .await
        .assert_problem(403, "forbidden");

    // Refusals name the field; none of them takes a version.
    let mut zero_unit = rich_earning();
    zero_unit["unit"] = json!("0.00");
    app.put(EARNING, owner, zero_unit)
        .await
        .assert_invalid_field("unit");
    let mut disordered = rich_earning();
    disordered["thresholds"] = json!([
        { "min_amount": "200.00", "bonus": 30 },
        { "min_amount": "100.00", "bonus": 10 }
    ]);
    app.put(EARNING, owner, disordered)
        .await
        .assert_invalid_field("thresholds");
    let mut unknown = rich_earning();
    unknown["points_per_yuan"] = json!(2);
    let refused = app.put(EARNING, owner, unknown).await;
    refused.assert_problem(422, "validation_failed");
    assert!(
        refused.body["detail"]
            .as_str()
            .is_some_and(|d| d.contains("unknown field `points_per_yuan`")),
        "{}",
        refused.text
    );
    let mut zero_factor = rich_earning();
    zero_factor["category_multipliers"] = json!([{ "code": "coffee", "multiplier": "0" }]);
    app.put(EARNING, owner, zero_factor)
        .await
        .assert_problem(422, "validation_failed");
    let mut no_cap = rich_earning();
    no_cap["cap_per_order"] = json!(0);
    let refused = app.put(EARNING, owner, no_cap).await;
    refused.assert_invalid_field("cap_per_order");
    assert_eq!(
        app.get(EARNING, owner).await.body["version"],
        2,
        "refused policies are not saved"
    );
    let again = app.save_settings(EARNING, owner, default_earning()).await;
    assert_eq!(again["version"], 3, "the next save is the next version");
}

/// `ETag` / `If-Match` on the rule settings: two HQ editors cannot overwrite each other.
async fn if_match(db: &TestDatabase) {
    let app = spawn_app(db).await;
    let token = app.merchant("editors").await.owner;
    let path = "/api/v1/merchant/settings/earning";
    let read = app.get(path, &token).await;
    assert_eq!(read.header("etag"), Some("\"1\""));
    let policy = json!({ "points_per_unit": 2, "unit": "1.00" });
    let put = |etag: &'static str| {
        app.send(
            app.request(Method::PUT, path, Some(&token))
                .header("If-Match", etag)
                .json(&policy),
        )
    };
    let saved = put("\"1\"").await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.text);
    assert_eq!(saved.body["version"], 2);
    assert_eq!(saved.header("etag"), Some("\"2\""));
    put("\"1\"").await.assert_problem(409, "version_conflict");
    put("latest").await.assert_problem(422, "validation_failed");
    assert_eq!(app.get(path, &token).await.body["version"], 2);
}
