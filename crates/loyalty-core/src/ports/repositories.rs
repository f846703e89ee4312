use super::StoreError;
use crate::account::{LotTake, OpenLot};
use crate::model::{
    EntryKind, LedgerEntry, Lot, Member, Merchant, Order, OrderLine, ProfileChange, Refund, Source,
    Staff, Store,
};
use crate::types::{
    EntryId, MemberId, MerchantId, Money, OrderId, Phone, Points, StaffId, StoreId,
};
use async_trait::async_trait;
use chrono::{DateTime, Utc};

#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait MerchantRepository: Send {
    /// # Errors
    /// MUST return [`StoreError::Unique`]`(MerchantCode)` when the code is taken.
    async fn insert_merchant(&mut self, merchant: &Merchant) -> Result<(), StoreError>;
    /// # Errors
    /// [`StoreError::Backend`] on failure.
    async fn merchant(&mut self, id: MerchantId) -> Result<Option<Merchant>, StoreError>;
    /// # Errors
    /// [`StoreError::Backend`] on failure.
    async fn merchant_by_code(&mut self, code: &str) -> Result<Option<Merchant>, StoreError>;
    /// # Errors
    /// [`StoreError::Backend`] on failure.
    async fn count_merchants(&mut self) -> Result<u64, StoreError>;
}

#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait StoreRepository: Send {
    /// # Errors
    /// MUST return [`StoreError::Unique`]`(StoreName)` when the merchant has a store of that
    /// name.
    async fn insert_store(&mut self, store: &Store) -> Result<(), StoreError>;
    /// # Errors
    /// [`StoreError::Unique`]`(StoreName)` as for insert.
    async fn update_store(&mut self, store: &Store) -> Result<(), StoreError>;
    /// # Errors
    /// [`StoreError::Backend`] on failure.
    async fn store(
        &mut self,
        merchant: MerchantId,
        id: StoreId,
    ) -> Result<Option<Store>, StoreError>;
    /// The merchant's default store.
    ///
    /// # Errors
    /// [`StoreError::Backend`] on failure.
    async fn default_store(&mut self, merchant: MerchantId) -> Result<Option<Store>, StoreError>;
    /// The merchant's stores, default first, then by creation.
    ///
    /// # Errors
    /// [`StoreError::Backend`] on failure.
    async fn stores(&mut self, merchant: MerchantId) -> Result<Vec<Store>, StoreError>;
}

#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait StaffRepository: Send {
    /// # Errors
    /// MUST return [`StoreError::Unique`]`(StaffUsername)` when the merchant has that
    /// username.
    async fn insert_staff(&mut self, staff: &Staff) -> Result<(), StoreError>;
    /// # Errors
    /// [`StoreError::Backend`] on failure.
    async fn staff_by_username(
        &mut self,
        merchant: MerchantId,
        username: &str,
    ) -> Result<Option<Staff>, StoreError>;
    /// # Errors
    /// [`StoreError::Backend`] on failure.
    async fn staff_member(
        &mut self,
        merchant: MerchantId,
        id: StaffId,
    ) -> Result<Option<Staff>, StoreError>;
    /// The token version and whether the account is disabled: what checking a token needs.
    ///
    /// # Errors
    /// [`StoreError::Backend`] on failure.
    async fn staff_status(
        &mut self,
        merchant: MerchantId,
        id: StaffId,
    ) -> Result<Option<(i64, bool)>, StoreError>;
    /// The merchant's staff, by username.
    ///
    /// # Errors
    /// [`StoreError::Backend`] on failure.
    async fn list_staff(&mut self, merchant: MerchantId) -> Result<Vec<Staff>, StoreError>;
    /// Writes role, name, status and stores, and raises the token version by one, only if
    /// it is still `staff.token_version` (so two changes cannot overwrite each other).
    ///
    /// # Errors
    /// MUST return [`StoreError::Contention`] when the version moved meanwhile.
    async fn update_staff(&mut self, staff: &Staff) -> Result<(), StoreError>;
}

