//! The merchant wallet (我的钱包): payments by the merchant's payment code land in it, HQ
//! applies for withdrawals (提现), the platform approves (paid out) or rejects them (the
//! money goes back to what is available), and HQ is told (scene `withdrawal_reviewed`).
//!
//! Every amount moves by a conditional `UPDATE` (available never below zero, pending never
//! below what withdrawals under review hold), a review is a compare-and-set on the
//! withdrawal's status, and every ledger entry has a unique business key.

use super::WalletService;
use crate::engine::write_once;
use crate::events::DomainEvent;
use crate::events::Notifier;
use crate::kernel::IdempotencyTx;
use crate::kernel::MoneyDrift;
use crate::kernel::{Clock, StoreError, Transaction, TxMode, UnitOfWork};
use crate::kernel::{Idempotent, Outcome};
use crate::kernel::{InvalidValue, MerchantId, Money, StaffId, WithdrawalId};
use crate::kernel::{check_reference, with_retry};
use crate::merchants::merchant_of;
use crate::notifications::NotifyTx;
use crate::notifications::enqueue;
use crate::wallet::WalletTx;
use crate::wallet::{Wallet, WalletEntry, WalletEntryKind, WalletWithdrawal, WithdrawalStatus};
use crate::{Error, Result};
use chrono::{DateTime, Utc};
use uuid::Uuid;

/// A payment by the merchant's payment code (收款码) that the platform collected.
#[derive(Debug, Clone)]
pub struct RecordPayment {
    pub merchant_id: MerchantId,
    /// The payment provider's transaction id: a payment lands once.
    pub payment_ref: String,
    pub amount: Money,
}

/// HQ's application to withdraw.
#[derive(Debug, Clone)]
pub struct RequestWithdrawal {
    pub merchant_id: MerchantId,
    pub amount: Money,
    pub note: Option<String>,
    pub requested_by: Option<StaffId>,
}

/// The platform's decision on a withdrawal.
#[derive(Debug, Clone)]
pub struct ReviewWithdrawal {
    pub id: WithdrawalId,
    pub approve: bool,
    /// The reason; required to reject.
    pub note: Option<String>,
}

fn note_ok(field: &'static str, note: Option<&str>) -> Result<()> {
    if note.is_some_and(|n| n.trim().is_empty() || n.chars().count() > 200) {
        return Err(InvalidValue::new(field, "1 to 200 characters").into());
    }
    Ok(())
}

fn positive(amount: Money) -> Result<()> {
    if amount == Money::ZERO {
        return Err(InvalidValue::new("amount", "must be more than 0").into());
    }
    Ok(())
}

/// The ledger entry of a wallet change that left the wallet as `after`.
fn entry(
    kind: WalletEntryKind,
    (available_delta, pending_delta): (i64, i64),
    after: &Wallet,
    source_ref: String,
    now: DateTime<Utc>,
) -> WalletEntry {
    WalletEntry {
        id: Uuid::now_v7(),
        merchant_id: after.merchant_id,
        kind,
        available_delta,
        pending_delta,
        available_after: after.available,
        pending_after: after.pending,
        source_ref,
        created_at: now,
    }
}

/// The answer to a review of a withdrawal decided already: as decided when the decision is
/// the same (nothing more moves, nobody is told again), else `withdrawal_already_reviewed`.
fn decided(
    withdrawal: WalletWithdrawal,
    asked: WithdrawalStatus,
) -> Result<(WalletWithdrawal, Vec<DomainEvent>)> {
    if withdrawal.status == asked {
        Ok((withdrawal, Vec::new()))
    } else {
        Err(crate::wallet::WalletError::WithdrawalReviewed(withdrawal.status.as_str()).into())
    }
}

async fn withdrawal_of(
    tx: &mut impl crate::wallet::WalletTx,
    id: WithdrawalId,
) -> Result<WalletWithdrawal> {
    tx.wallet()
        .withdrawal(id)
        .await?
        .ok_or(Error::NotFound(crate::wallet::WITHDRAWAL))
}

