//! The time source of the token cache, injectable so tests can move time without sleeping.

use std::time::Instant;

/// A monotonic time source.
///
/// Implementations must never go backwards. [`SystemClock`] is the one to use outside tests.
pub trait Clock: Send + Sync + 'static {
    /// The current instant.
    fn now(&self) -> Instant;
}

/// [`Instant::now`].
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Instant {
        Instant::now()
    }
}
