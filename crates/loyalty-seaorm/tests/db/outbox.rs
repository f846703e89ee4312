//! Notifications through the outbox on real databases: written with the change, sent once,
//! retried with back-off, given up and queued again, never lost or doubled when a dispatcher
//! stops mid-batch, WeChat subscriptions used once with an SMS fallback, SMS metered.

use crate::support::*;
use async_trait::async_trait;
use chrono::{Duration, NaiveDate, NaiveTime};
use loyalty_core::kernel::Phone;
use loyalty_core::kernel::Transaction;
use loyalty_core::kernel::{TxMode, UnitOfWork};
use loyalty_core::members::Member;
use loyalty_core::members::MembersTx;
use loyalty_core::merchants::Merchant;
use loyalty_core::notifications::OutboxTx;
use loyalty_core::notifications::{
    Channel, NotificationSettings, QuietHours, Scene, SceneSetting, SmsTemplate, TemplateParam,
    WechatTemplate,
};
use loyalty_core::notifications::{
    DeliveryError, MessageStatus, OutgoingSms, OutgoingWechat, SmsGateway, WechatGateway,
};
use loyalty_core::notifications::{DispatchSettings, Gateways};
use loyalty_core::points::ExpiryPolicy;
use loyalty_seaorm::testing::TestDatabase;
use loyalty_seaorm::{SeaUnitOfWork, on_both_databases};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use uuid::Uuid;

on_both_databases! {
    a_message_is_written_with_its_order_and_sent_once => super::written_and_sent_once;
    a_dispatcher_stopped_mid_batch_and_restarted_loses_and_doubles_nothing => super::stop_and_restart;
    two_dispatchers_at_once_send_each_message_once => super::two_dispatchers;
    a_slow_provider_never_makes_a_dispatcher_send_past_half_its_lease => super::slow_provider;
    failures_back_off_give_up_and_can_be_queued_again => super::retries;
    a_wechat_subscription_is_used_once_then_sms_takes_over => super::wechat_then_sms;
    a_wechat_message_turned_down_hands_over_to_its_sms_in_reserve => super::wechat_refused;
    a_wechat_message_refused_after_an_unclear_attempt_sends_no_sms_as_well => super::wechat_unclear_then_refused;
    a_wechat_message_failed_with_its_reserve_still_waiting_is_queued_again_alone => super::requeue_with_reserve;
    quiet_hours_hold_a_message_until_they_end => super::quiet_hours;
    a_backlog_met_by_the_quiet_hours_waits_them_out => super::backlog_in_quiet_hours;
    a_login_code_queued_again_in_quiet_hours_goes_at_once => super::login_code_requeued_in_quiet_hours;
    a_birthday_greeting_is_queued_once_a_year_however_often_the_job_runs => super::birthdays;
    a_claimed_coupon_is_told_with_its_code_and_validity => super::coupon_received;
    a_coupon_about_to_expire_is_announced_once => super::coupon_expiring;
    hq_is_told_once_per_phone_when_concurrent_claims_take_a_stock_to_its_alert => super::stock_low;
    a_top_up_tells_the_member_what_was_paid_the_bonus_and_the_balance => super::top_up_told;
    hq_is_told_once_of_each_review_of_a_withdrawal => super::withdrawal_review_told;
}

/// An SMS as the provider took it: the dedup key, the phone, the template params.
type Taken = (Uuid, String, Vec<(String, String)>);

/// What a provider answers, per phone, in order; then `Ok`.
#[derive(Default)]
struct FakeSms {
    sent: Mutex<Vec<Taken>>,
    script: Mutex<HashMap<String, Vec<DeliveryError>>>,
    /// After this many sends, the next one waits for ever (a dispatcher stuck mid-batch).
    stall_after: Option<usize>,
    stalled: tokio::sync::Notify,
    /// Each send takes this long on the world's clock (a slow provider).
    slow: Option<(loyalty_core::testing::ManualClock, Duration)>,
}

#[async_trait]
impl SmsGateway for FakeSms {
    async fn send_sms(&self, sms: &OutgoingSms<'_>) -> Result<Option<String>, DeliveryError> {
        if let Some(limit) = self.stall_after
            && self.sent.lock().expect("lock").len() >= limit
        {
            self.stalled.notify_one();
            std::future::pending::<()>().await;
        }
        let scripted = {
            let mut script = self.script.lock().expect("lock");
            script
                .get_mut(sms.phone)
                .and_then(|errors| (!errors.is_empty()).then(|| errors.remove(0)))
        };
        if let Some(error) = scripted {
            return Err(error);
        }
        if let Some((clock, step)) = &self.slow {
            clock.advance(*step);
        }
        self.sent.lock().expect("lock").push((
            sms.dedup_key,
            sms.phone.to_owned(),
            sms.params.to_vec(),
        ));
        Ok(Some(format!("biz-{}", sms.dedup_key)))
    }
}

