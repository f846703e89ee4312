//! Dispatching the outbox on real databases: a dispatcher stopped mid-batch loses and doubles
//! nothing, two at once send each message once, a slow provider never makes one send past half
//! its lease, failures back off, give up and can be queued again.

use super::fakes::{FakeSms, FakeWechat};
use super::{buy, dispatch, in_status, requeue, settings, shop, sms_settings};
use crate::support::*;
use chrono::Duration;
use loyalty_core::notifications::{DeliveryError, MessageStatus};
use loyalty_core::notifications::{DispatchSettings, Gateways};
use loyalty_seaorm::on_both_databases;
use loyalty_seaorm::testing::TestDatabase;
use std::sync::Arc;
use uuid::Uuid;

on_both_databases! {
    a_dispatcher_stopped_mid_batch_and_restarted_loses_and_doubles_nothing => super::stop_and_restart;
    two_dispatchers_at_once_send_each_message_once => super::two_dispatchers;
    a_slow_provider_never_makes_a_dispatcher_send_past_half_its_lease => super::slow_provider;
    failures_back_off_give_up_and_can_be_queued_again => super::retries;
}

async fn stop_and_restart(db: &TestDatabase) {
    let w = world(db);
    let merchant = shop(&w, "restart", sms_settings()).await;
    for i in 0..30 {
        member(&w, &merchant, &format!("1380000{i:04}"))
            .having_bought("10.00")
            .await;
    }
    let w = Arc::new(w);
    let stalling = Arc::new(FakeSms {
        stall_after: Some(10),
        ..FakeSms::default()
    });
    let first = {
        let (w, sms) = (Arc::clone(&w), Arc::clone(&stalling));
        tokio::spawn(async move {
            let wechat = FakeWechat::default();
            dispatch(&w, &sms, &wechat).await
        })
    };
    // The dispatcher is stopped while it holds twenty claimed messages.
    stalling.stalled.notified().await;
    first.abort();
    assert!(first.await.is_err(), "stopped");
    assert_eq!(stalling.taken().len(), 10);

    // Its claims hold until the lease runs out; then a new dispatcher takes over.
    let fresh = FakeSms::default();
    let wechat = FakeWechat::default();
    assert_eq!(dispatch(&w, &fresh, &wechat).await.sent, 0, "still leased");
    w.clock.advance(Duration::seconds(61));
    assert_eq!(dispatch(&w, &fresh, &wechat).await.sent, 20);

    let mut all: Vec<Uuid> = stalling.events();
    all.extend(fresh.events());
    all.sort();
    let total = all.len();
    all.dedup();
    assert_eq!((total, all.len()), (30, 30), "none lost, none twice");
}

async fn two_dispatchers(db: &TestDatabase) {
    let w = world(db);
    let merchant = shop(&w, "pair", sms_settings()).await;
    for i in 0..40 {
        member(&w, &merchant, &format!("1390000{i:04}"))
            .having_bought("10.00")
            .await;
    }
    let sms = FakeSms::default();
    let wechat = FakeWechat::default();
    let small = DispatchSettings {
        batch: 3,
        ..settings()
    };
    let gateways = Gateways {
        sms: &sms,
        wechat: &wechat,
    };
    let (a, b) = tokio::join!(
        w.loyalty.notifications().dispatch(&gateways, small),
        w.loyalty.notifications().dispatch(&gateways, small)
    );
    let (a, b) = (a.expect("a"), b.expect("b"));
    assert_eq!(a.sent + b.sent, 40);
    let mut events = sms.events();
    events.sort();
    events.dedup();
    assert_eq!(events.len(), 40);
}

