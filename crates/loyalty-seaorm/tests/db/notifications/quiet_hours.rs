//! Quiet hours on real databases: a message is held until they end, a backlog met by them waits
//! them out without using its attempts, and a login code goes at once.

use super::fakes::{FakeSms, FakeWechat};
use super::{buy, dispatch, in_status, requeue, shop, sms_scene, sms_settings};
use crate::support::*;
use chrono::{Duration, NaiveTime};
use loyalty_core::kernel::Phone;
use loyalty_core::notifications::{DeliveryError, MessageStatus};
use loyalty_core::notifications::{NotificationSettings, QuietHours, Scene};
use loyalty_seaorm::on_both_databases;
use loyalty_seaorm::testing::TestDatabase;

on_both_databases! {
    quiet_hours_hold_a_message_until_they_end => super::quiet_hours;
    a_backlog_met_by_the_quiet_hours_waits_them_out => super::backlog_in_quiet_hours;
    a_login_code_queued_again_in_quiet_hours_goes_at_once => super::login_code_requeued_in_quiet_hours;
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
    assert!(sms.taken().is_empty());
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
    requeue(&w, &merchant, failed[0].message.id)
        .await
        .expect("requeued");
    // Inside the quiet hours, and it goes: the member is waiting for it.
    assert_eq!(dispatch(&w, &sms, &wechat).await.sent, 1);
}
