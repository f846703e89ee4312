//! Card templates, members' cards and card entries as stored, and back: a row that does not
//! decode is corrupt data.

use crate::cards::entities::{card_entries, card_templates, member_cards, service_items};
use crate::errors::corrupt;
use crate::shared::{from_json, money, to_json};
use loyalty_core::cards::CardRules;
use loyalty_core::cards::{CardEntry, CardEntryKind, CardTemplate, MemberCard, ServiceItem};
use loyalty_core::kernel::StoreError;
use loyalty_core::kernel::{StaffId, StoreId};
use sea_orm::ActiveValue::Set;

pub(super) fn template_from(t: card_templates::Model) -> Result<CardTemplate, StoreError> {
    let rules: CardRules = from_json(&t.rules, "card template rules")?;
    Ok(CardTemplate {
        id: t.id.into(),
        merchant_id: t.merchant_id.into(),
        rules,
        active: t.active,
        created_by: t.created_by.map(StaffId::from_uuid),
        created_at: t.created_at,
    })
}

pub(super) fn card_from(c: member_cards::Model) -> Result<MemberCard, StoreError> {
    Ok(MemberCard {
        id: c.id.into(),
        merchant_id: c.merchant_id.into(),
        member_id: c.member_id.into(),
        template_id: c.template_id.into(),
        principal: money(c.principal_fen, "card principal")?,
        bonus: money(c.bonus_fen, "card bonus")?,
        opened_at: c.opened_at,
        opened_by: c.opened_by.map(StaffId::from_uuid),
        store_id: c.store_id.map(StoreId::from_uuid),
        uses_left: c.uses_left,
        expires_at: c.expires_at,
        starts_at: c.starts_at,
        periods_pending: c.periods_pending,
    })
}

pub(super) fn service_item_from(i: service_items::Model) -> Result<ServiceItem, StoreError> {
    Ok(ServiceItem {
        id: i.id.into(),
        merchant_id: i.merchant_id.into(),
        code: i.code,
        name: i.name,
        price: i
            .price_fen
            .map(|p| money(p, "service item price"))
            .transpose()?,
        active: i.active,
        created_at: i.created_at,
    })
}

pub(super) fn entry_from(e: card_entries::Model) -> Result<CardEntry, StoreError> {
    Ok(CardEntry {
        id: e.id,
        merchant_id: e.merchant_id.into(),
        card_id: e.card_id.into(),
        member_id: e.member_id.into(),
        kind: CardEntryKind::parse(&e.kind).ok_or_else(|| corrupt("card entry kind", &e.kind))?,
        principal_delta: e.principal_delta,
        bonus_delta: e.bonus_delta,
        principal_after: money(e.principal_after, "card entry principal")?,
        bonus_after: money(e.bonus_after, "card entry bonus")?,
        source_ref: e.source_ref,
        store_id: e.store_id.map(StoreId::from_uuid),
        operator_id: e.operator_id.map(StaffId::from_uuid),
        created_at: e.created_at,
        uses_delta: e.uses_delta,
        uses_after: e.uses_after,
        item_id: e.item_id.map(Into::into),
    })
}

pub(super) fn template_row(t: &CardTemplate) -> Result<card_templates::ActiveModel, StoreError> {
    Ok(card_templates::ActiveModel {
        id: Set(t.id.as_uuid()),
        merchant_id: Set(t.merchant_id.as_uuid()),
        name: Set(t.rules.name.clone()),
        kind: Set(t.rules.kind.as_str().to_owned()),
        rules: Set(to_json(&t.rules, "card rules")?),
        active: Set(t.active),
        created_by: Set(t.created_by.map(|s| s.as_uuid())),
        created_at: Set(t.created_at),
    })
}

pub(super) fn card_row(c: &MemberCard) -> member_cards::ActiveModel {
    member_cards::ActiveModel {
        id: Set(c.id.as_uuid()),
        merchant_id: Set(c.merchant_id.as_uuid()),
        member_id: Set(c.member_id.as_uuid()),
        template_id: Set(c.template_id.as_uuid()),
        principal_fen: Set(c.principal.fen()),
        bonus_fen: Set(c.bonus.fen()),
        opened_at: Set(c.opened_at),
        opened_by: Set(c.opened_by.map(|s| s.as_uuid())),
        store_id: Set(c.store_id.map(|s| s.as_uuid())),
        uses_left: Set(c.uses_left),
        expires_at: Set(c.expires_at),
        starts_at: Set(c.starts_at),
        periods_pending: Set(c.periods_pending),
        expiry_announced_for: Set(None),
    }
}

pub(super) fn entry_row(e: &CardEntry) -> card_entries::ActiveModel {
    card_entries::ActiveModel {
        id: Set(e.id),
        merchant_id: Set(e.merchant_id.as_uuid()),
        card_id: Set(e.card_id.as_uuid()),
        member_id: Set(e.member_id.as_uuid()),
        kind: Set(e.kind.as_str().to_owned()),
        principal_delta: Set(e.principal_delta),
        bonus_delta: Set(e.bonus_delta),
        principal_after: Set(e.principal_after.fen()),
        bonus_after: Set(e.bonus_after.fen()),
        source_ref: Set(e.source_ref.clone()),
        store_id: Set(e.store_id.map(|s| s.as_uuid())),
        operator_id: Set(e.operator_id.map(|s| s.as_uuid())),
        created_at: Set(e.created_at),
        uses_delta: Set(e.uses_delta),
        uses_after: Set(e.uses_after),
        item_id: Set(e.item_id.map(|i| i.as_uuid())),
    }
}