async fn slow_provider(db: &TestDatabase) {
    let w = world(db);
    let merchant = shop(&w, "slow", sms_settings()).await;
    for i in 0..10 {
        member(&w, &merchant, &format!("1360000{i:04}"))
            .having_bought("10.00")
            .await;
    }
    // Every send takes 10 s; a claim holds 60 s, so a dispatcher sends for 30 s and hands the
    // rest back at once, before any other dispatcher could have claimed them.
    let sms = FakeSms {
        slow: Some((w.clock.clone(), Duration::seconds(10))),
        ..FakeSms::default()
    };
    let wechat = FakeWechat::default();
    let first = dispatch(&w, &sms, &wechat).await;
    assert_eq!((first.sent, first.deferred, first.lost_leases), (3, 7, 0));
    let mut runs = 1;
    while sms.taken().len() < 10 {
        let report = dispatch(&w, &sms, &wechat).await;
        assert_eq!(report.lost_leases, 0);
        runs += 1;
        assert!(runs < 10, "every run sends some");
    }
    let mut events = sms.events();
    events.sort();
    events.dedup();
    assert_eq!(events.len(), 10, "each once");
}

async fn retries(db: &TestDatabase) {
    let w = world(db);
    let merchant = shop(&w, "flaky", sms_settings()).await;
    let (a, b, c) = (
        member(&w, &merchant, "13700000001").await,
        member(&w, &merchant, "13700000002").await,
        member(&w, &merchant, "13700000003").await,
    );
    for m in [&a, &b, &c] {
        buy(&w, &merchant, m, "10.00").await;
    }
    let sms = FakeSms::default();
    sms.script.lock().expect("lock").extend([
        (
            "13700000001".to_owned(),
            vec![DeliveryError::Retryable("HTTP 503".into())],
        ),
        (
            "13700000002".to_owned(),
            vec![DeliveryError::Rejected("isv.MOBILE_NUMBER_ILLEGAL".into())],
        ),
        (
            "13700000003".to_owned(),
            vec![
                DeliveryError::Throttled {
                    message: "isv.BUSINESS_LIMIT_CONTROL".into(),
                    retry_after: Some(std::time::Duration::from_secs(600)),
                },
                DeliveryError::Retryable("timeout".into()),
                DeliveryError::Retryable("timeout".into()),
            ],
        ),
    ]);
    let wechat = FakeWechat::default();
    let first = dispatch(&w, &sms, &wechat).await;
    assert_eq!((first.sent, first.retried, first.failed), (0, 2, 1));
    // Nothing is due again before its back-off.
    assert_eq!(dispatch(&w, &sms, &wechat).await, Default::default());
    // A's back-off (at most 30 s) has passed; C waits for the provider's 10 minutes.
    w.clock.advance(Duration::seconds(31));
    let second = dispatch(&w, &sms, &wechat).await;
    assert_eq!((second.sent, second.retried), (1, 0));
    w.clock.advance(Duration::minutes(10));
    assert_eq!(dispatch(&w, &sms, &wechat).await.retried, 1);
    w.clock.advance(Duration::minutes(2));
    let third = dispatch(&w, &sms, &wechat).await;
    assert_eq!(third.failed, 1, "the third attempt was the last");

    let failed = in_status(&w, &merchant, MessageStatus::Failed).await;
    let mut recipients: Vec<&str> = failed
        .iter()
        .map(|f| f.message.recipient.as_str())
        .collect();
    recipients.sort_unstable();
    assert_eq!(recipients, vec!["13700000002", "13700000003"]);
    let c_failed = failed
        .iter()
        .find(|f| f.message.recipient == "13700000003")
        .expect("c");
    assert_eq!(c_failed.attempts, 3);
    assert_eq!(c_failed.last_error.as_deref(), Some("retryable: timeout"));

    // HQ queues it again: it goes now.
    requeue(&w, &merchant, c_failed.message.id)
        .await
        .expect("requeued");
    assert_eq!(dispatch(&w, &sms, &wechat).await.sent, 1);
    let err = requeue(&w, &merchant, c_failed.message.id)
        .await
        .expect_err("not failed any more");
    assert_eq!(err.code(), "message_not_found");
}
