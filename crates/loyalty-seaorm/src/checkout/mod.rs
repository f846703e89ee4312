//! Orders, their lines and their refunds.

pub(crate) mod entities;
mod repository;
mod rows;

use crate::errors::UniqueConstraint;

/// The unique keys of this feature's tables.
pub(crate) const UNIQUE_KEYS: &[UniqueConstraint] = &[UniqueConstraint::new(
    "orders_merchant_order_no_key",
    "orders.merchant_id, orders.order_no",
    loyalty_core::checkout::ORDER_NO_KEY,
)];