impl<U, C, N> WalletService<'_, U, C, N>
where
    U: UnitOfWork<Tx: IdempotencyTx + NotifyTx + WalletTx>,
    C: Clock,
    N: Notifier,
{
    /// Credits a payment by the merchant's payment code to its wallet (the platform, or its
    /// payment adapter, once the payment has settled).
    ///
    /// # Errors
    /// `validation_failed`, `merchant_not_found`, `already_applied` (the payment landed
    /// before), `idempotency_key_reused`.
    #[tracing::instrument(level = "debug", skip_all, fields(merchant = %cmd.merchant_id))]
    pub async fn record_payment(
        self,
        cmd: RecordPayment,
        idem: Option<&Idempotent>,
    ) -> Result<Outcome<WalletEntry>> {
        write_once!(
            self,
            idem,
            check: (|| {
                positive(cmd.amount)?;
                check_reference("payment_ref", &cmd.payment_ref)
            })(),
            prepare |_lookup, _| { Ok(()) },
            effect |tx, (), now| {
                merchant_of(tx, cmd.merchant_id).await?;
                let fen = cmd.amount.fen();
                let after = tx.wallet().credit_wallet(cmd.merchant_id, fen).await?;
                let entry = entry(
                    WalletEntryKind::Payment,
                    (fen, 0),
                    &after,
                    cmd.payment_ref.clone(),
                    now,
                );
                tx.wallet().insert_wallet_entry(&entry).await?;
                Ok((entry, Vec::new()))
            }
        )
    }

    /// The wallets whose amounts disagree with their ledger (empty when all is well).
    ///
    /// # Errors
    /// Storage failures.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn drifts(self) -> Result<Vec<MoneyDrift>> {
        let mut tx = self.uow.begin(TxMode::Read).await?;
        Ok(tx.wallet().wallet_drifts().await?)
    }

    /// # Errors
    /// Storage failures only.
    #[tracing::instrument(level = "debug", skip_all, fields(merchant = %merchant_id))]
    pub async fn current(self, merchant_id: MerchantId) -> Result<Wallet> {
        let mut tx = self.uow.begin(TxMode::Lookup).await?;
        Ok(tx.wallet().wallet(merchant_id).await?)
    }

    /// The wallet's ledger, newest first.
    ///
    /// # Errors
    /// Storage failures only.
    #[tracing::instrument(level = "debug", skip_all, fields(merchant = %merchant_id))]
    pub async fn entries(
        self,
        merchant_id: MerchantId,
        before: Option<Uuid>,
        limit: u64,
    ) -> Result<Vec<WalletEntry>> {
        let mut tx = self.uow.begin(TxMode::Lookup).await?;
        Ok(tx
            .wallet()
            .wallet_entries(merchant_id, before, limit)
            .await?)
    }

    /// HQ applies to withdraw: the amount moves from available to pending until the
    /// platform reviews it.
    ///
    /// # Errors
    /// `validation_failed`, `insufficient_balance`, `idempotency_key_reused`.
    #[tracing::instrument(level = "debug", skip_all, fields(merchant = %cmd.merchant_id))]
    pub async fn request_withdrawal(
        self,
        cmd: RequestWithdrawal,
        idem: Option<&Idempotent>,
    ) -> Result<Outcome<WalletWithdrawal>> {
        let id = WithdrawalId::new();
        write_once!(
            self,
            idem,
            check: (|| {
                positive(cmd.amount)?;
                note_ok("note", cmd.note.as_deref())
            })(),
            prepare |_lookup, _| { Ok(()) },
            effect |tx, (), now| {
                let fen = cmd.amount.fen();
                let Some(after) = tx.wallet().hold_in_wallet(cmd.merchant_id, fen).await? else {
                    let wallet = tx.wallet().wallet(cmd.merchant_id).await?;
                    return Err(crate::wallet::WalletError::InsufficientBalance {
                        available: wallet.available.to_string(),
                    }.into());
                };
                let withdrawal = WalletWithdrawal {
                    id,
                    merchant_id: cmd.merchant_id,
                    amount: cmd.amount,
                    status: WithdrawalStatus::Pending,
                    note: cmd.note.as_ref().map(|n| n.trim().to_owned()),
                    requested_by: cmd.requested_by,
                    requested_at: now,
                    reviewed_at: None,
                    review_note: None,
                };
                tx.wallet().insert_withdrawal(&withdrawal).await?;
                let held = entry(
                    WalletEntryKind::WithdrawalHeld,
                    (-fen, fen),
                    &after,
                    id.to_string(),
                    now,
                );
                tx.wallet().insert_wallet_entry(&held).await?;
                Ok((withdrawal, Vec::new()))
            }
        )
    }

    /// Withdrawals, newest first: of one merchant (HQ) or of all (the platform), in one
    /// status or any.
    ///
    /// # Errors
    /// Storage failures only.
    #[tracing::instrument(level = "debug", skip_all, fields(merchant = ?merchant_id))]
    pub async fn withdrawals(
        self,
        merchant_id: Option<MerchantId>,
        status: Option<WithdrawalStatus>,
        before: Option<WithdrawalId>,
        limit: u64,
    ) -> Result<Vec<WalletWithdrawal>> {
        let mut tx = self.uow.begin(TxMode::Lookup).await?;
        Ok(tx
            .wallet()
            .withdrawals(merchant_id, status, before, limit)
            .await?)
    }

    /// The platform approves a pending withdrawal (the money is paid out: pending goes down)
    /// or rejects it (the money goes back to available); a withdrawal is reviewed once, and
    /// HQ is told in the same transaction. The same decision again (a retry after a lost
    /// answer) answers the withdrawal as it was decided, and moves and tells nothing.
    ///
    /// # Errors
    /// `validation_failed` (a rejection without a reason), `withdrawal_not_found`,
    /// `withdrawal_already_reviewed` (it was decided the other way).
    #[tracing::instrument(level = "debug", skip_all, fields(id = %cmd.id))]
    pub async fn review_withdrawal(self, cmd: ReviewWithdrawal) -> Result<WalletWithdrawal> {
        note_ok("note", cmd.note.as_deref())?;
        if !cmd.approve && cmd.note.is_none() {
            return Err(InvalidValue::new("note", "a rejection needs a reason").into());
        }
        let (withdrawal, events) = with_retry!(self.try_review(&cmd))?;
        self.publish(&events).await;
        Ok(withdrawal)
    }

    async fn try_review(
        self,
        cmd: &ReviewWithdrawal,
    ) -> Result<(WalletWithdrawal, Vec<DomainEvent>)> {
        let now = self.clock.now();
        let mut tx = self.uow.begin(TxMode::Write).await?;
        let status = if cmd.approve {
            WithdrawalStatus::Approved
        } else {
            WithdrawalStatus::Rejected
        };
        let withdrawal = withdrawal_of(&mut tx, cmd.id).await?;
        if withdrawal.status != WithdrawalStatus::Pending {
            return decided(withdrawal, status);
        }
        let note = cmd.note.as_ref().map(|n| n.trim().to_owned());
        if !tx
            .wallet()
            .review_withdrawal(cmd.id, status, note.clone(), now)
            .await?
        {
            // Reviewed by another request since it was read.
            return decided(withdrawal_of(&mut tx, cmd.id).await?, status);
        }
        let merchant_id = withdrawal.merchant_id;
        let fen = withdrawal.amount.fen();
        let after = tx
            .wallet()
            .release_from_wallet(merchant_id, fen, !cmd.approve)
            .await?
            .ok_or_else(|| {
                Error::Store(StoreError::Backend(
                    "the wallet's pending amount does not hold a pending withdrawal".into(),
                ))
            })?;
        let (kind, deltas) = if cmd.approve {
            (WalletEntryKind::WithdrawalPaid, (0, -fen))
        } else {
            (WalletEntryKind::WithdrawalReturned, (fen, -fen))
        };
        tx.wallet()
            .insert_wallet_entry(&entry(kind, deltas, &after, cmd.id.to_string(), now))
            .await?;
        let events = vec![DomainEvent::WithdrawalReviewed {
            merchant_id,
            withdrawal_id: cmd.id,
            amount: withdrawal.amount,
            approved: cmd.approve,
            note: note.clone(),
        }];
        enqueue(&mut tx, merchant_id, &events, now).await?;
        // As stored (to the database's precision), so a later answer reads the same.
        let reviewed = withdrawal_of(&mut tx, cmd.id).await?;
        tx.commit().await?;
        Ok((reviewed, events))
    }
}
