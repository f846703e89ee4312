//! The moves of a points account inside one transaction. Every one touches the member row
//! first (the lock order of [`crate::kernel::Transaction`]), then lots and ledger.

use crate::kernel::StoreError;
use crate::kernel::{EntryId, LotId, MemberId, MerchantId, Points, StaffId, StoreId};
use crate::points::Withdrawal;
use crate::points::{EntryKind, LedgerEntry, Lot, Source};
use crate::points::{LotTake, OpenLot, ShortfallPolicy, plan_consumption, plan_reversal};
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

/// A write that appends a ledger entry: `already_applied` when its source moved points
/// already.
fn applied_once<T>(written: std::result::Result<T, StoreError>) -> Result<T> {
    match written {
        Err(StoreError::Unique(crate::points::LEDGER_SOURCE_KEY)) => Err(Error::AlreadyApplied),
        other => Ok(other?),
    }
}

/// Deposits `entry.delta`, appends `entry` with the sequence number and balance that gave,
/// and adds it to the member's lot expiring at `expires_at` (opening it if there is none):
/// answers the entry as written, the lot and the member's debt as it was.
async fn deposit_as_lot(
    tx: &mut impl crate::points::PointsTx,
    mut entry: LedgerEntry,
    expires_at: Option<DateTime<Utc>>,
) -> Result<(LedgerEntry, LotId, Points)> {
    let lot = Lot {
        id: LotId::new(),
        merchant_id: entry.merchant_id,
        member_id: entry.member_id,
        entry_id: entry.id,
        amount: entry.delta,
        remaining: entry.delta,
        earned_at: entry.created_at,
        expires_at,
    };
    let (change, lot) = applied_once(tx.points().credit_with_lot(&entry, &lot).await)?
        .ok_or(Error::NotFound(crate::members::MEMBER))?;
    entry.seq = change.seq;
    entry.balance_after = change.balance_after;
    Ok((entry, lot, change.debt))
}

fn negate(points: Points) -> Points {
    Points::new(-points.value())
}

/// A credit, and the balance after it (and after the debt it paid off).
#[derive(Debug, Clone)]
pub(crate) struct Credited {
    pub entry: LedgerEntry,
    pub balance_after: Points,
}

