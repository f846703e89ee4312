//! The engine every use case runs on: a unit of work, a clock and a notifier.

use crate::events::{DomainEvent, Notifier};
use crate::kernel::{
    Clock, IdempotencyRecord, IdempotencyTx, Idempotent, Outcome, Refusal, StoreError,
    StoredOutcome, Transaction, TxMode, UnitOfWork,
};
use crate::{Error, Result};

/// The loyalty engine: what every use case runs on. Each feature reaches its use cases through
/// an accessor of its own (`loyalty.points()`, `loyalty.cards()`, …), declared in its folder
/// with [`service!`].
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

impl<U, C, N> Loyalty<U, C, N>
where
    U: UnitOfWork<Tx: IdempotencyTx>,
    C: Clock,
    N: Notifier,
{
    /// The end of [`write_once!`]: publishes the events of a write that was done now, and
    /// keeps a refusal under its key, so a replay answers the same even if the state has
    /// changed since.
    ///
    /// # Errors
    /// `done`'s error.
    pub(crate) async fn finish_write<T>(
        &self,
        idem: Option<&Idempotent>,
        done: Result<Outcome<(T, Vec<DomainEvent>)>>,
    ) -> Result<Outcome<T>> {
        match done {
            Ok(Outcome::Done((value, events))) => {
                self.publish(&events).await;
                Ok(Outcome::Done(value))
            }
            Ok(Outcome::Replayed((value, _))) => Ok(Outcome::Replayed(value)),
            Err(error) => {
                if let (Some(idem), Some(refusal)) = (idem, error.to_refusal()) {
                    self.keep_refusal(idem, refusal).await;
                }
                Err(error)
            }
        }
    }

    /// Keeps a refusal under its key; a record that exists already wins. A failure is logged:
    /// the refusal stands either way.
    async fn keep_refusal(&self, idem: &Idempotent, refusal: Refusal) {
        let record = IdempotencyRecord {
            key: idem.key.clone(),
            fingerprint: idem.fingerprint.clone(),
            outcome: StoredOutcome::Refused(refusal),
            created_at: self.clock.now(),
        };
        let kept: Result<()> = async {
            let mut tx = self.uow.begin(TxMode::Write).await?;
            match tx.idempotency().insert_idempotency(&record).await {
                Ok(()) => Ok(tx.commit().await?),
                Err(StoreError::Unique(_)) => Ok(()),
                Err(e) => Err(Error::from(e)),
            }
        }
        .await;
        if let Err(error) = kept {
            tracing::warn!(%error, "could not keep a refusal for its idempotency key");
        }
    }

    /// Forgets idempotency records older than `max_age` (keys are kept at least 24 hours).
    ///
    /// # Errors
    /// Storage failures.
    pub async fn purge_idempotency(&self, max_age: chrono::Duration) -> Result<u64> {
        let mut tx = self.uow.begin(TxMode::Write).await?;
        let purged = tx
            .idempotency()
            .purge_idempotency(self.clock.now() - max_age)
            .await?;
        tx.commit().await?;
        Ok(purged)
    }
}

/// One attempt of [`write_once!`], typed: its result, done or replayed, with the events of a
/// result done now.
pub(crate) fn attempt<T, F>(attempt: F) -> F
where
    F: Future<Output = Result<Outcome<(T, Vec<DomainEvent>)>>>,
{
    attempt
}

