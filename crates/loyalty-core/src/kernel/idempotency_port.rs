use crate::kernel::MerchantId;
use crate::kernel::StoreError;
use async_trait::async_trait;
use chrono::{DateTime, Utc};

/// An `Idempotency-Key` as the client sent it, scoped to the tenant and the credential.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct IdempotencyKey {
    pub merchant_id: MerchantId,
    /// Who sent it (`staff:<id>`, `member:<id>`): two credentials never share keys.
    pub scope: String,
    pub key: String,
}

/// The response the first request got, kept to be replayed as it was.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredResponse {
    pub status: u16,
    pub body: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyRecord {
    pub key: IdempotencyKey,
    /// A digest of the request (method, path, body): the same key with another request is
    /// refused.
    pub fingerprint: String,
    pub response: StoredResponse,
    pub created_at: DateTime<Utc>,
}

/// Idempotency records, written in the same transaction as the effect they stand for.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait IdempotencyRepository: Send {
    /// # Errors
    /// [`StoreError::Backend`] on failure.
    async fn find_idempotency(
        &mut self,
        key: &IdempotencyKey,
    ) -> Result<Option<IdempotencyRecord>, StoreError>;

    /// # Errors
    /// MUST return [`StoreError::Unique`]`(IdempotencyKey)` when the key is recorded already
    /// (another request with it committed first).
    async fn insert_idempotency(&mut self, record: &IdempotencyRecord) -> Result<(), StoreError>;

    /// Forgets records created before `before`; returns how many.
    ///
    /// # Errors
    /// [`StoreError::Backend`] on failure.
    async fn purge_idempotency(&mut self, before: DateTime<Utc>) -> Result<u64, StoreError>;
}
