//! The core's repositories, implemented on [`crate::uow::SeaTransaction`].

mod cards;
mod coupons;
mod idempotency;
mod login_codes;
mod members;
mod merchants;
mod orders;
mod outbox;
mod points;
mod settings;
mod staff;
mod wallet;

use crate::errors::corrupt;
use loyalty_core::ports::StoreError;
use loyalty_core::types::{Money, Points};

pub(crate) fn money(fen: i64, what: &str) -> Result<Money, StoreError> {
    Money::from_fen(fen).map_err(|e| corrupt(what, e))
}

pub(crate) fn points(value: i64) -> Points {
    Points::new(value)
}
