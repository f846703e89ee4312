//! An erased member is told nothing more: messages not sent yet fail, every message of the
//! member loses its recipient and parameters, an emptied message cannot be queued again, and
//! the member's WeChat subscriptions go.

use super::fakes::{FakeSms, FakeWechat};
use super::{buy, dispatch, in_status, shop, sms_settings};
use crate::support::*;
use loyalty_core::notifications::MessageStatus;
use loyalty_seaorm::on_both_databases;
use loyalty_seaorm::testing::TestDatabase;

on_both_databases! {
    an_erased_member_is_told_nothing_more => super::told_nothing_more;
}

async fn told_nothing_more(db: &TestDatabase) {
    let w = world(db);
    let merchant = shop(&w, "erased", sms_settings()).await;
    let m = member(&w, &merchant, "13800000077").await;
    let other = member(&w, &merchant, "13800000078").await;
    buy(&w, &merchant, &m, "10.00").await;
    let (sms, wechat) = (FakeSms::default(), FakeWechat::default());
    assert_eq!(dispatch(&w, &sms, &wechat).await.sent, 1);
    buy(&w, &merchant, &m, "20.00").await;
    buy(&w, &merchant, &other, "30.00").await;
    assert_eq!(
        in_status(&w, &merchant, MessageStatus::Pending).await.len(),
        2
    );

    let before = member_now(&w, &m).await;
    assert!(before.points_balance.is_positive());
    let erased = w
        .loyalty
        .privacy()
        .erase(merchant.id, m.id)
        .await
        .expect("erased");
    assert!(erased.erased_at.is_some() && erased.phone.is_none());
    assert_eq!(erased.points_balance, before.points_balance, "amounts stay");

    let pending = in_status(&w, &merchant, MessageStatus::Pending).await;
    assert_eq!(pending.len(), 1, "the other member's message stays");
    assert_eq!(pending[0].message.member_id, Some(other.id));
    let failed = in_status(&w, &merchant, MessageStatus::Failed).await;
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0].last_error.as_deref(), Some("member erased"));
    let sent = in_status(&w, &merchant, MessageStatus::Sent).await;
    for record in failed.iter().chain(&sent) {
        assert_eq!(record.message.recipient, "", "no phone left");
        assert!(record.message.params.is_empty(), "no values left");
    }
    assert!(
        w.loyalty
            .notifications()
            .requeue(merchant.id, failed[0].message.id)
            .await
            .is_err(),
        "an emptied message is never queued again"
    );
    let sms = FakeSms::default();
    assert_eq!(
        dispatch(&w, &sms, &wechat).await.sent,
        1,
        "the other member's"
    );
    assert_eq!(sms.taken().len(), 1);
}
