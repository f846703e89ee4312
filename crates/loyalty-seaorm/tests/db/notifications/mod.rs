//! Notifications through the outbox on real databases: planned with the change that causes them,
//! dispatched once through fake providers, held through quiet hours, WeChat messages with SMS in
//! reserve, and the scenes members and HQ are told of.

mod dispatch;
mod erasure;
mod fakes;
mod hq_scenes;
mod member_scenes;
mod planning;
mod quiet_hours;
mod reserves;

use crate::support::*;
use chrono::Duration;
use fakes::{FakeSms, FakeWechat};
use loyalty_core::Error;
use loyalty_core::kernel::Transaction;
use loyalty_core::kernel::{TxMode, UnitOfWork};
use loyalty_core::members::Member;
use loyalty_core::members::MembersTx;
use loyalty_core::merchants::Merchant;
use loyalty_core::notifications::MessageStatus;
use loyalty_core::notifications::{
    Channel, NotificationSettings, Scene, SceneSetting, SmsTemplate, TemplateParam, WechatTemplate,
};
use loyalty_core::notifications::{DispatchSettings, Gateways};
use loyalty_core::points::ExpiryPolicy;
use loyalty_seaorm::SeaUnitOfWork;
use loyalty_seaorm::testing::TestDatabase;
use uuid::Uuid;

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
/// [`sms_settings`] with one more scene, told by SMS as [`sms_scene`] makes it.
fn with_sms_scene(scene: Scene, code: &str, text: &str, params: &[&str]) -> NotificationSettings {
    let mut settings = sms_settings();
    settings.scenes.push(sms_scene(scene, code, text, params));
    settings
}

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

/// HQ queues the failed message again.
async fn requeue(w: &World, merchant: &Merchant, message: Uuid) -> Result<(), Error> {
    w.loyalty
        .notifications()
        .requeue(merchant.id, message)
        .await
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
