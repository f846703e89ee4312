//! The scenes members are told of, on real databases: birthday greetings once a year, coupons
//! received with their code and validity, coupons about to expire once, top-ups with what was
//! paid, the bonus and the balance.

use super::fakes::{FakeSms, FakeWechat};
use super::{dispatch, in_status, shop, with_sms_scene};
use crate::support::*;
use chrono::{Duration, NaiveDate};
use loyalty_core::notifications::MessageStatus;
use loyalty_core::notifications::Scene;
use loyalty_seaorm::on_both_databases;
use loyalty_seaorm::testing::TestDatabase;

on_both_databases! {
    a_birthday_greeting_is_queued_once_a_year_however_often_the_job_runs => super::birthdays;
    a_claimed_coupon_is_told_with_its_code_and_validity => super::coupon_received;
    a_coupon_about_to_expire_is_announced_once => super::coupon_expiring;
    a_top_up_tells_the_member_what_was_paid_the_bonus_and_the_balance => super::top_up_told;
    a_count_card_about_to_lapse_is_announced_once_and_again_when_bought_again => super::card_expiring;
}

async fn birthdays(db: &TestDatabase) {
    let w = world(db);
    let settings = with_sms_scene(
        Scene::Birthday,
        "SMS_BIRTHDAY",
        "{name}，生日快乐！",
        &["name"],
    );
    let merchant = shop(&w, "birthdays", settings).await;
    // The world's day is 23 November in Shanghai.
    for (phone, birthday) in [
        ("13400000001", Some((1990, 11, 23))),
        ("13400000002", Some((1990, 11, 24))),
        ("13400000003", None),
    ] {
        member(&w, &merchant, phone)
            .named("王五")
            .born_on(birthday.and_then(|(y, m, d)| NaiveDate::from_ymd_opt(y, m, d)))
            .await;
    }
    let (a, b) = twice_at_once(|| w.loyalty.notifications().greet_birthdays(2)).await;
    assert_eq!(
        a.expect("runs") + b.expect("runs"),
        1,
        "one member, greeted once"
    );
    assert_eq!(
        w.loyalty
            .notifications()
            .greet_birthdays(10)
            .await
            .expect("runs"),
        0
    );
    let (sms, wechat) = (FakeSms::default(), FakeWechat::default());
    assert_eq!(dispatch(&w, &sms, &wechat).await.sent, 1);
    let sent = sms.taken();
    assert_eq!(
        (sent[0].1.as_str(), sent[0].2.clone()),
        ("13400000001", vec![("name".to_owned(), "王五".to_owned())])
    );
    // The next day, the next member.
    w.clock.advance(Duration::days(1));
    assert_eq!(
        w.loyalty
            .notifications()
            .greet_birthdays(10)
            .await
            .expect("runs"),
        1
    );
}

async fn coupon_received(db: &TestDatabase) {
    let w = world(db);
    let settings = with_sms_scene(
        Scene::CouponReceived,
        "SMS_COUPON",
        "您获得{name}，券码{code}，{valid_until}前有效。",
        &["name", "code", "valid_until"],
    );
    let merchant = shop(&w, "coupons", settings).await;
    let m = member(&w, &merchant, "13400000001").await;
    // 满100减20, valid for 7 days after the claim.
    let template = coupon_template(&w, &merchant, serde_json::json!({})).await;
    let held = claim(&w, &m, template.id).await.expect("claimed");
    let (sms, wechat) = (FakeSms::default(), FakeWechat::default());
    assert_eq!(dispatch(&w, &sms, &wechat).await.sent, 1);
    let sent = sms.taken();
    // Claimed 10:00 on 23 November in Shanghai: valid through 29 November.
    assert_eq!(
        sent[0].2,
        vec![
            ("name".to_owned(), "满100减20".to_owned()),
            ("code".to_owned(), held.coupon.code.to_string()),
            ("valid_until".to_owned(), "2026-11-30 00:00".to_owned()),
        ]
    );
}

