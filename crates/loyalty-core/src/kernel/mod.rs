//! The kernel: what every feature shares and none owns. Typed ids and value types (`Money`,
//! `Points`, `Phone`, time zones), the clock, the unit of work and its transactions, the
//! errors every use case can meet, the bounded retry, and idempotency records.
//!
//! Nothing here names a feature: features name the kernel.

mod clock;
mod drift;
mod error;
mod idempotency;
mod idempotency_port;
mod reference;
mod retry;
mod store;
mod types;

#[cfg(any(test, feature = "mocks"))]
pub use clock::MockClock;
pub use clock::{Clock, SystemClock};
pub use drift::MoneyDrift;
pub(crate) use error::refusals;
pub use error::{AsAny, DomainError, Error, ErrorKind, Result, Subject};
pub use idempotency::{Idempotent, Outcome};
pub(crate) use idempotency::{remember, replay};
#[cfg(any(test, feature = "mocks"))]
pub use idempotency_port::MockIdempotencyRepository;
pub use idempotency_port::{
    IdempotencyKey, IdempotencyRecord, IdempotencyRepository, IdempotencyTx, Refusal, StoredOutcome,
};
pub use reference::check_reference;
pub use retry::MAX_ATTEMPTS;
pub(crate) use retry::with_retry;
#[cfg(any(test, feature = "mocks"))]
pub use store::MockUnitOfWork;
pub use store::{StoreError, Transaction, TxMode, UniqueKey, UnitOfWork};
pub use types::decimal_text;
#[cfg(feature = "openapi")]
pub mod schema;
pub use types::{
    CardId, CardTemplateId, CouponId, CouponTemplateId, EntryId, InvalidValue, LotId, MemberId,
    MerchantId, MerchantTimeZone, Money, OrderId, Phone, Points, RefundId, Secret, ServiceItemId,
    StaffId, StoreId, VerificationId, WithdrawalId,
};