#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait MemberRepository: Send {
    /// # Errors
    /// MUST return [`StoreError::Unique`]`(MemberPhone)` when the merchant has a member
    /// with that phone, `(MemberInviteCode)` when the invite code is taken.
    async fn insert_member(&mut self, member: &Member) -> Result<(), StoreError>;
    /// # Errors
    /// [`StoreError::Backend`] on failure.
    async fn member(
        &mut self,
        merchant: MerchantId,
        id: MemberId,
    ) -> Result<Option<Member>, StoreError>;
    /// The member, locked until the transaction ends (the account's lock: see
    /// [`super::Transaction`]).
    ///
    /// # Errors
    /// [`StoreError::Contention`] when the lock could not be had.
    async fn lock_member(
        &mut self,
        merchant: MerchantId,
        id: MemberId,
    ) -> Result<Option<Member>, StoreError>;
    /// Locks these members until the transaction ends (in id order, so two such locks never
    /// deadlock) and answers those that exist.
    ///
    /// # Errors
    /// [`StoreError::Contention`] when the locks could not be had.
    async fn lock_members(
        &mut self,
        merchant: MerchantId,
        ids: &[MemberId],
    ) -> Result<Vec<MemberId>, StoreError>;
    /// The members with these ids (unknown ids are left out).
    ///
    /// # Errors
    /// [`StoreError::Backend`] on failure.
    async fn members_by_ids(
        &mut self,
        merchant: MerchantId,
        ids: &[MemberId],
    ) -> Result<Vec<Member>, StoreError>;
    /// Moves the member to tier `to` only if its tier is still `from`; `false` otherwise.
    ///
    /// # Errors
    /// [`StoreError::Backend`] on failure.
    async fn set_tier(
        &mut self,
        merchant: MerchantId,
        member: MemberId,
        from: Option<String>,
        to: String,
        protected_until: Option<DateTime<Utc>>,
    ) -> Result<bool, StoreError>;
    /// # Errors
    /// [`StoreError::Backend`] on failure.
    async fn member_by_phone(
        &mut self,
        merchant: MerchantId,
        phone: &Phone,
    ) -> Result<Option<Member>, StoreError>;
    /// # Errors
    /// [`StoreError::Backend`] on failure.
    async fn member_by_openid(
        &mut self,
        merchant: MerchantId,
        openid: &str,
    ) -> Result<Option<Member>, StoreError>;
    /// # Errors
    /// [`StoreError::Backend`] on failure.
    async fn member_by_invite_code(
        &mut self,
        merchant: MerchantId,
        code: &str,
    ) -> Result<Option<Member>, StoreError>;

    /// Members in registration order (ids are time-ordered), after `after`, at most `limit`.
    ///
    /// # Errors
    /// [`StoreError::Backend`] on failure.
    async fn list_members(
        &mut self,
        merchant: MerchantId,
        after: Option<MemberId>,
        limit: u64,
    ) -> Result<Vec<Member>, StoreError>;

    /// Applies `change` (the birthday only where the member has none) and answers the member
    /// as it is after; `None` for no such member.
    ///
    /// # Errors
    /// [`StoreError::Backend`] on failure.
    async fn update_profile(
        &mut self,
        merchant: MerchantId,
        member: MemberId,
        change: &ProfileChange,
    ) -> Result<Option<Member>, StoreError>;

    /// Sets the phone of a member who has none; `false` when the member has one already.
    ///
    /// # Errors
    /// MUST return [`StoreError::Unique`]`(MemberPhone)` when another member has it.
    async fn set_phone(
        &mut self,
        merchant: MerchantId,
        member: MemberId,
        phone: &Phone,
    ) -> Result<bool, StoreError>;

    /// Sets the WeChat identity of a member who has none; `false` when the member has one.
    ///
    /// # Errors
    /// MUST return [`StoreError::Unique`]`(MemberOpenid)` when another member has it.
    async fn set_openid(
        &mut self,
        merchant: MerchantId,
        member: MemberId,
        openid: &str,
        unionid: Option<String>,
    ) -> Result<bool, StoreError>;

    /// Records that the member code of time step `step` was used, only if no code of this or
    /// a later step was; `false` for a replay.
    ///
    /// # Errors
    /// [`StoreError::Backend`] on failure.
    async fn claim_code_step(
        &mut self,
        merchant: MerchantId,
        member: MemberId,
        step: i64,
    ) -> Result<bool, StoreError>;

    /// Deletes a member that never had a ledger entry or an order; `false` otherwise.
    ///
    /// # Errors
    /// [`StoreError::Backend`] on failure.
    async fn delete_unused_member(
        &mut self,
        merchant: MerchantId,
        member: MemberId,
    ) -> Result<bool, StoreError>;
}

