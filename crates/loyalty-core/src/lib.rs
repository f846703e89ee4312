//! The loyalty engine's pure core, a folder per feature: each owns its rules (pure functions
//! over values), model, ports (the traits adapters implement), use cases and events.
//!
//! Nothing here does I/O. Time comes in as an argument (through the [`kernel::Clock`] port in
//! use cases), persistence through [`kernel::UnitOfWork`].

pub mod kernel;

pub mod cards;
pub mod checkout;
pub mod coupons;
pub mod members;
pub mod merchants;
pub mod notifications;
pub mod points;
pub mod privacy;
pub mod tiers;
pub mod wallet;

pub mod engine;
pub mod events;
pub mod settings;

#[cfg(any(test, feature = "mocks"))]
pub mod testing;

pub use kernel::{Error, ErrorKind, Result};
