use crate::kernel::StoreError;
use crate::kernel::UniqueKey;
use crate::kernel::{EntryId, LotId, MemberId, MerchantId, Points};
use crate::points::{EntryKind, LedgerEntry, Lot, Source};
use crate::points::{LotTake, OpenLot};
use async_trait::async_trait;
use chrono::{DateTime, Utc};

/// A ledger entry of this kind for this source exists: it moved points already.
pub const LEDGER_SOURCE_KEY: UniqueKey = UniqueKey::new("points_ledger_source", "already_applied");

/// Points a spend took from a lot, and when that lot expires.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TakenLot {
    pub take: LotTake,
    pub expires_at: Option<DateTime<Utc>>,
}

/// A balance after a conditional change, with the ledger sequence number it took.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BalanceChange {
    pub balance_after: Points,
    pub seq: i64,
    /// The member's points debt as it is (unchanged by the balance move).
    pub debt: Points,
}

/// The outcome of a conditional withdrawal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Withdrawal {
    Done(BalanceChange),
    Insufficient { available: Points },
    MemberNotFound,
}

/// The lots of a member a use case reaches at an instant: what spending `want` points
/// needs, read in consumption order and no further.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LotsInReach {
    /// Every lot with points left that is due (past its expiry, not written off yet),
    /// soonest first.
    pub due: Vec<OpenLot>,
    /// Lots with points left that are not due, in consumption order
    /// ([`crate::points::sort_for_consumption`]): as few as cover `want`, every one when
    /// they do not.
    pub open: Vec<OpenLot>,
}

impl LotsInReach {
    /// Sorts `lots` (a member's lots with points left) into due and open at `now`, the open
    /// ones cut to the fewest that cover `want`.
    #[must_use]
    pub fn of(mut lots: Vec<OpenLot>, now: DateTime<Utc>, want: Points) -> Self {
        crate::points::sort_for_consumption(&mut lots);
        let (due, mut open): (Vec<_>, Vec<_>) = lots.into_iter().partition(|l| l.is_due(now));
        let mut covered = 0_i64;
        let needed = open
            .iter()
            .position(|lot| {
                covered = covered.saturating_add(lot.remaining.value());
                covered >= want.value()
            })
            .map_or(open.len(), |i| if want.is_positive() { i + 1 } else { 0 });
        open.truncate(needed);
        Self { due, open }
    }

    /// The points of the due lots.
    #[must_use]
    pub fn due_points(&self) -> Points {
        Points::new(self.due.iter().map(|l| l.remaining.value()).sum())
    }
}

/// The member's lots with points left that are not due at `now`, in consumption order,
/// those expiring after `after` (and those that never expire) when given, at most `limit`:
/// what [`PointsRepository::lots_page`] answers, from every open lot.
#[must_use]
pub fn lots_after(
    mut lots: Vec<OpenLot>,
    now: DateTime<Utc>,
    after: Option<DateTime<Utc>>,
    limit: u64,
) -> Vec<OpenLot> {
    crate::points::sort_for_consumption(&mut lots);
    lots.into_iter()
        .filter(|lot| lot.remaining.is_positive() && !lot.is_due(now))
        .filter(|lot| lot.expires_at.zip(after).is_none_or(|(at, from)| at > from))
        .take(usize::try_from(limit).unwrap_or(usize::MAX))
        .collect()
}

/// The points of the lots that expire after `now` and at or before `until`: what
/// [`PointsRepository::expiring_within`] answers, from every open lot.
#[must_use]
pub fn points_expiring_within(
    lots: &[OpenLot],
    now: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Points {
    Points::new(
        lots.iter()
            .filter(|lot| lot.expires_at.is_some_and(|at| at > now && at <= until))
            .map(|lot| lot.remaining.value().max(0))
            .sum(),
    )
}

/// A page of a member's ledger, newest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LedgerPage {
    pub entries: Vec<LedgerEntry>,
    /// Pass back to get the next (older) page.
    pub next_before_seq: Option<i64>,
}

/// Points that expire at one instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExpiringPoints {
    pub expires_at: DateTime<Utc>,
    pub points: Points,
}