#[derive(Default)]
struct FakeWechat {
    sent: Mutex<Vec<(String, String)>>,
    /// What WeChat answers the first sends with, in order; then it takes them.
    script: Mutex<Vec<DeliveryError>>,
}

impl FakeWechat {
    fn answering(errors: Vec<DeliveryError>) -> Self {
        Self {
            script: Mutex::new(errors),
            ..Self::default()
        }
    }
}

#[async_trait]
impl WechatGateway for FakeWechat {
    async fn send_subscribe(&self, msg: &OutgoingWechat<'_>) -> Result<(), DeliveryError> {
        let scripted = {
            let mut script = self.script.lock().expect("lock");
            (!script.is_empty()).then(|| script.remove(0))
        };
        if let Some(error) = scripted {
            return Err(error);
        }
        self.sent
            .lock()
            .expect("lock")
            .push((msg.openid.to_owned(), msg.template_id.to_owned()));
        Ok(())
    }
}

fn sms_settings() -> NotificationSettings {
    NotificationSettings {
        sms_sign_name: Some("演示茶饮".into()),
        scenes: vec![SceneSetting {
            scene: Scene::PointsEarned,
            channels: vec![Channel::Wechat, Channel::Sms],
            sms: Some(SmsTemplate {
                template_code: "SMS_EARNED".into(),
                text: "您获得{points}积分，当前积分{balance}。".into(),
                params: vec![
                    TemplateParam {
                        name: "points".into(),
                        value: "{points}".into(),
                    },
                    TemplateParam {
                        name: "balance".into(),
                        value: "{balance}".into(),
                    },
                ],
            }),
            wechat: Some(WechatTemplate {
                template_id: "tpl-earned".into(),
                page: Some("pages/points/index".into()),
                data: vec![TemplateParam {
                    name: "number1".into(),
                    value: "{points}".into(),
                }],
            }),
        }],
        hq_phones: Vec::new(),
        quiet_hours: None,
    }
}

/// [`sms_settings`] with quiet hours from `start` to `end` (hours, minutes; local time).
fn quiet_from(start: (u32, u32), end: (u32, u32)) -> NotificationSettings {
    let at = |(h, m): (u32, u32)| NaiveTime::from_hms_opt(h, m, 0).expect("time");
    NotificationSettings {
        quiet_hours: Some(QuietHours {
            start: at(start),
            end: at(end),
        }),
        ..sms_settings()
    }
}

/// A scene told by SMS only, each of `params` passed as the event's value of that name.
fn sms_scene(scene: Scene, code: &str, text: &str, params: &[&str]) -> SceneSetting {
    SceneSetting {
        scene,
        channels: vec![Channel::Sms],
        sms: Some(SmsTemplate {
            template_code: code.into(),
            text: text.into(),
            params: params
                .iter()
                .map(|p| TemplateParam {
                    name: (*p).into(),
                    value: format!("{{{p}}}"),
                })
                .collect(),
        }),
        wechat: None,
    }
}

/// A merchant with the default earning and expiry policies and these notification settings.
async fn shop(w: &World, code: &str, settings: NotificationSettings) -> Merchant {
    let (merchant, _) = merchant(w, code)
        .expiry(ExpiryPolicy::default())
        .notifications(settings)
        .await;
    merchant
}

/// Commits an order of `amount` by the member.
async fn buy(w: &World, merchant: &Merchant, m: &Member, amount: &str) {
    commit(w, order(merchant, m, amount)).await;
}

fn settings() -> DispatchSettings {
    DispatchSettings {
        batch: 100,
        lease: Duration::seconds(60),
        max_attempts: 3,
    }
}

