mod error;
mod gateways;
mod outbox_port;
mod rules;
mod usecases;

pub use error::{MESSAGE, NotificationsError};
pub use gateways::{DeliveryError, OutgoingSms, OutgoingWechat, SmsGateway, WechatGateway};
#[cfg(any(test, feature = "mocks"))]
pub use outbox_port::MockOutboxRepository;
pub use outbox_port::{Claimed, MessageRecord, MessageStatus, OutboxRepository, SmsUsage};
pub use outbox_port::{NotifyTx, OutboxTx};
pub use rules::{
    Channel, Contact, NotificationSettings, OutboxMessage, QuietHours, Scene, SceneSetting,
    SmsTemplate, Subscriptions, TemplateParam, WechatTemplate, after_quiet_hours, backoff,
    billable_parts, event_values, fallback_event_id, plan_messages, render, scene_of,
};
pub use usecases::{DispatchReport, DispatchSettings, Gateways, MAX_SUBSCRIPTIONS};
pub(crate) use usecases::{enqueue, enqueue_for, enqueue_with, merchants_telling};

crate::engine::service!(
    NotificationsService,
    notifications,
    "Notifications: the outbox, its dispatch, birthday greetings, SMS usage."
);
