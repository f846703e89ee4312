//! Use cases: each loads through a unit of work, decides with the pure rules, writes, commits
//! once, then tells the notifier. A use case that meets contention (busy, deadlock, a lot
//! changed under it) runs again from the start, a bounded number of times.

mod actions;
mod cards;
mod checkout;
mod coupon_issue;
mod coupon_jobs;
mod coupons;
mod idempotency;
mod identity;
mod members;
mod merchants;
mod notify;
mod orders;
mod points;
mod points_ops;
mod refunds;
mod settings;
mod sms_login;
mod staff;
mod stores;
mod tiers;
mod verification;
mod wallet;

pub use actions::{ActionAward, MemberAction};
pub use cards::{HeldCard, OpenCard, TopUpCard};
pub use coupon_issue::{ISSUE_BATCH, IssueCoupons, IssueReport, IssueTarget};
pub use coupons::{ClaimCoupon, HeldCoupon};
pub use idempotency::{Idempotent, Outcome};
pub use identity::{PhoneBinding, WeChatLogin};
pub use members::RegisterMember;
pub use merchants::{CreateMerchant, CreatedMerchant};
pub use notify::{DispatchReport, DispatchSettings, Gateways};
pub use orders::{CommitOrder, LineInput, OrderQuote, OrderReceipt, price_lines};
pub use points::{AdjustPoints, PointsSummary, SpendPoints};
pub use refunds::{RefundLineInput, RefundOrder, RefundReceipt, points_to_reverse};
pub use settings::{PointsLiability, Simulation, StoreSimulation};
pub use sms_login::{CODE_LIFE_MINUTES, MAX_WRONG_TRIES, wait_for_next_code};
pub use staff::{Actor, CreateStaff, UpdateStaff};
pub use stores::{CreateStore, UpdateStore};
pub use tiers::TierReview;
pub use verification::{VerifiedCoupon, VerifyCoupon};
pub use wallet::{RecordPayment, RequestWithdrawal, ReviewWithdrawal};

use crate::events::DomainEvent;
use crate::ports::{Clock, Notifier, UnitOfWork};

/// How many times a use case runs before contention is reported as `busy`.
pub const MAX_ATTEMPTS: u32 = 8;

/// The loyalty engine's application service: every use case is a method on it.
pub struct Loyalty<U, C, N> {
    uow: U,
    clock: C,
    notifier: N,
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
    async fn publish(&self, events: &[DomainEvent]) {
        for event in events {
            if let Err(error) = self.notifier.notify(event).await {
                tracing::warn!(event = event.name(), %error, "notification failed");
            }
        }
    }
}

/// The merchant, or `merchant_not_found`.
pub(crate) async fn merchant_of(
    tx: &mut dyn crate::ports::Transaction,
    id: crate::types::MerchantId,
) -> crate::Result<crate::model::Merchant> {
    tx.merchants()
        .merchant(id)
        .await?
        .ok_or(crate::Error::NotFound("merchant"))
}

/// The merchant's member, or `member_not_found`.
pub(crate) async fn member_of(
    tx: &mut dyn crate::ports::Transaction,
    merchant: crate::types::MerchantId,
    id: crate::types::MemberId,
) -> crate::Result<crate::model::Member> {
    tx.members()
        .member(merchant, id)
        .await?
        .ok_or(crate::Error::NotFound("member"))
}

/// A reference from outside (a till's or payment provider's transaction id), or
/// `validation_failed` on `field`: 1 to 64 visible ASCII characters.
pub(crate) fn check_reference(field: &'static str, value: &str) -> crate::Result<()> {
    if value.is_empty() || value.len() > 64 || !value.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(
            crate::types::InvalidValue::new(field, "1 to 64 visible ASCII characters").into(),
        );
    }
    Ok(())
}

/// Runs a use-case attempt until it succeeds, fails for good, or has met contention
/// [`MAX_ATTEMPTS`] times (then `busy`). `with_retry!(|n| …)` names the attempt number.
macro_rules! with_retry {
    (|$attempts:ident| $attempt:expr) => {{
        let mut $attempts: u32 = 1;
        loop {
            match $attempt.await {
                Err(error) if error.is_retryable() => {
                    if $attempts >= $crate::usecases::MAX_ATTEMPTS {
                        break Err(match error {
                            $crate::Error::Store(inner) => $crate::Error::Busy(inner),
                            other => other,
                        });
                    }
                    $attempts += 1;
                }
                other => break other,
            }
        }
    }};
    ($attempt:expr) => {
        with_retry!(|_attempt| $attempt)
    };
}
pub(crate) use with_retry;

#[cfg(test)]
mod card_tests;
#[cfg(test)]
mod coupon_tests;
#[cfg(test)]
mod tests;