/// A member reachable by WeChat (openid, consent) with one subscription to `tpl-earned`.
async fn wechat_member(
    w: &World,
    db: &TestDatabase,
    merchant: &Merchant,
    phone: &str,
    openid: &str,
) -> Member {
    let m = member(w, merchant, phone).await;
    let uow = SeaUnitOfWork::new(db.db.clone());
    let mut tx = uow.begin(TxMode::Write).await.expect("tx");
    tx.members()
        .set_openid(merchant.id, m.id, openid, None)
        .await
        .expect("openid");
    tx.commit().await.expect("commit");
    let left = w
        .loyalty
        .notifications()
        .add_subscriptions(merchant.id, m.id, &["tpl-earned".to_owned()])
        .await
        .expect("subscribed");
    assert_eq!(left, vec![("tpl-earned".to_owned(), 1)]);
    m
}

/// The merchant's messages in `status`, newest first.
async fn in_status(
    w: &World,
    merchant: &Merchant,
    status: MessageStatus,
) -> Vec<loyalty_core::notifications::MessageRecord> {
    w.loyalty
        .notifications()
        .messages(merchant.id, status, None, 10)
        .await
        .expect("messages")
}

async fn dispatch(
    w: &World,
    sms: &FakeSms,
    wechat: &FakeWechat,
) -> loyalty_core::notifications::DispatchReport {
    w.loyalty
        .notifications()
        .dispatch(&Gateways { sms, wechat }, settings())
        .await
        .expect("dispatch runs")
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
    let sent = sms.sent.lock().expect("lock").clone();
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
    assert_eq!(stalling.sent.lock().expect("lock").len(), 10);

    // Its claims hold until the lease runs out; then a new dispatcher takes over.
    let fresh = FakeSms::default();
    let wechat = FakeWechat::default();
    assert_eq!(dispatch(&w, &fresh, &wechat).await.sent, 0, "still leased");
    w.clock.advance(Duration::seconds(61));
    assert_eq!(dispatch(&w, &fresh, &wechat).await.sent, 20);

    let mut all: Vec<Uuid> = stalling
        .sent
        .lock()
        .expect("lock")
        .iter()
        .chain(fresh.sent.lock().expect("lock").iter())
        .map(|(event, _, _)| *event)
        .collect();
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
    let mut events: Vec<Uuid> = sms
        .sent
        .lock()
        .expect("lock")
        .iter()
        .map(|(e, _, _)| *e)
        .collect();
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
    while sms.sent.lock().expect("lock").len() < 10 {
        let report = dispatch(&w, &sms, &wechat).await;
        assert_eq!(report.lost_leases, 0);
        runs += 1;
        assert!(runs < 10, "every run sends some");
    }
    let mut events: Vec<Uuid> = sms
        .sent
        .lock()
        .expect("lock")
        .iter()
        .map(|(e, _, _)| *e)
        .collect();
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
    w.loyalty
        .notifications()
        .requeue(merchant.id, c_failed.message.id)
        .await
        .expect("requeued");
    assert_eq!(dispatch(&w, &sms, &wechat).await.sent, 1);
    let err = w
        .loyalty
        .notifications()
        .requeue(merchant.id, c_failed.message.id)
        .await
        .expect_err("not failed any more");
    assert_eq!(err.code(), "message_not_found");
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
        wechat.sent.lock().expect("lock").clone(),
        vec![("o-member".to_owned(), "tpl-earned".to_owned())]
    );
    let by_sms = sms.sent.lock().expect("lock").clone();
    assert_eq!(by_sms.len(), 1, "the second order fell back to SMS");
    assert_eq!(by_sms[0].2[0].1, "20");
    // The first order's SMS in reserve went with its WeChat message.
    assert!(
        in_status(&w, &merchant, MessageStatus::Standby)
            .await
            .is_empty()
    );
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
        sms.sent.lock().expect("lock").is_empty(),
        "the member may have had it by WeChat: no SMS as well"
    );
    let reserve = in_status(&w, &merchant, MessageStatus::Standby).await;
    assert!(reserve.is_empty(), "the reserve is dropped: {reserve:?}");
    // HQ may queue the WeChat message again: nothing went in its place.
    let failed = in_status(&w, &merchant, MessageStatus::Failed).await;
    w.loyalty
        .notifications()
        .requeue(merchant.id, failed[0].message.id)
        .await
        .expect("requeued");
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
    let by_sms = sms.sent.lock().expect("lock").clone();
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
    assert_eq!(sms.sent.lock().expect("lock").len(), 2);
    assert!(wechat.sent.lock().expect("lock").is_empty());
    let failed = in_status(&w, &merchant, MessageStatus::Failed).await;
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0].message.channel, Channel::Wechat);
    // HQ cannot queue the WeChat message again: the member was told by SMS.
    let again = w
        .loyalty
        .notifications()
        .requeue(merchant.id, failed[0].message.id)
        .await
        .expect_err("told already");
    assert_eq!(again.code(), "message_replaced");
}

