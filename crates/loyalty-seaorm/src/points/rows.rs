//! Ledger entries and lots as stored, and back: a row that does not decode is corrupt data.

use crate::errors::corrupt;
use crate::points::entities::{points_ledger, points_lots};
use crate::shared::points;
use loyalty_core::kernel::StoreError;
use loyalty_core::points::OpenLot;
use loyalty_core::points::{EntryKind, LedgerEntry, Lot, Source};
use sea_orm::ActiveValue::Set;

pub(super) fn entry_from(e: points_ledger::Model) -> Result<LedgerEntry, StoreError> {
    Ok(LedgerEntry {
        id: e.id.into(),
        merchant_id: e.merchant_id.into(),
        member_id: e.member_id.into(),
        seq: e.seq,
        kind: EntryKind::parse(&e.kind).ok_or_else(|| corrupt("entry kind", &e.kind))?,
        delta: points(e.delta),
        balance_after: points(e.balance_after),
        reason_code: e.reason_code,
        title: e.title,
        store_id: e.store_id.map(Into::into),
        source: Source {
            source_type: e.source_type,
            source_id: e.source_id,
        },
        operator_id: e.operator_id.map(Into::into),
        shortfall: points(e.shortfall),
        policy_version: e.policy_version,
        created_at: e.created_at,
    })
}

/// What spending needs of a lot: what is left of it, and when it was earned and expires.
pub(super) fn open_lot(l: &points_lots::Model) -> OpenLot {
    OpenLot {
        id: l.id.into(),
        remaining: points(l.remaining),
        earned_at: l.earned_at,
        expires_at: l.expires_at,
    }
}

pub(super) fn lot_from(l: points_lots::Model) -> Lot {
    Lot {
        id: l.id.into(),
        merchant_id: l.merchant_id.into(),
        member_id: l.member_id.into(),
        entry_id: l.entry_id.into(),
        amount: points(l.amount),
        remaining: points(l.remaining),
        earned_at: l.earned_at,
        expires_at: l.expires_at,
    }
}

pub(super) fn lot_row(lot: &Lot) -> points_lots::ActiveModel {
    points_lots::ActiveModel {
        id: Set(lot.id.as_uuid()),
        merchant_id: Set(lot.merchant_id.as_uuid()),
        member_id: Set(lot.member_id.as_uuid()),
        entry_id: Set(lot.entry_id.as_uuid()),
        amount: Set(lot.amount.value()),
        remaining: Set(lot.remaining.value()),
        earned_at: Set(lot.earned_at),
        expires_at: Set(lot.expires_at),
        announced_at: Set(None),
    }
}

pub(super) fn entry_row(e: &LedgerEntry) -> points_ledger::ActiveModel {
    points_ledger::ActiveModel {
        id: Set(e.id.as_uuid()),
        merchant_id: Set(e.merchant_id.as_uuid()),
        member_id: Set(e.member_id.as_uuid()),
        seq: Set(e.seq),
        kind: Set(e.kind.as_str().to_owned()),
        delta: Set(e.delta.value()),
        balance_after: Set(e.balance_after.value()),
        shortfall: Set(e.shortfall.value()),
        reason_code: Set(e.reason_code.clone()),
        title: Set(e.title.clone()),
        store_id: Set(e.store_id.map(|s| s.as_uuid())),
        source_type: Set(e.source.source_type.clone()),
        source_id: Set(e.source.source_id.clone()),
        operator_id: Set(e.operator_id.map(|s| s.as_uuid())),
        created_at: Set(e.created_at),
        policy_version: Set(e.policy_version),
        lot_id: sea_orm::ActiveValue::NotSet,
    }
}
