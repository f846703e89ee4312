//! Outbox messages as stored, and back: a row that does not decode is corrupt data.

use crate::errors::corrupt;
use crate::notifications::entities::outbox_messages;
use crate::shared::{from_json, to_json};
use loyalty_core::kernel::StoreError;
use loyalty_core::notifications::{Channel, OutboxMessage, Scene};
use loyalty_core::notifications::{MessageRecord, MessageStatus};
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::{Expr, SimpleExpr};

pub(super) fn record_from(m: &outbox_messages::Model) -> Result<MessageRecord, StoreError> {
    Ok(MessageRecord {
        message: message_from(m)?,
        status: MessageStatus::parse(&m.status)
            .ok_or_else(|| corrupt("message status", &m.status))?,
        attempts: attempts(m),
        last_error: m.last_error.clone(),
        sent_at: m.sent_at,
    })
}

pub(super) fn message_from(m: &outbox_messages::Model) -> Result<OutboxMessage, StoreError> {
    Ok(OutboxMessage {
        id: m.id,
        merchant_id: m.merchant_id.into(),
        member_id: m.member_id.map(Into::into),
        event_id: m.event_id,
        scene: Scene::parse(&m.scene).ok_or_else(|| corrupt("scene", &m.scene))?,
        channel: Channel::parse(&m.channel).ok_or_else(|| corrupt("channel", &m.channel))?,
        recipient: m.recipient.clone(),
        template: m.template.clone(),
        extra: m.extra.clone(),
        params: from_json(&m.params, "params")?,
        parts: u32::try_from(m.parts).unwrap_or(0),
        created_at: m.created_at,
        due_at: m.due_at,
        standby: m.status == MessageStatus::Standby.as_str(),
    })
}

pub(super) fn attempts(m: &outbox_messages::Model) -> u32 {
    u32::try_from(m.attempts).unwrap_or(0)
}

/// The error kept with a message: its first 500 characters.
pub(super) fn last_error(error: &str) -> (outbox_messages::Column, SimpleExpr) {
    let kept: String = error.chars().take(500).collect();
    (outbox_messages::Column::LastError, Expr::value(kept))
}

/// A count (attempts, parts) as its `INTEGER` column holds it.
pub(super) fn count(n: u32) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

pub(super) fn message_row(m: &OutboxMessage) -> Result<outbox_messages::ActiveModel, StoreError> {
    Ok(outbox_messages::ActiveModel {
        id: Set(m.id),
        merchant_id: Set(m.merchant_id.as_uuid()),
        member_id: Set(m.member_id.map(|id| id.as_uuid())),
        event_id: Set(m.event_id),
        scene: Set(m.scene.as_str().to_owned()),
        channel: Set(m.channel.as_str().to_owned()),
        recipient: Set(m.recipient.clone()),
        template: Set(m.template.clone()),
        extra: Set(m.extra.clone()),
        params: Set(to_json(&m.params, "params")?),
        parts: Set(count(m.parts)),
        status: Set(if m.standby {
            MessageStatus::Standby
        } else {
            MessageStatus::Pending
        }
        .as_str()
        .to_owned()),
        attempts: Set(0),
        due_at: Set(m.due_at),
        leased_until: Set(None),
        lease: Set(None),
        last_error: Set(None),
        provider_id: Set(None),
        created_at: Set(m.created_at),
        sent_at: Set(None),
    })
}
