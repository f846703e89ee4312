//! `Idempotency-Key` in the core: the record of what the first request with a key came to
//! (its result or its refusal, never an HTTP answer), written in the transaction of its
//! effect, and read back for a replay. The write skeleton that uses these is
//! [`crate::engine::Loyalty::write_once`].

use crate::kernel::{IdempotencyKey, IdempotencyRecord, IdempotencyTx, StoreError, StoredOutcome};
use crate::{Error, Result};
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde::de::DeserializeOwned;

/// An `Idempotency-Key` on a use case: the key and a digest of the request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Idempotent {
    pub key: IdempotencyKey,
    /// A digest of the request: the same key with another request is refused.
    pub fingerprint: String,
}

/// A use case's result: done now, or the result of the first request with the key, read
/// back from its record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome<T> {
    Done(T),
    Replayed(T),
}

impl<T> Outcome<T> {
    /// The result, done now or replayed.
    pub fn into_inner(self) -> T {
        match self {
            Self::Done(value) | Self::Replayed(value) => value,
        }
    }

    #[must_use]
    pub const fn is_replayed(&self) -> bool {
        matches!(self, Self::Replayed(_))
    }
}

/// The outcome of the first request with the key, when it was this request: its result
/// (`Some`), or its refusal as an error. `idempotency_key_reused` when the key came with
/// another request.
pub(crate) async fn replay<T: DeserializeOwned>(
    tx: &mut impl IdempotencyTx,
    idem: Option<&Idempotent>,
) -> Result<Option<T>> {
    let Some(idem) = idem else { return Ok(None) };
    let Some(record) = tx.idempotency().find_idempotency(&idem.key).await? else {
        return Ok(None);
    };
    if record.fingerprint != idem.fingerprint {
        return Err(Error::IdempotencyKeyReused);
    }
    match record.outcome {
        StoredOutcome::Done(json) => serde_json::from_str(&json).map(Some).map_err(|e| {
            Error::Store(StoreError::Backend(
                format!("an idempotency record does not read back: {e}").into(),
            ))
        }),
        StoredOutcome::Refused(refusal) => Err(Error::Replayed(refusal)),
        StoredOutcome::Unreadable => Err(Error::ReplayUnavailable),
    }
}

/// Records the result in the same transaction as the effect. A concurrent request that
/// committed the same key first makes this attempt run again, and it then replays.
pub(crate) async fn remember<T: Serialize>(
    tx: &mut impl IdempotencyTx,
    idem: Option<&Idempotent>,
    result: &T,
    now: DateTime<Utc>,
) -> Result<()> {
    let Some(idem) = idem else { return Ok(()) };
    let json = serde_json::to_string(result).map_err(|e| {
        Error::Store(StoreError::Backend(
            format!("a result does not serialize: {e}").into(),
        ))
    })?;
    let record = IdempotencyRecord {
        key: idem.key.clone(),
        fingerprint: idem.fingerprint.clone(),
        outcome: StoredOutcome::Done(json),
        created_at: now,
    };
    match tx.idempotency().insert_idempotency(&record).await {
        Err(StoreError::Unique(_)) => Err(Error::Store(StoreError::Contention(
            "idempotency key committed concurrently".into(),
        ))),
        other => Ok(other?),
    }
}
