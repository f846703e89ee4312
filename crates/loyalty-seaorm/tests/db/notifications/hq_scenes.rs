//! The scenes HQ is told of, on real databases: a coupon stock reaching its alert, once per
//! phone under concurrent claims and sends, and each review of a withdrawal once.

use super::fakes::{FakeSms, FakeWechat};
use super::{dispatch, shop, with_sms_scene};
use crate::support::*;
use loyalty_core::kernel::Phone;
use loyalty_core::notifications::Scene;
use loyalty_seaorm::on_both_databases;
use loyalty_seaorm::testing::TestDatabase;
use std::sync::Arc;

on_both_databases! {
    hq_is_told_once_per_phone_when_concurrent_claims_take_a_stock_to_its_alert => super::stock_low;
    hq_is_told_once_of_each_review_of_a_withdrawal => super::withdrawal_review_told;
}

async fn stock_low(db: &TestDatabase) {
    let w = Arc::new(world(db));
    let mut settings = with_sms_scene(
        Scene::StockLow,
        "SMS_STOCK",
        "{name}仅剩{remaining}张（共{stock}张）。",
        &["name", "remaining", "stock"],
    );
    settings.hq_phones = vec![
        Phone::parse("13900000001").expect("phone"),
        Phone::parse("13900000002").expect("phone"),
    ];
    let merchant = shop(&w, "stock", settings).await;
    let template = coupon_template(
        &w,
        &merchant,
        serde_json::json!({
            "name": "无门槛5元",
            "benefit": {"type": "no_threshold", "amount": "5.00"},
            "stock": 10,
            "low_stock_alert": 3,
        }),
    )
    .await;
    let people = members(&w, &merchant, "134", 15).await;
    let claims: Vec<_> = people
        .iter()
        .map(|m| {
            let (w, merchant_id, member_id) = (Arc::clone(&w), merchant.id, m.id);
            tokio::spawn(async move {
                w.loyalty
                    .coupons()
                    .claim(
                        loyalty_core::coupons::ClaimCoupon {
                            merchant_id,
                            member_id,
                            template_id: template.id,
                            exchange: false,
                        },
                        None,
                    )
                    .await
                    .is_ok()
            })
        })
        .collect();
    let mut claimed = 0;
    for c in claims {
        claimed += i32::from(c.await.expect("claim ran"));
    }
    assert_eq!(claimed, 10);
    let (sms, wechat) = (FakeSms::default(), FakeWechat::default());
    assert_eq!(dispatch(&w, &sms, &wechat).await.sent, 2);
    let mut sent = sms.taken();
    sent.sort_by(|a, b| a.1.cmp(&b.1));
    let told = vec![
        ("name".to_owned(), "无门槛5元".to_owned()),
        ("remaining".to_owned(), "3".to_owned()),
        ("stock".to_owned(), "10".to_owned()),
    ];
    assert_eq!(
        sent.iter()
            .map(|(_, phone, params)| (phone.as_str(), params.clone()))
            .collect::<Vec<_>>(),
        vec![("13900000001", told.clone()), ("13900000002", told)]
    );
    assert_ne!(
        sent[0].0, sent[1].0,
        "each phone's message is its own event"
    );
    // Nothing more is told by the claims that emptied the stock, nor by a later run.
    assert_eq!(dispatch(&w, &sms, &wechat).await.sent, 0);

    // An HQ send of four from a stock of five jumps over an alert at two: told once.
    let second = coupon_template(
        &w,
        &merchant,
        serde_json::json!({"stock": 5, "low_stock_alert": 2, "claimable": false}),
    )
    .await;
    let report = w
        .loyalty
        .coupons()
        .issue(loyalty_core::coupons::IssueCoupons {
            merchant_id: merchant.id,
            template_id: second.id,
            target: loyalty_core::coupons::IssueTarget::Members(
                people[..4].iter().map(|m| m.id).collect(),
            ),
            batch: "vip".into(),
        })
        .await
        .expect("sent");
    assert_eq!(report.issued, 4);
    assert_eq!(dispatch(&w, &sms, &wechat).await.sent, 2);
    let sent = sms.taken();
    assert!(
        sent[2..]
            .iter()
            .all(|(_, _, params)| params[1] == ("remaining".to_owned(), "1".to_owned())),
        "{sent:?}"
    );
}

async fn withdrawal_review_told(db: &TestDatabase) {
    let w = world(db);
    let mut settings = with_sms_scene(
        Scene::WithdrawalReviewed,
        "SMS_WITHDRAWAL",
        "提现{amount}元{result}：{note}",
        &["amount", "result", "note"],
    );
    settings.hq_phones = vec![Phone::parse("13900000001").expect("phone")];
    let merchant = shop(&w, "payout", settings).await;
    paid_in(&w, &merchant, "wx-1", "500.00").await;
    let mut asked = Vec::new();
    for amount in ["300.00", "200.00"] {
        asked.push(withdraw(&w, &merchant, amount).await.expect("asked").id);
    }
    w.loyalty
        .wallet()
        .review_withdrawal(review(asked[0], true, None))
        .await
        .expect("approved");
    w.loyalty
        .wallet()
        .review_withdrawal(review(asked[1], false, Some("账户有误")))
        .await
        .expect("rejected");
    let other_way = w
        .loyalty
        .wallet()
        .review_withdrawal(review(asked[1], true, None))
        .await;
    assert_eq!(
        other_way.expect_err("rejected already").code(),
        "withdrawal_already_reviewed"
    );
    let same_way = w
        .loyalty
        .wallet()
        .review_withdrawal(review(asked[1], false, Some("账户有误")))
        .await
        .expect("as decided");
    assert_eq!(
        same_way.status,
        loyalty_core::wallet::WithdrawalStatus::Rejected
    );
    let (sms, wechat) = (FakeSms::default(), FakeWechat::default());
    assert_eq!(
        dispatch(&w, &sms, &wechat).await.sent,
        2,
        "two reviews, told once each"
    );
    let sent: Vec<_> = sms
        .taken()
        .iter()
        .map(|(_, phone, params)| {
            (
                phone.clone(),
                params.iter().map(|p| p.1.clone()).collect::<Vec<_>>(),
            )
        })
        .collect();
    assert!(
        sent.contains(&(
            "13900000001".to_owned(),
            vec!["300.00".to_owned(), "已通过".to_owned(), "无".to_owned()]
        )),
        "{sent:?}"
    );
    assert!(
        sent.contains(&(
            "13900000001".to_owned(),
            vec![
                "200.00".to_owned(),
                "已驳回".to_owned(),
                "账户有误".to_owned()
            ]
        )),
        "{sent:?}"
    );
}
