//! A member sees their own points, lots and ledger in the mini-program; a member's token is not
//! a staff token, and the other way round.

use loyalty_seaorm::on_both_databases;
use loyalty_seaorm::testing::TestDatabase;
use loyalty_tests::spawn_app;

on_both_databases! {
    a_member_sees_own_points_and_ledger => super::member_side;
    a_member_with_many_lots_pages_through_them_soonest_first => super::many_lots;
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

/// A member's points page shows the first 20 lots and a cursor; the lots list pages through
/// every lot, soonest-expiring first, each once, and refuses a cursor it did not give out.
async fn many_lots(db: &TestDatabase) {
    let app = spawn_app(db).await;
    let token = app.merchant("many").await.owner;
    let member = app.member(&token, "13600136001").await;
    // Under the default rolling expiry every purchase opens a lot of its own.
    for _ in 0..25 {
        app.purchase(&token, &member, "2.00").await;
    }
    let member_token = app.member_token("many", "13600136001").await;

    let points = app.get("/api/v1/member/points", &member_token).await;
    assert_eq!(points.body["balance"], 50, "{}", points.text);
    let shown = points.body["lots"].as_array().expect("lots");
    assert_eq!(shown.len(), 20);
    assert_eq!(points.body["expiring_soon"], 0);
    let rest = points.body["lots_next_cursor"]
        .as_str()
        .expect("more lots follow");
    let after_summary = app
        .get(
            &format!("/api/v1/member/points/lots?cursor={rest}"),
            &member_token,
        )
        .await;
    assert_eq!(
        after_summary.body["items"].as_array().map(Vec::len),
        Some(5)
    );
    assert!(after_summary.body["next_cursor"].is_null());

    let mut walked: Vec<String> = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/v1/member/points/lots?limit=10&cursor={c}"),
            None => "/api/v1/member/points/lots?limit=10".to_owned(),
        };
        let page = app.get(&path, &member_token).await;
        assert_eq!(page.status.as_u16(), 200, "{}", page.text);
        pages += 1;
        for lot in page.body["items"].as_array().expect("items") {
            assert_eq!(lot["points"], 2);
            walked.push(lot["expires_at"].as_str().expect("expires").to_owned());
        }
        match page.body["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    assert_eq!(pages, 3);
    assert_eq!(walked.len(), 25);
    let instants: Vec<chrono::DateTime<chrono::Utc>> = walked
        .iter()
        .map(|at| at.parse().expect("an instant"))
        .collect();
    assert!(
        instants.windows(2).all(|w| w[0] < w[1]),
        "soonest first, each lot once: {walked:?}"
    );
    let first_page: Vec<&str> = shown
        .iter()
        .map(|l| l["expires_at"].as_str().expect("expires"))
        .collect();
    assert_eq!(
        first_page,
        walked[..20].iter().map(String::as_str).collect::<Vec<_>>()
    );

    app.get(
        "/api/v1/member/points/lots?cursor=bm9uc2Vuc2U",
        &member_token,
    )
    .await
    .assert_problem(422, "invalid_cursor");
    app.get("/api/v1/member/points/lots?limit=101", &member_token)
        .await
        .assert_problem(422, "validation_failed");
}
