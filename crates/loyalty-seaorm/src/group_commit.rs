//! Group commit for SQLite: one writer task owns the database's write lock and runs the
//! write transactions of this process one after another, each inside a `SAVEPOINT` of a
//! shared `BEGIN IMMEDIATE` transaction, and commits them together.
//!
//! SQLite has one writer at a time anyway; queueing writers here instead of in SQLite's busy
//! handler makes the queue fair (first come, first served) and lets one `fsync` (with
//! `synchronous=FULL`) make a whole batch durable. A use case's `commit` returns only after
//! the batch's `COMMIT` has succeeded, so nothing is acknowledged before it is durable; a
//! transaction that is dropped or fails rolls back to its savepoint and takes nothing of the
//! others with it. Under light load a batch is one transaction and nothing waits.

use crate::errors::store_error;
use loyalty_core::kernel::StoreError;
use sea_orm::{
    DatabaseConnection, DatabaseTransaction, SqliteTransactionMode, TransactionOptions,
    TransactionTrait,
};
use tokio::sync::{mpsc, oneshot};
use tracing::Instrument;

/// How a transaction of a batch ended.
pub(crate) enum SlotEnd {
    /// Released its savepoint; `durable` hears how the batch's `COMMIT` went.
    Committed {
        durable: oneshot::Sender<Result<(), String>>,
    },
}

/// A write transaction handed out by the writer: a savepoint of the batch, and the channel
/// on which its end is reported (dropping the sender means "rolled back").
pub(crate) struct Slot {
    pub(crate) txn: DatabaseTransaction,
    pub(crate) done: oneshot::Sender<SlotEnd>,
}

type Request = oneshot::Sender<Result<Slot, StoreError>>;

#[derive(Clone)]
pub(crate) struct GroupCommit {
    requests: mpsc::UnboundedSender<Request>,
}

impl GroupCommit {
    /// Starts the writer task on the current Tokio runtime.
    pub(crate) fn spawn(db: DatabaseConnection, max_batch: usize) -> Self {
        let (requests, queue) = mpsc::unbounded_channel();
        tokio::spawn(writer(db, queue, max_batch));
        Self { requests }
    }

    /// Waits for this process's turn to write.
    pub(crate) async fn begin(&self) -> Result<Slot, StoreError> {
        let (reply, slot) = oneshot::channel();
        let gone = || StoreError::Backend("the SQLite writer has stopped".into());
        self.requests.send(reply).map_err(|_| gone())?;
        slot.await.map_err(|_| gone())?
    }
}

async fn writer(
    db: DatabaseConnection,
    mut queue: mpsc::UnboundedReceiver<Request>,
    max_batch: usize,
) {
    let immediate = TransactionOptions {
        sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
        ..TransactionOptions::default()
    };
    while let Some(first) = queue.recv().await {
        let batch = match db.begin_with_options(immediate).await {
            Ok(batch) => batch,
            Err(e) => {
                let _ = first.send(Err(store_error(e)));
                continue;
            }
        };
        let mut waiters = Vec::new();
        let mut next = Some(first);
        let mut served = 0;
        while let Some(request) = next.take() {
            served += 1;
            match batch.begin().await {
                Ok(txn) => {
                    let (done, end) = oneshot::channel();
                    if request.send(Ok(Slot { txn, done })).is_ok() {
                        // Wait until that transaction released or rolled back its savepoint.
                        if let Ok(SlotEnd::Committed { durable }) = end.await {
                            waiters.push(durable);
                        }
                    }
                }
                Err(e) => {
                    let _ = request.send(Err(store_error(e)));
                }
            }
            if served < max_batch {
                next = queue.try_recv().ok();
            }
        }
        let outcome = batch
            .commit()
            .instrument(tracing::debug_span!("group_commit", transactions = served))
            .await
            .map_err(|e| e.to_string());
        for waiter in waiters {
            let _ = waiter.send(outcome.clone());
        }
    }
}