/// The skeleton of every write that honours an `Idempotency-Key`, under the bounded retry:
/// `check` the request (an expression giving `Result<()>`); then, in a lookup, run `prepare`
/// (reads that need no lock; a block giving
/// `Result<P>`, with the lookup and the attempt's time bound to the names given); then, in one
/// write transaction, run `effect` (a block giving `Result<(T, Vec<DomainEvent>)>`, with the
/// transaction, what `prepare` gave and the time bound to the names given) and record `T`
/// beside it; commit; then publish the events. A refusal is recorded under the key too.
/// `prepare` and `effect` run again from the start on contention. The key's record (the
/// first request's result or refusal) is looked up only where a replay shows: on a retry
/// (`remember` found the key taken) and after a refusal of the first attempt (the first
/// request changed the state), so a request that is not a replay pays no read for it.
///
/// Evaluates to `Result<Outcome<T>>`.
macro_rules! write_once {
    (
        $engine:expr, $idem:expr,
        check: $check:expr,
        prepare |$lookup:ident, $prepare_now:pat_param| $prepare:block,
        effect |$tx:ident, $prepared:pat, $now:pat_param| $effect:block $(,)?
    ) => {{
        let engine: &$crate::engine::Loyalty<_, _, _> = &$engine;
        let idem: Option<&$crate::kernel::Idempotent> = $idem;
        let done = match $check {
            Ok(()) => $crate::kernel::with_retry!(|attempt| $crate::engine::attempt(async {
                let now = engine.clock.now();
                let tried: $crate::Result<$crate::kernel::Outcome<_>> = async {
                    let prepared = {
                        let mut lookup = engine.uow.begin($crate::kernel::TxMode::Lookup).await?;
                        // A first attempt does not look for the key's record: a replay is
                        // rare, and it shows anyway, when `remember` finds the key taken
                        // (the retry looks here) or when the state refuses what the first
                        // request did (looked up below).
                        if attempt > 1
                            && let Some(value) = $crate::kernel::replay(&mut lookup, idem).await?
                        {
                            return Ok($crate::kernel::Outcome::Replayed((value, Vec::new())));
                        }
                        let $lookup = &mut lookup;
                        let $prepare_now = now;
                        let prepared: $crate::Result<_> = async { $prepare }.await;
                        prepared?
                    };
                    let mut tx = engine.uow.begin($crate::kernel::TxMode::Write).await?;
                    // On a retry, look again inside the write transaction, where a request
                    // with the same key that is not yet durable shows (SQLite group commits
                    // share one transaction). A record found is answered only once this
                    // (empty) transaction has committed, so nothing is replayed before it is
                    // durable.
                    if attempt > 1
                        && let Some(value) = $crate::kernel::replay(&mut tx, idem).await?
                    {
                        $crate::kernel::Transaction::commit(tx).await?;
                        return Ok($crate::kernel::Outcome::Replayed((value, Vec::new())));
                    }
                    let (value, events) = {
                        let $tx = &mut tx;
                        let $prepared = prepared;
                        let $now = now;
                        let done: $crate::Result<(_, Vec<$crate::events::DomainEvent>)> =
                            async { $effect }.await;
                        done?
                    };
                    $crate::kernel::remember(&mut tx, idem, &value, now).await?;
                    $crate::kernel::Transaction::commit(tx).await?;
                    Ok($crate::kernel::Outcome::Done((value, events)))
                }
                .await;
                match tried {
                    // Refused on a first attempt: the request may be a replay whose first
                    // run changed the state (the order is there, the points are spent).
                    // The key's record, when there is one, is the answer.
                    Err(error)
                        if attempt == 1 && idem.is_some() && error.to_refusal().is_some() =>
                    {
                        let mut lookup = engine.uow.begin($crate::kernel::TxMode::Lookup).await?;
                        match $crate::kernel::replay(&mut lookup, idem).await? {
                            Some(value) => {
                                Ok($crate::kernel::Outcome::Replayed((value, Vec::new())))
                            }
                            None => Err(error),
                        }
                    }
                    other => other,
                }
            })),
            Err(refused) => Err(refused),
        };
        engine.finish_write(idem, done).await
    }};
}
pub(crate) use write_once;

/// Declares a feature's service: a view of the engine whose methods are the feature's use
/// cases, and the engine's accessor for it. `service!(PointsService, points, "…")`.
macro_rules! service {
    ($service:ident, $accessor:ident, $doc:literal) => {
        #[doc = $doc]
        pub struct $service<'a, U, C, N>(&'a $crate::engine::Loyalty<U, C, N>);

        impl<U, C, N> $crate::engine::Loyalty<U, C, N> {
            #[doc = $doc]
            pub fn $accessor(&self) -> $service<'_, U, C, N> {
                $service(self)
            }
        }

        impl<U, C, N> Clone for $service<'_, U, C, N> {
            fn clone(&self) -> Self {
                *self
            }
        }

        // A view is a reference: use cases take it by value, so their futures outlive it.
        impl<U, C, N> Copy for $service<'_, U, C, N> {}

        impl<U, C, N> std::ops::Deref for $service<'_, U, C, N> {
            type Target = $crate::engine::Loyalty<U, C, N>;

            fn deref(&self) -> &Self::Target {
                self.0
            }
        }
    };
}
pub(crate) use service;
