//! The moves of a points account inside one transaction. Every one touches the member row
//! first (the lock order of [`crate::ports::Transaction`]), then lots and ledger.

use crate::account::{LotTake, OpenLot, ShortfallPolicy, plan_consumption, plan_reversal};
use crate::model::{EntryKind, LedgerEntry, Lot, Source};
use crate::ports::{StoreError, Transaction, UniqueKey, Withdrawal};
use crate::types::{EntryId, LotId, MemberId, MerchantId, Points, StaffId, StoreId};
use crate::{Error, Result};
use chrono::{DateTime, Utc};

/// What an entry is about, apart from its amounts.
#[derive(Debug, Clone)]
pub(crate) struct EntryDraft {
    pub merchant_id: MerchantId,
    pub member_id: MemberId,
    pub kind: EntryKind,
    pub reason_code: String,
    pub title: String,
    pub store_id: Option<StoreId>,
    pub source: Source,
    pub operator_id: Option<StaffId>,
    /// The earning policy version behind an earn entry.
    pub policy_version: Option<i64>,
}

impl EntryDraft {
    fn entry(
        &self,
        delta: Points,
        seq: i64,
        balance_after: Points,
        shortfall: Points,
        now: DateTime<Utc>,
    ) -> LedgerEntry {
        LedgerEntry {
            id: EntryId::new(),
            merchant_id: self.merchant_id,
            member_id: self.member_id,
            seq,
            kind: self.kind,
            delta,
            balance_after,
            reason_code: self.reason_code.clone(),
            title: self.title.clone(),
            store_id: self.store_id,
            source: self.source.clone(),
            operator_id: self.operator_id,
            shortfall,
            policy_version: self.policy_version,
            created_at: now,
        }
    }
}

async fn append(tx: &mut dyn Transaction, entry: &LedgerEntry) -> Result<()> {
    match tx.points().append_entry(entry).await {
        Err(StoreError::Unique(UniqueKey::LedgerSource)) => Err(Error::AlreadyApplied),
        other => Ok(other?),
    }
}

fn negate(points: Points) -> Points {
    Points::new(-points.value())
}

/// Credits `amount` (> 0) as a new lot expiring at `expires_at`.
pub(crate) async fn credit(
    tx: &mut dyn Transaction,
    draft: &EntryDraft,
    amount: Points,
    expires_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<LedgerEntry> {
    let change = tx
        .points()
        .deposit(draft.merchant_id, draft.member_id, amount)
        .await?
        .ok_or(Error::NotFound("member"))?;
    let entry = draft.entry(amount, change.seq, change.balance_after, Points::ZERO, now);
    append(tx, &entry).await?;
    let lot = Lot {
        id: LotId::new(),
        merchant_id: draft.merchant_id,
        member_id: draft.member_id,
        entry_id: entry.id,
        amount,
        remaining: amount,
        earned_at: now,
        expires_at,
    };
    tx.points().insert_lot(&lot).await?;
    Ok(entry)
}

/// Takes `amount` (≥ 0) off the balance and the planned lots; the balance must hold it.
async fn withdraw_planned(
    tx: &mut dyn Transaction,
    draft: &EntryDraft,
    amount: Points,
    takes: &[LotTake],
    shortfall: Points,
    now: DateTime<Utc>,
) -> Result<LedgerEntry> {
    let change = match tx
        .points()
        .withdraw(draft.merchant_id, draft.member_id, amount)
        .await?
    {
        Withdrawal::Done(change) => change,
        Withdrawal::Insufficient { available } => {
            return Err(Error::InsufficientPoints {
                requested: amount,
                available,
            });
        }
        Withdrawal::MemberNotFound => return Err(Error::NotFound("member")),
    };
    tx.points().take_from_lots(draft.merchant_id, takes).await?;
    let entry = draft.entry(
        negate(amount),
        change.seq,
        change.balance_after,
        shortfall,
        now,
    );
    append(tx, &entry).await?;
    Ok(entry)
}

/// Locks the account and expires every lot due at `now` (one expire entry per lot); returns
/// the lots still open and the expire entries written.
pub(crate) async fn lock_and_expire(
    tx: &mut dyn Transaction,
    merchant_id: MerchantId,
    member_id: MemberId,
    now: DateTime<Utc>,
) -> Result<(Vec<OpenLot>, Vec<LedgerEntry>)> {
    tx.points()
        .lock_account(merchant_id, member_id)
        .await?
        .ok_or(Error::NotFound("member"))?;
    let lots = tx.points().open_lots(merchant_id, member_id).await?;
    let (due, open): (Vec<_>, Vec<_>) = lots.into_iter().partition(|lot| lot.is_due(now));
    let mut expired = Vec::with_capacity(due.len());
    for lot in due {
        let draft = EntryDraft {
            merchant_id,
            member_id,
            kind: EntryKind::Expire,
            reason_code: "lot_expired".into(),
            title: "积分过期".into(),
            store_id: None,
            source: Source::new("lot", lot.id),
            operator_id: None,
            policy_version: None,
        };
        let take = LotTake {
            lot_id: lot.id,
            amount: lot.remaining,
        };
        expired
            .push(withdraw_planned(tx, &draft, lot.remaining, &[take], Points::ZERO, now).await?);
    }
    Ok((open, expired))
}

/// Spends `amount` (> 0) from the soonest-expiring lots, after expiring the due ones.
pub(crate) async fn debit(
    tx: &mut dyn Transaction,
    draft: &EntryDraft,
    amount: Points,
    now: DateTime<Utc>,
) -> Result<(LedgerEntry, Vec<LedgerEntry>)> {
    let (lots, expired) = lock_and_expire(tx, draft.merchant_id, draft.member_id, now).await?;
    let takes = plan_consumption(&lots, amount).map_err(|short| Error::InsufficientPoints {
        requested: short.requested,
        available: short.available,
    })?;
    let entry = withdraw_planned(tx, draft, amount, &takes, Points::ZERO, now).await?;
    Ok((entry, expired))
}

/// Takes back `amount` points that the entry `earned` credited: from its own lot first.
pub(crate) async fn reverse(
    tx: &mut dyn Transaction,
    draft: &EntryDraft,
    earned: &Source,
    amount: Points,
    policy: ShortfallPolicy,
    now: DateTime<Utc>,
) -> Result<(LedgerEntry, Vec<LedgerEntry>)> {
    let (lots, expired) = lock_and_expire(tx, draft.merchant_id, draft.member_id, now).await?;
    let earn_entry = tx
        .points()
        .entry_by_source(draft.merchant_id, EntryKind::Earn, earned)
        .await?;
    let earn_lot = match earn_entry {
        Some(entry) => tx
            .points()
            .lot_by_entry(draft.merchant_id, entry.id)
            .await?
            .map(|lot| lot.id),
        None => None,
    };
    let plan = plan_reversal(&lots, earn_lot, amount, policy).map_err(|short| {
        Error::InsufficientPoints {
            requested: short.requested,
            available: short.available,
        }
    })?;
    let entry = withdraw_planned(tx, draft, plan.taken, &plan.takes, plan.shortfall, now).await?;
    Ok((entry, expired))
}