async fn quiet_hours(db: &TestDatabase) {
    let w = world(db);
    // The world starts at 10:00 in Shanghai: quiet from 09:00 to 12:00.
    let settings = quiet_from((9, 0), (12, 0));
    let merchant = shop(&w, "quiet", settings).await;
    let m = member(&w, &merchant, "13500000001").await;
    buy(&w, &merchant, &m, "10.00").await;
    let (sms, wechat) = (FakeSms::default(), FakeWechat::default());
    assert_eq!(dispatch(&w, &sms, &wechat).await.sent, 0);
    w.clock.advance(Duration::hours(2) - Duration::seconds(1));
    assert_eq!(dispatch(&w, &sms, &wechat).await.sent, 0);
    w.clock.advance(Duration::seconds(1));
    assert_eq!(dispatch(&w, &sms, &wechat).await.sent, 1);
}

async fn backlog_in_quiet_hours(db: &TestDatabase) {
    let w = world(db);
    // The world starts at 10:00 in Shanghai: quiet from 10:30 to 12:00.
    let settings = quiet_from((10, 30), (12, 0));
    let merchant = shop(&w, "backlog", settings).await;
    let m = member(&w, &merchant, "13500000001").await;
    buy(&w, &merchant, &m, "10.00").await;
    // Due at once, but no dispatcher ran before 10:45.
    w.clock.advance(Duration::minutes(45));
    let (sms, wechat) = (FakeSms::default(), FakeWechat::default());
    let held = dispatch(&w, &sms, &wechat).await;
    assert_eq!((held.sent, held.deferred), (0, 1));
    assert!(sms.sent.lock().expect("lock").is_empty());
    // Held as it was: no attempt, no error of its own.
    let waiting = in_status(&w, &merchant, MessageStatus::Pending).await;
    assert_eq!(
        (waiting[0].attempts, waiting[0].last_error.as_deref()),
        (0, None)
    );
    w.clock
        .advance(Duration::minutes(75) - Duration::seconds(1));
    assert_eq!(dispatch(&w, &sms, &wechat).await.sent, 0);
    w.clock.advance(Duration::seconds(1));
    let sent = dispatch(&w, &sms, &wechat).await;
    assert_eq!((sent.sent, sent.failed), (1, 0));
    // Holding it used none of its attempts: the send was its first.
    let listed = in_status(&w, &merchant, MessageStatus::Sent).await;
    assert_eq!(listed[0].attempts, 1, "{listed:?}");
}

async fn login_code_requeued_in_quiet_hours(db: &TestDatabase) {
    let w = world(db);
    // The world starts at 10:00 in Shanghai: quiet from 09:00 to 12:00.
    let mut settings = quiet_from((9, 0), (12, 0));
    settings.scenes.push(sms_scene(
        Scene::LoginCode,
        "SMS_CODE",
        "验证码{code}",
        &["code"],
    ));
    let merchant = shop(&w, "codes", settings).await;
    let phone = Phone::parse("13600000001").expect("phone");
    w.loyalty
        .members()
        .request_login_code(&merchant.code, &phone)
        .await
        .expect("code requested");
    let sms = FakeSms::default();
    sms.script.lock().expect("lock").insert(
        "13600000001".to_owned(),
        vec![DeliveryError::Rejected("isv.AMOUNT_NOT_ENOUGH".into())],
    );
    let wechat = FakeWechat::default();
    assert_eq!(dispatch(&w, &sms, &wechat).await.failed, 1);
    let failed = in_status(&w, &merchant, MessageStatus::Failed).await;
    w.loyalty
        .notifications()
        .requeue(merchant.id, failed[0].message.id)
        .await
        .expect("requeued");
    // Inside the quiet hours, and it goes: the member is waiting for it.
    assert_eq!(dispatch(&w, &sms, &wechat).await.sent, 1);
}

