//! The wallet, its entries and withdrawals as stored, and back: a row that does not decode is
//! corrupt data.

use crate::errors::corrupt;
use crate::shared::money;
use crate::wallet::entities::{wallet_entries, wallet_withdrawals, wallets};
use loyalty_core::kernel::StaffId;
use loyalty_core::kernel::StoreError;
use loyalty_core::wallet::{
    Wallet, WalletEntry, WalletEntryKind, WalletWithdrawal, WithdrawalStatus,
};
use sea_orm::ActiveValue::Set;

pub(super) fn wallet_from(w: &wallets::Model) -> Result<Wallet, StoreError> {
    Ok(Wallet {
        merchant_id: w.merchant_id.into(),
        available: money(w.available_fen, "wallet available")?,
        pending: money(w.pending_fen, "wallet pending")?,
    })
}

pub(super) fn entry_from(e: wallet_entries::Model) -> Result<WalletEntry, StoreError> {
    Ok(WalletEntry {
        id: e.id,
        merchant_id: e.merchant_id.into(),
        kind: WalletEntryKind::parse(&e.kind)
            .ok_or_else(|| corrupt("wallet entry kind", &e.kind))?,
        available_delta: e.available_delta,
        pending_delta: e.pending_delta,
        available_after: money(e.available_after, "wallet entry available")?,
        pending_after: money(e.pending_after, "wallet entry pending")?,
        source_ref: e.source_ref,
        created_at: e.created_at,
    })
}

pub(super) fn withdrawal_from(
    w: wallet_withdrawals::Model,
) -> Result<WalletWithdrawal, StoreError> {
    Ok(WalletWithdrawal {
        id: w.id.into(),
        merchant_id: w.merchant_id.into(),
        amount: money(w.amount_fen, "withdrawal amount")?,
        status: WithdrawalStatus::parse(&w.status)
            .ok_or_else(|| corrupt("withdrawal status", &w.status))?,
        note: w.note,
        requested_by: w.requested_by.map(StaffId::from_uuid),
        requested_at: w.requested_at,
        reviewed_at: w.reviewed_at,
        review_note: w.review_note,
    })
}

pub(super) fn entry_row(e: &WalletEntry) -> wallet_entries::ActiveModel {
    wallet_entries::ActiveModel {
        id: Set(e.id),
        merchant_id: Set(e.merchant_id.as_uuid()),
        kind: Set(e.kind.as_str().to_owned()),
        available_delta: Set(e.available_delta),
        pending_delta: Set(e.pending_delta),
        available_after: Set(e.available_after.fen()),
        pending_after: Set(e.pending_after.fen()),
        source_ref: Set(e.source_ref.clone()),
        created_at: Set(e.created_at),
    }
}

pub(super) fn withdrawal_row(w: &WalletWithdrawal) -> wallet_withdrawals::ActiveModel {
    wallet_withdrawals::ActiveModel {
        id: Set(w.id.as_uuid()),
        merchant_id: Set(w.merchant_id.as_uuid()),
        amount_fen: Set(w.amount.fen()),
        status: Set(w.status.as_str().to_owned()),
        note: Set(w.note.clone()),
        requested_by: Set(w.requested_by.map(|s| s.as_uuid())),
        requested_at: Set(w.requested_at),
        reviewed_at: Set(w.reviewed_at),
        review_note: Set(w.review_note.clone()),
    }
}
