//! A cashier finds members one at a time: lookups by phone are limited per store account
//! (`auth.member_lookups_per_staff_per_minute`), paging through every member is HQ's and
//! store managers', and HQ is not limited.

use loyalty_seaorm::on_both_databases;
use loyalty_seaorm::testing::TestDatabase;
use loyalty_tests::{spawn_app_with, staff_account};
use reqwest::StatusCode;

on_both_databases! {
    cashiers_look_members_up_one_at_a_time => super::lookups;
}

async fn lookups(db: &TestDatabase) {
    let app = spawn_app_with(db, |s| s.auth.member_lookups_per_staff_per_minute = 3).await;
    let shop = app.merchant("lookups").await;
    let store = shop.default_store();
    app.member(&shop.owner, "13700137000").await;
    let cashier = app.cashier(&shop, &store).await;
    let manager = app
        .staff(
            &shop,
            staff_account("manager", "店长", "store_manager", &[&store]),
        )
        .await;

    app.get("/api/v1/merchant/members", &cashier)
        .await
        .assert_problem(403, "forbidden");
    let paged = app.get("/api/v1/merchant/members", &manager).await;
    assert_eq!(paged.status, StatusCode::OK, "{}", paged.text);

    let found = app
        .get("/api/v1/merchant/members?phone=13700137000", &cashier)
        .await;
    assert_eq!(found.status, StatusCode::OK, "{}", found.text);
    assert_eq!(found.body["items"][0]["phone"], "137****7000", "masked");
    for i in 1..3 {
        let miss = app
            .get(
                &format!("/api/v1/merchant/members?phone=1370013700{i}"),
                &cashier,
            )
            .await;
        assert_eq!(miss.status, StatusCode::OK);
    }
    let limited = app
        .get("/api/v1/merchant/members?phone=13700137009", &cashier)
        .await;
    limited.assert_problem(429, "too_many_requests");
    assert!(limited.header("retry-after").is_some());
    // Another account is counted on its own; HQ is not limited.
    let other = app
        .get("/api/v1/merchant/members?phone=13700137000", &manager)
        .await;
    assert_eq!(other.status, StatusCode::OK);
    for _ in 0..5 {
        let hq = app
            .get("/api/v1/merchant/members?phone=13700137000", &shop.owner)
            .await;
        assert_eq!(hq.status, StatusCode::OK);
    }
}
