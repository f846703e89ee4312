//! What the server does with events once their change has committed: log them, and ring the
//! dispatcher's doorbell when one may have written a message to the outbox (so a login code
//! goes out at once, not at the next tick). Delivery itself is the dispatcher's, from the
//! outbox.

use async_trait::async_trait;
use loyalty_core::events::DomainEvent;
use loyalty_core::events::{Notifier, NotifyError};
use loyalty_core::notifications::scene_of;
use std::sync::Arc;
use tokio::sync::Notify;

#[derive(Debug, Clone, Default)]
pub struct LogNotifier {
    doorbell: Arc<Notify>,
    /// Write SMS login codes to the log (phone masked): only while SMS go to the log.
    log_codes: bool,
}

impl LogNotifier {
    #[must_use]
    pub fn new(log_codes: bool) -> Self {
        Self {
            doorbell: Arc::new(Notify::new()),
            log_codes,
        }
    }

    /// Rung after a change that may have queued messages.
    #[must_use]
    pub fn doorbell(&self) -> Arc<Notify> {
        Arc::clone(&self.doorbell)
    }
}

#[async_trait]
impl Notifier for LogNotifier {
    async fn notify(&self, event: &DomainEvent) -> Result<(), NotifyError> {
        if scene_of(event).is_some() {
            self.doorbell.notify_one();
        }
        if let DomainEvent::LoginCodeRequested { phone, code, .. } = event {
            if self.log_codes {
                // SMS go to the log: the code is what a developer needs; the phone stays masked.
                tracing::info!(target: "loyalty::notify", event = event.name(), phone = %phone, %code, "SMS login code");
            } else {
                tracing::info!(target: "loyalty::notify", event = event.name(), phone = %phone, "SMS login code queued");
            }
            return Ok(());
        }
        let payload = log_payload(event)?;
        tracing::info!(target: "loyalty::notify", event = event.name(), %payload, "event");
        Ok(())
    }
}

/// What the log shows of an event: its fields, but never a coupon code (it redeems the
/// coupon).
fn log_payload(event: &DomainEvent) -> Result<serde_json::Value, NotifyError> {
    let mut payload = serde_json::to_value(event).map_err(|e| NotifyError(e.to_string()))?;
    if let Some(fields) = payload.as_object_mut() {
        fields.remove("code");
    }
    Ok(payload)
}

#[cfg(test)]
mod tests {
    use super::*;
    use loyalty_core::coupons::CouponCode;
    use loyalty_core::kernel::{CouponId, MemberId, MerchantId};

    #[test]
    fn coupon_codes_stay_out_of_the_log() {
        let code = CouponCode::generate();
        let event = DomainEvent::CouponIssued {
            merchant_id: MerchantId::new(),
            member_id: MemberId::new(),
            coupon_id: CouponId::new(),
            code: code.clone(),
            name: "满100减20".into(),
            valid_until: chrono::Utc::now(),
        };
        let logged = log_payload(&event).expect("payload").to_string();
        assert!(!logged.contains(&code.to_string()), "{logged}");
        assert!(logged.contains("满100减20"), "{logged}");
    }
}