async fn birthdays(db: &TestDatabase) {
    let w = world(db);
    let mut settings = sms_settings();
    settings.scenes.push(SceneSetting {
        scene: Scene::Birthday,
        channels: vec![Channel::Sms],
        sms: Some(SmsTemplate {
            template_code: "SMS_BIRTHDAY".into(),
            text: "{name}，生日快乐！".into(),
            params: vec![TemplateParam {
                name: "name".into(),
                value: "{name}".into(),
            }],
        }),
        wechat: None,
    });
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
    let w = Arc::new(w);
    let (a, b) = tokio::join!(
        {
            let w = Arc::clone(&w);
            async move {
                w.loyalty
                    .notifications()
                    .greet_birthdays(2)
                    .await
                    .expect("runs")
            }
        },
        {
            let w = Arc::clone(&w);
            async move {
                w.loyalty
                    .notifications()
                    .greet_birthdays(2)
                    .await
                    .expect("runs")
            }
        }
    );
    assert_eq!(a + b, 1, "one member, greeted once");
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
    let sent = sms.sent.lock().expect("lock").clone();
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
    let mut settings = sms_settings();
    settings.scenes.push(sms_scene(
        Scene::CouponReceived,
        "SMS_COUPON",
        "您获得{name}，券码{code}，{valid_until}前有效。",
        &["name", "code", "valid_until"],
    ));
    let merchant = shop(&w, "coupons", settings).await;
    let m = member(&w, &merchant, "13400000001").await;
    // 满100减20, valid for 7 days after the claim.
    let template = coupon_template(&w, &merchant, serde_json::json!({})).await;
    let held = claim(&w, &m, template.id).await.expect("claimed");
    let (sms, wechat) = (FakeSms::default(), FakeWechat::default());
    assert_eq!(dispatch(&w, &sms, &wechat).await.sent, 1);
    let sent = sms.sent.lock().expect("lock").clone();
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
    let mut settings = sms_settings();
    settings.scenes.push(sms_scene(
        Scene::CouponExpiringSoon,
        "SMS_COUPON_SOON",
        "您的{name}将于{valid_until}到期。",
        &["name", "valid_until"],
    ));
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
    let w = Arc::new(w);
    let (a, b) = tokio::join!(
        {
            let w = Arc::clone(&w);
            async move {
                w.loyalty
                    .coupons()
                    .announce_expiring(10)
                    .await
                    .expect("runs")
            }
        },
        {
            let w = Arc::clone(&w);
            async move {
                w.loyalty
                    .coupons()
                    .announce_expiring(10)
                    .await
                    .expect("runs")
            }
        }
    );
    assert_eq!(a + b, 1, "one coupon, told once");
    let (sms, wechat) = (FakeSms::default(), FakeWechat::default());
    assert_eq!(dispatch(&w, &sms, &wechat).await.sent, 1);
    let sent = sms.sent.lock().expect("lock").clone();
    assert_eq!(
        sent[0].2,
        vec![
            ("name".to_owned(), "无门槛5元".to_owned()),
            ("valid_until".to_owned(), "2026-11-30 00:00".to_owned()),
        ]
    );
}

async fn stock_low(db: &TestDatabase) {
    let w = Arc::new(world(db));
    let mut settings = sms_settings();
    settings.scenes.push(sms_scene(
        Scene::StockLow,
        "SMS_STOCK",
        "{name}仅剩{remaining}张（共{stock}张）。",
        &["name", "remaining", "stock"],
    ));
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
    let mut sent = sms.sent.lock().expect("lock").clone();
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
    let sent = sms.sent.lock().expect("lock").clone();
    assert!(
        sent[2..]
            .iter()
            .all(|(_, _, params)| params[1] == ("remaining".to_owned(), "1".to_owned())),
        "{sent:?}"
    );
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
    w.loyalty
        .notifications()
        .requeue(merchant.id, claimed[0].message.id)
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
    assert_eq!(wechat.sent.lock().expect("lock").len(), 1);
    assert!(sms.sent.lock().expect("lock").is_empty());
}

async fn top_up_told(db: &TestDatabase) {
    let w = world(db);
    let mut settings = sms_settings();
    settings.scenes.push(sms_scene(
        Scene::TopUp,
        "SMS_TOPUP",
        "{name}充值{amount}元，赠送{bonus}元，余额{balance}元。",
        &["name", "amount", "bonus", "balance"],
    ));
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
        .sent
        .lock()
        .expect("lock")
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

async fn withdrawal_review_told(db: &TestDatabase) {
    let w = world(db);
    let mut settings = sms_settings();
    settings.scenes.push(sms_scene(
        Scene::WithdrawalReviewed,
        "SMS_WITHDRAWAL",
        "提现{amount}元{result}：{note}",
        &["amount", "result", "note"],
    ));
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
        .sent
        .lock()
        .expect("lock")
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
