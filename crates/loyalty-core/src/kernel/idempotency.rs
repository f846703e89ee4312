use crate::kernel::{IdempotencyKey, IdempotencyRecord, StoredResponse, Transaction};
use crate::{Error, Result};
use chrono::{DateTime, Utc};

/// An `Idempotency-Key` on a use case: the key, a digest of the request, and how to render
/// the result as the response that a replay must return.
pub struct Idempotent<'a, T> {
    pub key: IdempotencyKey,
    pub fingerprint: String,
    pub render: &'a (dyn Fn(&T) -> StoredResponse + Send + Sync),
}

/// A use case's result: done now, or the stored response of the first request with the key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome<T> {
    Done(T),
    Replayed(StoredResponse),
}

/// Answers from the record when the key was used before: the stored response for the same
/// request, `idempotency_key_reused` for another one.
pub(crate) async fn replay<T>(
    tx: &mut dyn Transaction,
    idem: Option<&Idempotent<'_, T>>,
) -> Result<Option<StoredResponse>> {
    let Some(idem) = idem else { return Ok(None) };
    match tx.idempotency().find_idempotency(&idem.key).await? {
        Some(record) if record.fingerprint == idem.fingerprint => Ok(Some(record.response)),
        Some(_) => Err(Error::IdempotencyKeyReused),
        None => Ok(None),
    }
}

/// On a retry, checks again inside the write transaction, where a request with the same key
/// that is not yet durable shows (SQLite group commits share one transaction). A first
/// attempt needs no second look: a request with the same key that commits meanwhile makes
/// `remember` fail, and the retry looks here. A record found is answered only once this
/// (empty) transaction has committed, so nothing is replayed before it is durable.
pub(crate) async fn replay_in_write<T>(
    tx: Box<dyn Transaction>,
    idem: Option<&Idempotent<'_, T>>,
    attempt: u32,
) -> Result<std::result::Result<Box<dyn Transaction>, StoredResponse>> {
    let mut tx = tx;
    if attempt == 1 {
        return Ok(Ok(tx));
    }
    match replay(&mut *tx, idem).await? {
        Some(stored) => {
            tx.commit().await?;
            Ok(Err(stored))
        }
        None => Ok(Ok(tx)),
    }
}

/// Records the response in the same transaction as the effect. A concurrent request that
/// committed the same key first makes this attempt run again, and it then replays.
pub(crate) async fn remember<T>(
    tx: &mut dyn Transaction,
    idem: Option<&Idempotent<'_, T>>,
    result: &T,
    now: DateTime<Utc>,
) -> Result<()> {
    let Some(idem) = idem else { return Ok(()) };
    let record = IdempotencyRecord {
        key: idem.key.clone(),
        fingerprint: idem.fingerprint.clone(),
        response: (idem.render)(result),
        created_at: now,
    };
    match tx.idempotency().insert_idempotency(&record).await {
        Err(crate::kernel::StoreError::Unique(_)) => Err(Error::Store(
            crate::kernel::StoreError::Contention("idempotency key committed concurrently".into()),
        )),
        other => Ok(other?),
    }
}

impl<U: crate::kernel::UnitOfWork, C: crate::kernel::Clock, N: crate::events::Notifier>
    crate::engine::Loyalty<U, C, N>
{
    /// Keeps a refusal (a 4xx answer) for `key`, so a replay answers the same even if the
    /// state has changed since. A record that exists already wins.
    ///
    /// # Errors
    /// Storage failures.
    pub async fn remember_refusal(
        &self,
        key: IdempotencyKey,
        fingerprint: String,
        response: StoredResponse,
    ) -> Result<()> {
        let mut tx = self.uow.begin(crate::kernel::TxMode::Write).await?;
        let record = IdempotencyRecord {
            key,
            fingerprint,
            response,
            created_at: self.clock.now(),
        };
        match tx.idempotency().insert_idempotency(&record).await {
            Ok(()) => Ok(tx.commit().await?),
            Err(crate::kernel::StoreError::Unique(_)) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    /// Forgets idempotency records older than `max_age` (keys are kept at least 24 hours).
    ///
    /// # Errors
    /// Storage failures.
    pub async fn purge_idempotency(&self, max_age: chrono::Duration) -> Result<u64> {
        let mut tx = self.uow.begin(crate::kernel::TxMode::Write).await?;
        let purged = tx
            .idempotency()
            .purge_idempotency(self.clock.now() - max_age)
            .await?;
        tx.commit().await?;
        Ok(purged)
    }
}