async fn coupon_expiring(db: &TestDatabase) {
    let w = world(db);
    let settings = with_sms_scene(
        Scene::CouponExpiringSoon,
        "SMS_COUPON_SOON",
        "您的{name}将于{valid_until}到期。",
        &["name", "valid_until"],
    );
    let merchant = shop(&w, "soon", settings).await;
    let m = member(&w, &merchant, "13400000001").await;
    let template = coupon_template(
        &w,
        &merchant,
        serde_json::json!({
            "name": "无门槛5元",
            "benefit": {"type": "no_threshold", "amount": "5.00"},
        }),
    )
    .await;
    claim(&w, &m, template.id).await.expect("claimed");
    // Valid until 30 November 00:00; told 3 days before (the default), once.
    assert_eq!(
        w.loyalty
            .coupons()
            .announce_expiring(10)
            .await
            .expect("runs"),
        0
    );
    w.clock.advance(Duration::days(4));
    let (a, b) = twice_at_once(|| w.loyalty.coupons().announce_expiring(10)).await;
    assert_eq!(
        a.expect("runs") + b.expect("runs"),
        1,
        "one coupon, told once"
    );
    let (sms, wechat) = (FakeSms::default(), FakeWechat::default());
    assert_eq!(dispatch(&w, &sms, &wechat).await.sent, 1);
    let sent = sms.taken();
    assert_eq!(
        sent[0].2,
        vec![
            ("name".to_owned(), "无门槛5元".to_owned()),
            ("valid_until".to_owned(), "2026-11-30 00:00".to_owned()),
        ]
    );
}

async fn top_up_told(db: &TestDatabase) {
    let w = world(db);
    let settings = with_sms_scene(
        Scene::TopUp,
        "SMS_TOPUP",
        "{name}充值{amount}元，赠送{bonus}元，余额{balance}元。",
        &["name", "amount", "bonus", "balance"],
    );
    let merchant = shop(&w, "topup", settings).await;
    let m = member(&w, &merchant, "13800000001").await;
    let card = card(
        &w,
        &merchant,
        &m,
        serde_json::json!({"name": "储值卡", "plans": [{"pay": "100.00", "bonus": "20.00"}]}),
    )
    .await;
    for _ in 0..2 {
        topped(&w, top_up(&m, card, "100.00", None))
            .await
            .expect("topped up");
    }
    let pending = in_status(&w, &merchant, MessageStatus::Pending).await;
    assert_eq!(pending.len(), 2, "written in the top-ups' transactions");
    let (sms, wechat) = (FakeSms::default(), FakeWechat::default());
    assert_eq!(dispatch(&w, &sms, &wechat).await.sent, 2);
    let mut balances: Vec<String> = sms
        .taken()
        .iter()
        .map(|(_, phone, params)| {
            assert_eq!(phone, "13800000001");
            assert_eq!(
                params[..3].to_vec(),
                vec![
                    ("name".to_owned(), "储值卡".to_owned()),
                    ("amount".to_owned(), "100.00".to_owned()),
                    ("bonus".to_owned(), "20.00".to_owned()),
                ]
            );
            params[3].1.clone()
        })
        .collect();
    balances.sort();
    assert_eq!(balances, vec!["120.00", "240.00"]);
}

async fn card_expiring(db: &TestDatabase) {
    let w = world(db);
    let settings = with_sms_scene(
        Scene::CardExpiringSoon,
        "SMS_CARDEXP",
        "您的{name}将于{expires_at}到期，剩余{uses_left}次。",
        &["name", "expires_at", "uses_left"],
    );
    let merchant = shop(&w, "cardexp", settings).await;
    let m = member(&w, &merchant, "13800000002").await;
    let (_, template) = item_and_template(
        &w,
        &merchant,
        "MASSAGE",
        "按摩",
        serde_json::json!({"kind": "count", "name": "按摩5次卡",
            "count": {"uses": 5, "valid_days": 10, "price": "300.00"}}),
    )
    .await;
    sell(&w, &m, template.id).await;
    let announce = || async { w.loyalty.cards().announce_expiring(100).await.expect("ran") };
    assert_eq!(
        announce().await,
        0,
        "ten days away: not yet (notice: 3 days)"
    );
    w.clock.advance(Duration::days(8));
    assert_eq!(announce().await, 1, "two days away");
    assert_eq!(announce().await, 0, "told once");
    // Bought again: the uses run ten days from now, a new end told again when it nears.
    sell(&w, &m, template.id).await;
    assert_eq!(announce().await, 0);
    w.clock.advance(Duration::days(8));
    assert_eq!(announce().await, 1, "the new end");
    let (sms, wechat) = (FakeSms::default(), FakeWechat::default());
    // The two sales' points, and the two ends.
    assert_eq!(dispatch(&w, &sms, &wechat).await.sent, 4);
    let mut uses: Vec<String> = sms
        .taken()
        .iter()
        .filter(|(_, _, p)| p[0] == ("name".to_owned(), "按摩5次卡".to_owned()))
        .map(|(_, _, p)| p[2].1.clone())
        .collect();
    uses.sort();
    assert_eq!(uses, vec!["10", "5"]);
}
