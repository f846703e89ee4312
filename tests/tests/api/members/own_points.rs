//! A member sees their own points, lots and ledger in the mini-program; a member's token is not
//! a staff token, and the other way round.

use loyalty_seaorm::on_both_databases;
use loyalty_seaorm::testing::TestDatabase;
use loyalty_tests::spawn_app;

on_both_databases! {
    a_member_sees_own_points_and_ledger => super::member_side;
}

async fn member_side(db: &TestDatabase) {
    let app = spawn_app(db).await;
    let token = app.merchant("mini").await.owner;
    let member = app.member(&token, "13600136000").await;
    app.purchase(&token, &member, "30.00").await;

    let member_token = app.member_token("mini", "13600136000").await;

    let points = app.get("/api/v1/member/points", &member_token).await;
    assert_eq!(points.body["balance"], 30, "{}", points.text);
    assert_eq!(points.body["lots"][0]["points"], 30);
    assert!(
        points.body["lots"][0]["expires_at"].is_string(),
        "the default policy expires lots"
    );
    let ledger = app.get("/api/v1/member/points/ledger", &member_token).await;
    assert_eq!(ledger.body["items"][0]["kind"], "earn");
    let me = app.get("/api/v1/member/me", &member_token).await;
    assert_eq!(me.body["id"], member.as_str());

    // A member token is not a staff token, and the other way round.
    app.get(&format!("/api/v1/merchant/members/{member}"), &member_token)
        .await
        .assert_problem(401, "unauthenticated");
    app.get("/api/v1/member/points", &token)
        .await
        .assert_problem(401, "unauthenticated");
}
