//! Planning notifications on real databases: a message is written in its order's transaction,
//! by SMS for a member without WeChat and by WeChat while a subscription lasts, sent once and
//! metered; a member who says no to SMS is not told.

use super::fakes::{FakeSms, FakeWechat};
use super::{buy, dispatch, in_status, shop, sms_settings, wechat_member};
use crate::support::*;
use loyalty_core::notifications::Channel;
use loyalty_core::notifications::MessageStatus;
use loyalty_seaorm::on_both_databases;
use loyalty_seaorm::testing::TestDatabase;

on_both_databases! {
    a_message_is_written_with_its_order_and_sent_once => super::written_and_sent_once;
    a_wechat_subscription_is_used_once_then_sms_takes_over => super::wechat_then_sms;
}

async fn written_and_sent_once(db: &TestDatabase) {
    let w = world(db);
    let merchant = shop(&w, "told", sms_settings()).await;
    let m = member(&w, &merchant, "13800000001").await;
    buy(&w, &merchant, &m, "128.80").await;
    let pending = in_status(&w, &merchant, MessageStatus::Pending).await;
    assert_eq!(pending.len(), 1, "written in the order's transaction");
    assert_eq!(pending[0].message.channel, Channel::Sms, "no WeChat: SMS");

    let (sms, wechat) = (FakeSms::default(), FakeWechat::default());
    let report = dispatch(&w, &sms, &wechat).await;
    assert_eq!((report.sent, report.retried, report.failed), (1, 0, 0));
    let sent = sms.taken();
    assert_eq!(sent.len(), 1);
    assert_eq!(
        sent[0].0, pending[0].message.event_id,
        "the event id is the dedup key"
    );
    assert_eq!(
        sent[0].2,
        vec![
            ("points".to_owned(), "128".to_owned()),
            ("balance".to_owned(), "128".to_owned())
        ]
    );
    assert_eq!(dispatch(&w, &sms, &wechat).await.sent, 0, "sent once");
    let usage = w
        .loyalty
        .notifications()
        .sms_usage(merchant.id, 2026, 11)
        .await
        .expect("usage");
    assert_eq!((usage.messages, usage.parts), (1, 1));
    assert_eq!(
        w.loyalty
            .notifications()
            .sms_usage(merchant.id, 2026, 12)
            .await
            .expect("usage")
            .messages,
        0
    );

    // A member who says no to SMS is not told.
    w.loyalty
        .members()
        .update_profile(
            merchant.id,
            m.id,
            loyalty_core::members::ProfileChange {
                sms_consent: Some(false),
                ..Default::default()
            },
        )
        .await
        .expect("consent");
    buy(&w, &merchant, &m, "10.00").await;
    assert_eq!(dispatch(&w, &sms, &wechat).await.sent, 0);
}

async fn wechat_then_sms(db: &TestDatabase) {
    let w = world(db);
    let merchant = shop(&w, "subscribed", sms_settings()).await;
    let m = wechat_member(&w, db, &merchant, "13600000001", "o-member").await;
    buy(&w, &merchant, &m, "10.00").await;
    buy(&w, &merchant, &m, "20.00").await;
    assert_eq!(
        in_status(&w, &merchant, MessageStatus::Standby).await.len(),
        1,
        "the WeChat message's SMS in reserve"
    );
    let (sms, wechat) = (FakeSms::default(), FakeWechat::default());
    assert_eq!(dispatch(&w, &sms, &wechat).await.sent, 2);
    assert_eq!(
        wechat.taken(),
        vec![("o-member".to_owned(), "tpl-earned".to_owned())]
    );
    let by_sms = sms.taken();
    assert_eq!(by_sms.len(), 1, "the second order fell back to SMS");
    assert_eq!(by_sms[0].2[0].1, "20");
    // The first order's SMS in reserve went with its WeChat message.
    assert!(
        in_status(&w, &merchant, MessageStatus::Standby)
            .await
            .is_empty()
    );
}
