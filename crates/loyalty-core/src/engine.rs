//! The engine every use case runs on: a unit of work, a clock and a notifier.

use crate::events::DomainEvent;
use crate::events::Notifier;
use crate::kernel::{Clock, UnitOfWork};

/// The loyalty engine's application service: every use case is a method on it.
pub struct Loyalty<U, C, N> {
    pub(crate) uow: U,
    pub(crate) clock: C,
    pub(crate) notifier: N,
}

impl<U: UnitOfWork, C: Clock, N: Notifier> Loyalty<U, C, N> {
    pub fn new(uow: U, clock: C, notifier: N) -> Self {
        Self {
            uow,
            clock,
            notifier,
        }
    }

    /// Delivers events of a committed change. A failed delivery is logged: the change stands.
    pub(crate) async fn publish(&self, events: &[DomainEvent]) {
        for event in events {
            if let Err(error) = self.notifier.notify(event).await {
                tracing::warn!(event = event.name(), %error, "notification failed");
            }
        }
    }
}
