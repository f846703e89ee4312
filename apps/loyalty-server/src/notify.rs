//! The log notifier: until SMS and WeChat adapters exist, events are written to the log.

use async_trait::async_trait;
use loyalty_core::events::DomainEvent;
use loyalty_core::ports::{Notifier, NotifyError};

#[derive(Debug, Clone, Copy, Default)]
pub struct LogNotifier;

#[async_trait]
impl Notifier for LogNotifier {
    async fn notify(&self, event: &DomainEvent) -> Result<(), NotifyError> {
        if let DomainEvent::LoginCodeRequested { phone, code, .. } = event {
            // The stand-in for an SMS: the code is what a developer needs; the phone stays masked.
            tracing::info!(target: "loyalty::notify", event = event.name(), phone = %phone, %code, "SMS login code");
            return Ok(());
        }
        let payload = serde_json::to_string(event).map_err(|e| NotifyError(e.to_string()))?;
        tracing::info!(target: "loyalty::notify", event = event.name(), %payload, "notification");
        Ok(())
    }
}