/// What one refund adds to its order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RefundTotals {
    pub amount: Money,
    pub points_reversed: Points,
    pub points_returned: Points,
    /// This refund gives back all that was left: the order is wholly refunded after it.
    pub whole: bool,
}

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

    /// # Errors
    /// [`StoreError::Backend`] on failure.
    async fn insert_lot(&mut self, lot: &Lot) -> Result<(), StoreError>;

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

    /// The lot an earn or adjust entry created.
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

#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait OrderRepository: Send {
    /// # Errors
    /// MUST return [`StoreError::Unique`]`(OrderNo)` when the merchant has an order with
    /// that number.
    async fn insert_order(&mut self, order: &Order) -> Result<(), StoreError>;
    /// # Errors
    /// [`StoreError::Backend`] on failure.
    async fn order(
        &mut self,
        merchant: MerchantId,
        id: OrderId,
    ) -> Result<Option<Order>, StoreError>;

    /// Adds a refund to the order's totals only if the order is not wholly refunded yet, the
    /// refunded amount stays within what was paid and the returned points within those
    /// used; the status becomes `refunded` when `totals.whole`, `partially_refunded`
    /// otherwise. Returns the order as it is after, or `None` when it would exceed.
    ///
    /// # Errors
    /// [`StoreError::Backend`] on failure.
    async fn add_refund_totals(
        &mut self,
        merchant: MerchantId,
        order: OrderId,
        totals: RefundTotals,
    ) -> Result<Option<Order>, StoreError>;

    /// Adds `units` to a line's refunded quantity, only if it stays within the line's
    /// quantity; `false` otherwise.
    ///
    /// # Errors
    /// [`StoreError::Backend`] on failure.
    async fn refund_units(
        &mut self,
        merchant: MerchantId,
        order: OrderId,
        line_no: i32,
        units: i64,
    ) -> Result<bool, StoreError>;

    /// # Errors
    /// [`StoreError::Backend`] on failure.
    async fn insert_refund(&mut self, refund: &Refund) -> Result<(), StoreError>;

    /// # Errors
    /// [`StoreError::Backend`] on failure.
    async fn insert_lines(&mut self, lines: &[OrderLine]) -> Result<(), StoreError>;

    /// The lines of these orders, by order and line number.
    ///
    /// # Errors
    /// [`StoreError::Backend`] on failure.
    async fn lines_of(
        &mut self,
        merchant: MerchantId,
        orders: &[OrderId],
    ) -> Result<Vec<OrderLine>, StoreError>;

    /// Orders created at or after `since`, oldest first, after `after`, at most `limit`.
    ///
    /// # Errors
    /// [`StoreError::Backend`] on failure.
    async fn orders_since(
        &mut self,
        merchant: MerchantId,
        since: DateTime<Utc>,
        after: Option<OrderId>,
        limit: u64,
    ) -> Result<Vec<Order>, StoreError>;
}
