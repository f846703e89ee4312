//! The loyalty engine's pure core: value types, the points ledger and its lots, the earning
//! rule, the ports the adapters implement, and the use cases that orchestrate them.
//!
//! Nothing here does I/O. Time comes in as an argument (through the [`ports::Clock`] port in
//! use cases), persistence through [`ports::UnitOfWork`].

pub mod account;
pub mod cards;
pub mod checkout;
pub mod coupons;
pub mod earning;
pub mod error;
pub mod events;
pub mod expiry;
pub mod model;
pub mod notifications;
pub mod ports;
pub mod pricing;
pub mod settings;
pub mod tiers;
pub mod types;
pub mod usecases;

#[cfg(any(test, feature = "mocks"))]
pub mod testing;

pub use error::{Error, ErrorKind, Result};
