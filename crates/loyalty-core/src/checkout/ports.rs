use crate::checkout::{Order, OrderLine, OrderStatus, Refund};
use crate::kernel::StoreError;
use crate::kernel::UniqueKey;
use crate::kernel::{MemberId, MerchantId, Money, OrderId, Points, StoreId};
use async_trait::async_trait;
use chrono::{DateTime, Utc};

/// An order number is taken within its merchant.
pub const ORDER_NO_KEY: UniqueKey = UniqueKey::new("order_no", "order_no_taken");

/// What one refund adds to its order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RefundTotals {
    pub amount: Money,
    pub points_reversed: Points,
    pub points_returned: Points,
    /// Principal and bonus given back to the card the order was paid from.
    pub card_principal: Money,
    pub card_bonus: Money,
    /// This refund gives back all that was left: the order is wholly refunded after it.
    pub whole: bool,
}

/// Which orders a list shows; every condition given must hold.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OrderFilter {
    /// Only orders of these stores; empty: every store.
    pub stores: Vec<StoreId>,
    pub member: Option<MemberId>,
    /// Created at or after.
    pub from: Option<DateTime<Utc>>,
    /// Created before.
    pub until: Option<DateTime<Utc>>,
    pub status: Option<OrderStatus>,
}

/// Where a page of orders, newest first, goes on from: the last order of the page before.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OrderPosition {
    pub created_at: DateTime<Utc>,
    pub id: OrderId,
}

#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait OrderRepository: Send {
    /// The merchant's orders that `filter` lets through, newest first (by creation time,
    /// then id), after `after`, at most `limit`.
    ///
    /// # Errors
    /// [`StoreError::Backend`] on failure.
    async fn orders_page(
        &mut self,
        merchant: MerchantId,
        filter: &OrderFilter,
        after: Option<OrderPosition>,
        limit: u64,
    ) -> Result<Vec<Order>, StoreError>;

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
    /// refunded amount stays within what was paid, the returned points within those
    /// used and what goes back to a card within what it paid of principal and of bonus; the status becomes `refunded` when `totals.whole`, `partially_refunded`
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

/// A transaction that reaches orders and refunds.
pub trait OrdersTx: crate::kernel::Transaction {
    fn orders(&mut self) -> &mut dyn OrderRepository;
}