/// What a merchant owes its members in points.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Liability {
    pub outstanding: Points,
    pub members_with_points: u64,
    pub expiring: Points,
}

/// An account whose balance, ledger sum and open lots disagree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountDrift {
    pub merchant_id: MerchantId,
    pub member_id: MemberId,
    pub balance: Points,
    pub ledger_sum: Points,
    pub lots_sum: Points,
    pub last_balance_after: Option<Points>,
}

/// The points account: balance on the member row, immutable ledger entries, lots.
///
/// Balances and lot remainders change only through the conditional methods here; there is
/// no way to write a balance that was read.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait PointsRepository: Send {
    /// Locks the member's account until the transaction ends and returns its balance;
    /// `None` when the merchant has no such member.
    ///
    /// # Errors
    /// [`StoreError::Contention`] when the lock could not be had.
    async fn lock_account(
        &mut self,
        merchant: MerchantId,
        member: MemberId,
    ) -> Result<Option<Points>, StoreError>;

    /// Adds `amount` (> 0) to the balance and takes the next ledger sequence number; `None`
    /// when the merchant has no such member.
    ///
    /// # Errors
    /// [`StoreError::Backend`] on failure (an overflow included).
    async fn deposit(
        &mut self,
        merchant: MerchantId,
        member: MemberId,
        amount: Points,
    ) -> Result<Option<BalanceChange>, StoreError>;

    /// Takes `amount` (> 0) from the balance only if the balance holds it.
    ///
    /// # Errors
    /// [`StoreError::Backend`] on failure. A short balance is [`Withdrawal::Insufficient`],
    /// not an error.
    async fn withdraw(
        &mut self,
        merchant: MerchantId,
        member: MemberId,
        amount: Points,
    ) -> Result<Withdrawal, StoreError>;

    /// Moves the member's points debt by `delta` (either sign), only if it stays at or above
    /// zero; `false` otherwise.
    ///
    /// # Errors
    /// [`StoreError::Backend`] on failure.
    async fn change_debt(
        &mut self,
        merchant: MerchantId,
        member: MemberId,
        delta: Points,
    ) -> Result<bool, StoreError>;

    /// The member's lots with points left, in no particular order.
    ///
    /// # Errors
    /// [`StoreError::Backend`] on failure.
    async fn open_lots(
        &mut self,
        merchant: MerchantId,
        member: MemberId,
    ) -> Result<Vec<OpenLot>, StoreError>;

    /// The member's lots due at `now`, and the open lots spending `want` (≥ 0) points takes
    /// first ([`LotsInReach`]): read in consumption order and no further, so the cost
    /// follows what the use case needs, not how many lots the member holds. The default
    /// reads every open lot.
    ///
    /// # Errors
    /// [`StoreError::Backend`] on failure.
    async fn lots_in_reach(
        &mut self,
        merchant: MerchantId,
        member: MemberId,
        now: DateTime<Utc>,
        want: Points,
    ) -> Result<LotsInReach, StoreError> {
        Ok(LotsInReach::of(
            self.open_lots(merchant, member).await?,
            now,
            want,
        ))
    }

    /// A page of the member's lots with points left that are not due at `now`, in
    /// consumption order ([`lots_after`]): after the lot expiring at `after` (the last of
    /// the previous page; a member holds one open lot per expiry instant and at most one
    /// that never expires), at most `limit`. Read in that order and no further; the
    /// default reads every open lot.
    ///
    /// # Errors
    /// [`StoreError::Backend`] on failure.
    async fn lots_page(
        &mut self,
        merchant: MerchantId,
        member: MemberId,
        now: DateTime<Utc>,
        after: Option<DateTime<Utc>>,
        limit: u64,
    ) -> Result<Vec<OpenLot>, StoreError> {
        Ok(lots_after(
            self.open_lots(merchant, member).await?,
            now,
            after,
            limit,
        ))
    }

    /// The points of the member's lots that expire after `now` and at or before `until`
    /// ([`points_expiring_within`]), read from those lots only; the default reads every open lot.
    ///
    /// # Errors
    /// [`StoreError::Backend`] on failure.
    async fn expiring_within(
        &mut self,
        merchant: MerchantId,
        member: MemberId,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<Points, StoreError> {
        Ok(points_expiring_within(
            &self.open_lots(merchant, member).await?,
            now,
            until,
        ))
    }

    /// Takes each amount from its lot, only where the lot still holds it.
    ///
    /// # Errors
    /// MUST return [`StoreError::Contention`] when a lot holds less than planned (it changed
    /// since it was read), so the use case runs again.
    async fn take_from_lots(
        &mut self,
        merchant: MerchantId,
        takes: &[LotTake],
    ) -> Result<(), StoreError>;

    /// Adds `lot`'s points (credited by `entry`, appended already) to the member's lot that
    /// expires at the same instant (or never, as `lot`), or opens `lot` when there is none:
    /// a member holds one lot per expiry. Notes that lot as the one holding `entry`'s points
    /// ([`Self::lot_by_entry`]) and answers its id. A lot added to is to be announced again
    /// ([`Self::mark_announced`]).
    ///
    /// # Errors
    /// [`StoreError::Backend`] on failure.
    async fn add_to_lot(&mut self, entry: &LedgerEntry, lot: &Lot) -> Result<LotId, StoreError>;

    /// A planned debit as one step: [`Self::withdraw`] of the entry's amount (`-entry.delta`,
    /// ≥ 0), then [`Self::take_from_lots`] of `takes`, then [`Self::append_entry`] of `entry`
    /// with the sequence number and balance the withdrawal gave (its own `seq` and
    /// `balance_after` are not read). Anything but [`Withdrawal::Done`] writes nothing. The
    /// default runs the three in turn; an adapter may send them in one round trip.
    ///
    /// # Errors
    /// As the three: [`StoreError::Contention`] when a lot holds less than planned,
    /// [`StoreError::Unique`]`(LEDGER_SOURCE_KEY)` when an entry of this kind for this source
    /// exists.
    async fn debit_planned(
        &mut self,
        entry: &LedgerEntry,
        takes: &[LotTake],
    ) -> Result<Withdrawal, StoreError> {
        let amount = Points::new(-entry.delta.value());
        let change = match self
            .withdraw(entry.merchant_id, entry.member_id, amount)
            .await?
        {
            Withdrawal::Done(change) => change,
            refused => return Ok(refused),
        };
        self.take_from_lots(entry.merchant_id, takes).await?;
        let entry = LedgerEntry {
            seq: change.seq,
            balance_after: change.balance_after,
            ..entry.clone()
        };
        self.append_entry(&entry).await?;
        Ok(Withdrawal::Done(change))
    }

    /// A credit as one step: [`Self::deposit`] of `entry.delta` (> 0), then
    /// [`Self::append_entry`] of `entry` with the sequence number and balance the deposit
    /// gave (its own `seq` and `balance_after` are not read), then [`Self::add_to_lot`] of
    /// `lot`. Answers the balance change and the id of the lot holding the points; `None`,
    /// with nothing written, when the merchant has no such member. The default runs the
    /// three in turn; an adapter may send them in one round trip.
    ///
    /// # Errors
    /// As the three: [`StoreError::Unique`]`(LEDGER_SOURCE_KEY)` when an entry of this kind
    /// for this source exists.
    async fn credit_with_lot(
        &mut self,
        entry: &LedgerEntry,
        lot: &Lot,
    ) -> Result<Option<(BalanceChange, LotId)>, StoreError> {
        let Some(change) = self
            .deposit(entry.merchant_id, entry.member_id, entry.delta)
            .await?
        else {
            return Ok(None);
        };
        let entry = LedgerEntry {
            seq: change.seq,
            balance_after: change.balance_after,
            ..entry.clone()
        };
        self.append_entry(&entry).await?;
        let lot = self.add_to_lot(&entry, lot).await?;
        Ok(Some((change, lot)))
    }

    /// Records which lots the spend entry `entry` took its points from.
    ///
    /// # Errors
    /// [`StoreError::Backend`] on failure.
    async fn record_takes(
        &mut self,
        merchant: MerchantId,
        entry: EntryId,
        takes: &[LotTake],
    ) -> Result<(), StoreError>;

    /// The lots the spend entry took from, in the order it took them, with their expiry.
    ///
    /// # Errors
    /// [`StoreError::Backend`] on failure.
    async fn takes_of(
        &mut self,
        merchant: MerchantId,
        entry: EntryId,
    ) -> Result<Vec<TakenLot>, StoreError>;

    /// The lot holding the points a credit entry (earn, adjust, return) added.
    ///
    /// # Errors
    /// [`StoreError::Backend`] on failure.
    async fn lot_by_entry(
        &mut self,
        merchant: MerchantId,
        entry: EntryId,
    ) -> Result<Option<Lot>, StoreError>;

    /// # Errors
    /// MUST return [`StoreError::Unique`]`(LedgerSource)` when an entry of this kind for this
    /// source exists.
    async fn append_entry(&mut self, entry: &LedgerEntry) -> Result<(), StoreError>;

    /// # Errors
    /// [`StoreError::Backend`] on failure.
    async fn entry_by_source(
        &mut self,
        merchant: MerchantId,
        kind: EntryKind,
        source: &Source,
    ) -> Result<Option<LedgerEntry>, StoreError>;

    /// Entries with a sequence number below `before_seq` (all when `None`), newest first.
    ///
    /// # Errors
    /// [`StoreError::Backend`] on failure.
    async fn ledger_page(
        &mut self,
        merchant: MerchantId,
        member: MemberId,
        before_seq: Option<i64>,
        limit: u64,
    ) -> Result<LedgerPage, StoreError>;

    /// Members with lots due to expire at `now`, at most `limit` of them.
    ///
    /// # Errors
    /// [`StoreError::Backend`] on failure.
    async fn members_with_due_lots(
        &mut self,
        now: DateTime<Utc>,
        limit: u64,
    ) -> Result<Vec<(MerchantId, MemberId)>, StoreError>;

    /// The points the member earned with `reason_code` since `since`.
    ///
    /// # Errors
    /// [`StoreError::Backend`] on failure.
    async fn earned_since(
        &mut self,
        merchant: MerchantId,
        member: MemberId,
        reason_code: &str,
        since: DateTime<Utc>,
    ) -> Result<Points, StoreError>;

    /// Members of the merchant with points left in lots that expire before `horizon` and
    /// were not announced yet, at most `limit`.
    ///
    /// # Errors
    /// [`StoreError::Backend`] on failure.
    async fn members_to_notify(
        &mut self,
        merchant: MerchantId,
        now: DateTime<Utc>,
        horizon: DateTime<Utc>,
        limit: u64,
    ) -> Result<Vec<MemberId>, StoreError>;

    /// Marks the member's not yet announced lots expiring before `horizon` as announced,
    /// each only once whoever runs it, and returns what they hold, soonest first.
    ///
    /// # Errors
    /// [`StoreError::Backend`] on failure.
    async fn mark_announced(
        &mut self,
        merchant: MerchantId,
        member: MemberId,
        now: DateTime<Utc>,
        horizon: DateTime<Utc>,
    ) -> Result<Vec<ExpiringPoints>, StoreError>;

    /// Outstanding points of the merchant, and how many of them expire before `until`.
    ///
    /// # Errors
    /// [`StoreError::Backend`] on failure.
    async fn liability(
        &mut self,
        merchant: MerchantId,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<Liability, StoreError>;

    /// Every account whose balance differs from its ledger sum or its open lots, or whose
    /// newest entry's balance does not match the balance.
    ///
    /// # Errors
    /// [`StoreError::Backend`] on failure.
    async fn drifts(&mut self) -> Result<Vec<AccountDrift>, StoreError>;
}

/// A transaction that reaches points accounts, lots and the ledger.
pub trait PointsTx: crate::kernel::Transaction {
    fn points(&mut self) -> &mut dyn PointsRepository;
}

/// What earning reaches: the points account, growth and its upgrades, the coupons a bonus
/// gives, and telling the member.
pub trait EarnTx: PointsTx + crate::tiers::GrowTx + crate::coupons::CouponsTx {}

impl<T: PointsTx + crate::tiers::GrowTx + crate::coupons::CouponsTx> EarnTx for T {}
