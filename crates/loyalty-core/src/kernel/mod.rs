mod clock;
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
pub use error::{Error, ErrorKind, Result};
pub use idempotency::{Idempotent, Outcome};
pub(crate) use idempotency::{remember, replay, replay_in_write};
#[cfg(any(test, feature = "mocks"))]
pub use idempotency_port::MockIdempotencyRepository;
pub use idempotency_port::{
    IdempotencyKey, IdempotencyRecord, IdempotencyRepository, StoredResponse,
};
pub use reference::check_reference;
pub use retry::MAX_ATTEMPTS;
pub(crate) use retry::with_retry;
#[cfg(any(test, feature = "mocks"))]
pub use store::MockUnitOfWork;
pub use store::{StoreError, Transaction, TxMode, UniqueKey, UnitOfWork};
pub use types::{
    CardId, CardTemplateId, CouponId, CouponTemplateId, EntryId, InvalidValue, LotId, MemberId,
    MerchantId, MerchantTimeZone, Money, OrderId, Phone, Points, RefundId, Secret, StaffId,
    StoreId, VerificationId, WithdrawalId,
};
