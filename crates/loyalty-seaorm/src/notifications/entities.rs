//! The rows as stored. They stay inside this crate; the core sees its own types only.

pub(crate) mod outbox_messages;
pub(crate) mod wechat_subscriptions;

crate::shared::merchant_keyed!(outbox_messages);
crate::shared::merchant_owned!(wechat_subscriptions);
