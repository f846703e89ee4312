//! WeChat messages with an SMS in reserve, on real databases: turned down, the reserve goes in
//! the same run; refused after an unclear attempt, no SMS as well; failed with the reserve still
//! waiting, queued again alone.

use super::fakes::{FakeSms, FakeWechat};
use super::{buy, dispatch, in_status, requeue, shop, sms_settings, wechat_member};
use crate::support::*;
use chrono::Duration;
use loyalty_core::kernel::Transaction;
use loyalty_core::kernel::{TxMode, UnitOfWork};
use loyalty_core::notifications::Channel;
use loyalty_core::notifications::OutboxTx;
use loyalty_core::notifications::{DeliveryError, MessageStatus};
use loyalty_seaorm::testing::TestDatabase;
use loyalty_seaorm::{SeaUnitOfWork, on_both_databases};

on_both_databases! {
    a_wechat_message_turned_down_hands_over_to_its_sms_in_reserve => super::wechat_refused;
    a_wechat_message_refused_after_an_unclear_attempt_sends_no_sms_as_well => super::wechat_unclear_then_refused;
    a_wechat_message_failed_with_its_reserve_still_waiting_is_queued_again_alone => super::requeue_with_reserve;
}

async fn wechat_refused(db: &TestDatabase) {
    let w = world(db);
    let merchant = shop(&w, "refused", sms_settings()).await;
    let m = wechat_member(&w, db, &merchant, "13600000002", "o-gone").await;
    // We count two; WeChat has none left.
    w.loyalty
        .notifications()
        .add_subscriptions(merchant.id, m.id, &["tpl-earned".to_owned()])
        .await
        .expect("subscribed again");
    buy(&w, &merchant, &m, "10.00").await;
    // Planned for WeChat (a subscription was counted), with an SMS in reserve.
    let reserve = in_status(&w, &merchant, MessageStatus::Standby).await;
    assert_eq!(reserve.len(), 1);
    assert_eq!(reserve[0].message.channel, Channel::Sms);

    // WeChat says the member has none left (errcode 43101): the SMS goes in the same run.
    let sms = FakeSms::default();
    let wechat = FakeWechat::answering(vec![DeliveryError::NoSubscription(
        "subscription_refused".into(),
    )]);
    let report = dispatch(&w, &sms, &wechat).await;
    assert_eq!(
        (report.failed, report.fallbacks, report.sent),
        (1, 1, 1),
        "{report:?}"
    );
    // Our count follows WeChat's: none left, so the next order goes by SMS straight away.
    let uow = SeaUnitOfWork::new(db.db.clone());
    let mut lookup = uow.begin(TxMode::Lookup).await.expect("lookup");
    let left = lookup
        .outbox()
        .subscriptions(merchant.id, m.id)
        .await
        .expect("subscriptions");
    assert!(left.iter().all(|(_, n)| *n == 0), "{left:?}");
    drop(lookup);
    let by_sms = sms.taken();
    assert_eq!(by_sms.len(), 1);
    assert_eq!(by_sms[0].1, "13600000002");
    assert_eq!(by_sms[0].2[0], ("points".to_owned(), "10".to_owned()));
    // Once only, whatever runs next.
    assert_eq!(dispatch(&w, &sms, &wechat).await, Default::default());
    buy(&w, &merchant, &m, "20.00").await;
    assert!(
        in_status(&w, &merchant, MessageStatus::Standby)
            .await
            .is_empty()
    );
    assert_eq!(dispatch(&w, &sms, &wechat).await.sent, 1);
    assert_eq!(sms.taken().len(), 2);
    assert!(wechat.taken().is_empty());
    let failed = in_status(&w, &merchant, MessageStatus::Failed).await;
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0].message.channel, Channel::Wechat);
    // HQ cannot queue the WeChat message again: the member was told by SMS.
    let again = requeue(&w, &merchant, failed[0].message.id)
        .await
        .expect_err("told already");
    assert_eq!(again.code(), "message_replaced");
}

async fn wechat_unclear_then_refused(db: &TestDatabase) {
    let w = world(db);
    let merchant = shop(&w, "unclear", sms_settings()).await;
    let m = wechat_member(&w, db, &merchant, "13600000003", "o-slow").await;
    buy(&w, &merchant, &m, "10.00").await;
    // The first attempt times out (WeChat may have delivered it, using the subscription);
    // the second is refused for want of one.
    let sms = FakeSms::default();
    let wechat = FakeWechat::answering(vec![
        DeliveryError::Retryable("timeout".into()),
        DeliveryError::Rejected("subscription_refused".into()),
    ]);
    assert_eq!(dispatch(&w, &sms, &wechat).await.retried, 1);
    w.clock.advance(Duration::seconds(31));
    let report = dispatch(&w, &sms, &wechat).await;
    assert_eq!((report.failed, report.fallbacks), (1, 0), "{report:?}");
    assert!(
        sms.taken().is_empty(),
        "the member may have had it by WeChat: no SMS as well"
    );
    let reserve = in_status(&w, &merchant, MessageStatus::Standby).await;
    assert!(reserve.is_empty(), "the reserve is dropped: {reserve:?}");
    // HQ may queue the WeChat message again: nothing went in its place.
    let failed = in_status(&w, &merchant, MessageStatus::Failed).await;
    requeue(&w, &merchant, failed[0].message.id)
        .await
        .expect("requeued");
}

async fn requeue_with_reserve(db: &TestDatabase) {
    let w = world(db);
    let merchant = shop(&w, "older", sms_settings()).await;
    let m = wechat_member(&w, db, &merchant, "13600000004", "o-older").await;
    buy(&w, &merchant, &m, "10.00").await;
    // A dispatcher that knows nothing of reserves (an older binary) fails the WeChat
    // message and leaves the reserve waiting.
    let now = w.clock_now();
    let uow = SeaUnitOfWork::new(db.db.clone());
    let mut tx = uow.begin(TxMode::Write).await.expect("tx");
    let claimed = tx
        .outbox()
        .claim(now, now + Duration::seconds(60), 10)
        .await
        .expect("claimed");
    assert_eq!(claimed.len(), 1, "the reserve is not claimed");
    assert!(
        tx.outbox()
            .mark_failed(claimed[0].message.id, claimed[0].lease, 1, "gateway down")
            .await
            .expect("failed")
    );
    tx.commit().await.expect("commit");
    assert_eq!(
        in_status(&w, &merchant, MessageStatus::Standby).await.len(),
        1
    );
    // HQ may queue it again. What its attempts did cannot be told now (one may have
    // delivered it), so the reserve goes: the member is told once at most.
    requeue(&w, &merchant, claimed[0].message.id)
        .await
        .expect("requeued");
    assert!(
        in_status(&w, &merchant, MessageStatus::Standby)
            .await
            .is_empty()
    );
    let sms = FakeSms::default();
    let wechat = FakeWechat::default();
    assert_eq!(dispatch(&w, &sms, &wechat).await.sent, 1);
    assert_eq!(wechat.taken().len(), 1);
    assert!(sms.taken().is_empty());
}
