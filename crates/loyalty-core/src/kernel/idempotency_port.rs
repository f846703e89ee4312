use crate::kernel::ErrorKind;
use crate::kernel::MerchantId;
use crate::kernel::StoreError;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// An `Idempotency-Key` as the client sent it, scoped to the tenant and the credential.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct IdempotencyKey {
    pub merchant_id: MerchantId,
    /// Who sent it (`staff:<id>`, `member:<id>`): two credentials never share keys.
    pub scope: String,
    pub key: String,
}

/// What the first request with a key came to, kept to be answered again as it was.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoredOutcome {
    /// The use case's result, as JSON.
    Done(String),
    /// Its refusal.
    Refused(Refusal),
    /// Kept by an earlier version of the engine in a form this one does not read: the key
    /// was used, but its answer cannot be given again.
    Unreadable,
}

/// A refusal as kept for a replay: everything the edge shows of an error.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Refusal {
    pub code: String,
    pub kind: ErrorKind,
    pub message: String,
    /// The field a validation failure is about, and what is wrong with it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<(String, String)>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyRecord {
    pub key: IdempotencyKey,
    /// A digest of the request (method, path, body): the same key with another request is
    /// refused.
    pub fingerprint: String,
    pub outcome: StoredOutcome,
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

/// A transaction that reaches idempotency records.
pub trait IdempotencyTx: crate::kernel::Transaction {
    fn idempotency(&mut self) -> &mut dyn IdempotencyRepository;
}