/// Credits `amount` (> 0) to the member's lot expiring at `expires_at`; a points debt of the member
/// is paid off from it first.
pub(crate) async fn credit(
    tx: &mut impl crate::points::PointsTx,
    draft: &EntryDraft,
    amount: Points,
    expires_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<Credited> {
    let entry = draft.entry(amount, 0, Points::ZERO, Points::ZERO, now);
    let (entry, lot, debt) = deposit_as_lot(tx, entry, expires_at).await?;
    let repaid = repay_debt(tx, draft, &entry, lot, debt, now).await?;
    Ok(Credited {
        balance_after: repaid.map_or(entry.balance_after, |r| r.balance_after),
        entry,
    })
}

/// Pays the member's points `debt` (as it was when `credited` went in) from the lot that
/// entry created, as far as the lot holds: a `reverse` entry `debt_repaid`, one per credit.
async fn repay_debt(
    tx: &mut impl crate::points::PointsTx,
    draft: &EntryDraft,
    credited: &LedgerEntry,
    lot: LotId,
    debt: Points,
    now: DateTime<Utc>,
) -> Result<Option<LedgerEntry>> {
    let repay = credited.delta.min(debt);
    if !repay.is_positive() {
        return Ok(None);
    }
    if !tx
        .points()
        .change_debt(draft.merchant_id, draft.member_id, negate(repay))
        .await?
    {
        return Err(Error::Store(StoreError::Contention(
            "the points debt moved under the credit".into(),
        )));
    }
    let repayment = EntryDraft {
        kind: EntryKind::Reverse,
        reason_code: "debt_repaid".into(),
        title: "抵扣欠分".into(),
        source: Source::new("debt", credited.id),
        policy_version: None,
        ..draft.clone()
    };
    let take = LotTake {
        lot_id: lot,
        amount: repay,
    };
    let entry = withdraw_planned(tx, &repayment, repay, &[take], Points::ZERO, now).await?;
    Ok(Some(entry))
}

/// Takes `amount` (≥ 0) off the balance and the planned lots; the balance must hold it.
async fn withdraw_planned(
    tx: &mut impl crate::points::PointsTx,
    draft: &EntryDraft,
    amount: Points,
    takes: &[LotTake],
    shortfall: Points,
    now: DateTime<Utc>,
) -> Result<LedgerEntry> {
    let mut entry = draft.entry(negate(amount), 0, Points::ZERO, shortfall, now);
    let change = match applied_once(tx.points().debit_planned(&entry, takes).await)? {
        Withdrawal::Done(change) => change,
        Withdrawal::Insufficient { available } => {
            return Err(crate::points::PointsError::InsufficientPoints {
                requested: amount,
                available,
            }
            .into());
        }
        Withdrawal::MemberNotFound => return Err(Error::NotFound(crate::members::MEMBER)),
    };
    entry.seq = change.seq;
    entry.balance_after = change.balance_after;
    Ok(entry)
}

/// An `expire` entry of the member's points, for `source`.
fn expiry_of(merchant_id: MerchantId, member_id: MemberId, source: Source) -> EntryDraft {
    EntryDraft {
        merchant_id,
        member_id,
        kind: EntryKind::Expire,
        reason_code: "lot_expired".into(),
        title: "积分过期".into(),
        store_id: None,
        source,
        operator_id: None,
        policy_version: None,
    }
}

/// Locks the account and expires every lot due at `now` (one expire entry per lot); returns
/// the open lots spending `want` (≥ 0) points takes first ([`crate::points::LotsInReach`])
/// and the expire entries written.
pub(crate) async fn lock_and_expire(
    tx: &mut impl crate::points::PointsTx,
    merchant_id: MerchantId,
    member_id: MemberId,
    want: Points,
    now: DateTime<Utc>,
) -> Result<(Vec<OpenLot>, Vec<LedgerEntry>)> {
    tx.points()
        .lock_account(merchant_id, member_id)
        .await?
        .ok_or(Error::NotFound(crate::members::MEMBER))?;
    let reach = tx
        .points()
        .lots_in_reach(merchant_id, member_id, now, want)
        .await?;
    let mut expired = Vec::with_capacity(reach.due.len());
    for lot in reach.due {
        let draft = expiry_of(merchant_id, member_id, Source::new("lot", lot.id));
        let take = LotTake {
            lot_id: lot.id,
            amount: lot.remaining,
        };
        expired
            .push(withdraw_planned(tx, &draft, lot.remaining, &[take], Points::ZERO, now).await?);
    }
    Ok((reach.open, expired))
}

/// Spends `amount` (> 0) from the soonest-expiring lots, after expiring the due ones.
pub(crate) async fn debit(
    tx: &mut impl crate::points::PointsTx,
    draft: &EntryDraft,
    amount: Points,
    now: DateTime<Utc>,
) -> Result<(LedgerEntry, Vec<LedgerEntry>)> {
    let (lots, expired) =
        lock_and_expire(tx, draft.merchant_id, draft.member_id, amount, now).await?;
    let entry = spend_from(tx, draft, amount, &lots, now).await?.0;
    Ok((entry, expired))
}

/// Spends `amount` (> 0) from `lots`, soonest-expiring first.
async fn spend_from(
    tx: &mut impl crate::points::PointsTx,
    draft: &EntryDraft,
    amount: Points,
    lots: &[OpenLot],
    now: DateTime<Utc>,
) -> Result<(LedgerEntry, Vec<LotTake>)> {
    let takes = plan_consumption(lots, amount).map_err(|short| {
        crate::points::PointsError::InsufficientPoints {
            requested: short.requested,
            available: short.available,
        }
    })?;
    let entry = withdraw_planned(tx, draft, amount, &takes, Points::ZERO, now).await?;
    Ok((entry, takes))
}

/// Spends `amount` (> 0) from `lots` — the member's open lots not yet due that spending
/// `amount` reaches ([`crate::points::LotsInReach::open`]), read under the member's lock
/// that the caller holds — and records which lots the points came from, so
/// that [`give_back_spent`] can return them with the expiry they had. Lots already due are
/// left to the expiry job. A lot that changed since it was read makes the use case run
/// again ([`crate::points::PointsRepository::take_from_lots`]).
pub(crate) async fn debit_recorded(
    tx: &mut impl crate::points::PointsTx,
    draft: &EntryDraft,
    amount: Points,
    lots: &[OpenLot],
    now: DateTime<Utc>,
) -> Result<LedgerEntry> {
    let (entry, takes) = spend_from(tx, draft, amount, lots, now).await?;
    tx.points()
        .record_takes(draft.merchant_id, entry.id, &takes)
        .await?;
    Ok(entry)
}

/// Gives back `amount` (> 0) of the points the recorded spend `spent` took, after the
/// `returned_before` given back by earlier refunds: the last lot taken comes back first,
/// each part as a `return` entry back into the lot it came from, with its expiry. A part
/// whose lot is due by now expires at once (after paying off any points debt): an `expire`
/// entry whose source is the lot and the return entry, as the expiry job would have written
/// it. The parts' sources are the draft's with `:1`, `:2` … appended.
pub(crate) async fn give_back_spent(
    tx: &mut impl crate::points::PointsTx,
    draft: &EntryDraft,
    spent: EntryId,
    returned_before: Points,
    amount: Points,
    now: DateTime<Utc>,
) -> Result<Vec<LedgerEntry>> {
    let taken = tx.points().takes_of(draft.merchant_id, spent).await?;
    let mut skip = returned_before.value();
    let mut left = amount.value();
    let mut entries = Vec::new();
    for part in taken.iter().rev() {
        let whole = part.take.amount.value();
        let skipped = skip.min(whole);
        skip -= skipped;
        let back = (whole - skipped).min(left);
        if back <= 0 {
            continue;
        }
        left -= back;
        let back = Points::new(back);
        let mut entry = draft.entry(back, 0, Points::ZERO, Points::ZERO, now);
        entry.source.source_id = format!("{}:{}", draft.source.source_id, entries.len() + 1);
        let (entry, lot, debt) = deposit_as_lot(tx, entry, part.expires_at).await?;
        let repaid = repay_debt(tx, draft, &entry, lot, debt, now).await?;
        let left_in_lot =
            Points::new(back.value() - repaid.as_ref().map_or(0, |r| -r.delta.value()));
        let lapsed = if part.expires_at.is_some_and(|at| at <= now) && left_in_lot.is_positive() {
            let source = Source::new("lot", format!("{lot}:{}", entry.id));
            let expiry = expiry_of(draft.merchant_id, draft.member_id, source);
            let take = LotTake {
                lot_id: lot,
                amount: left_in_lot,
            };
            Some(withdraw_planned(tx, &expiry, left_in_lot, &[take], Points::ZERO, now).await?)
        } else {
            None
        };
        entries.push(entry);
        entries.extend(repaid);
        entries.extend(lapsed);
        if left == 0 {
            break;
        }
    }
    if left > 0 {
        // More than the spend took: a defect of the caller, never a silent credit.
        return Err(Error::Store(StoreError::Backend(
            format!("points given back exceed the spend by {left}").into(),
        )));
    }
    Ok(entries)
}

/// Takes back `amount` points that the entry `earned` credited: from the lot holding them
/// first.
pub(crate) async fn reverse(
    tx: &mut impl crate::points::PointsTx,
    draft: &EntryDraft,
    earned: &Source,
    amount: Points,
    policy: ShortfallPolicy,
    now: DateTime<Utc>,
) -> Result<(LedgerEntry, Vec<LedgerEntry>)> {
    let (mut lots, expired) =
        lock_and_expire(tx, draft.merchant_id, draft.member_id, amount, now).await?;
    let earn_entry = tx
        .points()
        .entry_by_source(draft.merchant_id, EntryKind::Earn, earned)
        .await?;
    let earn_lot = match earn_entry {
        Some(entry) => {
            tx.points()
                .lot_by_entry(draft.merchant_id, entry.id)
                .await?
        }
        None => None,
    };
    // The lot holding them comes first, wherever it stands in consumption order.
    if let Some(own) = &earn_lot {
        let open = OpenLot {
            id: own.id,
            remaining: own.remaining,
            earned_at: own.earned_at,
            expires_at: own.expires_at,
        };
        if open.remaining.is_positive() && !open.is_due(now) && !lots.iter().any(|l| l.id == own.id)
        {
            lots.push(open);
        }
    }
    let earn_lot = earn_lot.map(|lot| lot.id);
    let plan = plan_reversal(&lots, earn_lot, amount, policy).map_err(|short| {
        crate::points::PointsError::InsufficientPoints {
            requested: short.requested,
            available: short.available,
        }
    })?;
    let entry = withdraw_planned(tx, draft, plan.taken, &plan.takes, plan.shortfall, now).await?;
    if policy == ShortfallPolicy::Debt
        && plan.shortfall.is_positive()
        && !tx
            .points()
            .change_debt(draft.merchant_id, draft.member_id, plan.shortfall)
            .await?
    {
        return Err(Error::NotFound(crate::members::MEMBER));
    }
    Ok((entry, expired))
}
