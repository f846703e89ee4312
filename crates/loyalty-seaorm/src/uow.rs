use crate::cache::LookupCache;
use crate::connect::Engine;
use crate::errors::{StoreResult, store_error};
use crate::group_commit::{GroupCommit, SlotEnd};
use async_trait::async_trait;
use loyalty_core::kernel::{MerchantId, StoreError, Transaction, TxMode, UnitOfWork};
use sea_orm::{
    AccessMode, ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend, DbErr,
    ExecResult, QueryResult, Statement, TransactionOptions, TransactionTrait,
};
use std::sync::{Arc, Mutex, PoisonError};
use tracing::instrument;

/// The statements a unit of work sent, with their parameters, while recording
/// ([`SeaUnitOfWork::recording`]): what the benchmark replays as the engine's own floor.
#[derive(Clone, Default)]
pub struct StatementLog(Arc<Mutex<Vec<Recorded>>>);

/// One statement sent, and whether it ran inside a transaction (or on its own, in a lookup).
#[derive(Debug, Clone)]
pub struct Recorded {
    pub statement: Statement,
    pub in_transaction: bool,
}

impl StatementLog {
    /// What was recorded since the last take.
    pub fn take(&self) -> Vec<Recorded> {
        std::mem::take(&mut *self.0.lock().unwrap_or_else(PoisonError::into_inner))
    }

    fn push(&self, statement: &Statement, in_transaction: bool) {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(Recorded {
                statement: statement.clone(),
                in_transaction,
            });
    }
}

/// Begins SeaORM transactions. On SQLite, write transactions go through the group-commit
/// writer ([`crate::group_commit`]): savepoints of a shared `BEGIN IMMEDIATE` transaction,
/// committed together. On PostgreSQL, READ COMMITTED with conditional updates and row locks.
#[derive(Clone)]
pub struct SeaUnitOfWork {
    db: DatabaseConnection,
    engine: Engine,
    writer: Option<GroupCommit>,
    cache: Arc<LookupCache>,
    log: Option<StatementLog>,
}

/// How long lookups of merchants, stores and settings are cached by default.
pub const DEFAULT_CACHE_TTL: std::time::Duration = std::time::Duration::from_secs(1);

/// The most write transactions one SQLite commit makes durable together.
const MAX_BATCH: usize = 64;

impl SeaUnitOfWork {
    /// Wraps a pool, with lookups cached for [`DEFAULT_CACHE_TTL`]. On SQLite it starts the
    /// writer task, so it must be called inside a Tokio runtime.
    #[must_use]
    pub fn new(db: DatabaseConnection) -> Self {
        Self::with_cache(db, DEFAULT_CACHE_TTL)
    }

    /// Like [`Self::new`], with lookups of merchants, stores and settings cached for
    /// `cache_ttl` (zero: not cached; see [`LookupCache`]).
    #[must_use]
    pub fn with_cache(db: DatabaseConnection, cache_ttl: std::time::Duration) -> Self {
        let engine = match db.get_database_backend() {
            sea_orm::DbBackend::Postgres => Engine::Postgres,
            _ => Engine::Sqlite,
        };
        let writer = (engine == Engine::Sqlite).then(|| GroupCommit::spawn(db.clone(), MAX_BATCH));
        Self {
            db,
            engine,
            writer,
            cache: Arc::new(LookupCache::new(cache_ttl)),
            log: None,
        }
    }

    /// Records every statement its transactions send into `log` (for measuring, not for
    /// production: parameters are kept as sent).
    #[must_use]
    pub fn recording(self, log: StatementLog) -> Self {
        Self {
            log: Some(log),
            ..self
        }
    }

    #[must_use]
    pub fn connection(&self) -> &DatabaseConnection {
        &self.db
    }
}

#[async_trait]
impl UnitOfWork for SeaUnitOfWork {
    type Tx = SeaTransaction;

    /// On SQLite a write transaction waits here for its turn with the writer.
    #[instrument(level = "debug", skip_all, err(level = "debug"), fields(mode = ?mode))]
    async fn begin(&self, mode: TxMode) -> Result<SeaTransaction, StoreError> {
        if let (Some(writer), TxMode::Write) = (&self.writer, mode) {
            let slot = writer.begin().await?;
            return Ok(SeaTransaction {
                txn: Executor::new(Target::Transaction(slot.txn), self.log.clone()),
                engine: self.engine,
                cache: Arc::clone(&self.cache),
                cached_reads: false,
                forget: Vec::new(),
                batch: Some(slot.done),
            });
        }
        if mode == TxMode::Lookup {
            let executor = Executor::new(Target::Connection(self.db.clone()), self.log.clone());
            return Ok(SeaTransaction {
                txn: executor,
                engine: self.engine,
                cached_reads: self.cache.enabled(),
                cache: Arc::clone(&self.cache),
                forget: Vec::new(),
                batch: None,
            });
        }
        let options = match (self.engine, mode) {
            (Engine::Sqlite, _) => TransactionOptions::default(),
            (Engine::Postgres, TxMode::Read) => TransactionOptions {
                access_mode: Some(AccessMode::ReadOnly),
                ..TransactionOptions::default()
            },
            (Engine::Postgres, _) => TransactionOptions::default(),
        };
        let txn = self.db.begin_with_options(options).await.store()?;
        Ok(SeaTransaction {
            txn: Executor::new(Target::Transaction(txn), self.log.clone()),
            engine: self.engine,
            cache: Arc::clone(&self.cache),
            cached_reads: false,
            forget: Vec::new(),
            batch: None,
        })
    }
}

/// One database transaction; it implements every repository of the core on itself.
///
/// Field order matters: when it is dropped unfinished, `txn` rolls back before `batch`
/// tells the SQLite writer that this transaction is over.
pub struct SeaTransaction {
    pub(crate) txn: Executor,
    pub(crate) engine: Engine,
    pub(crate) cache: Arc<LookupCache>,
    /// Lookups read through the cache.
    pub(crate) cached_reads: bool,
    /// Merchants whose cached lookups this transaction's changes make stale.
    pub(crate) forget: Vec<MerchantId>,
    /// Set when this is a savepoint of a SQLite group commit.
    batch: Option<tokio::sync::oneshot::Sender<SlotEnd>>,
}

/// Every capability hands out the transaction itself: it implements every store.
macro_rules! capability {
    ($($cap:path => $accessor:ident: $repo:path;)*) => {$(
        impl $cap for SeaTransaction {
            fn $accessor(&mut self) -> &mut dyn $repo {
                self
            }
        }
    )*};
}

capability! {
    loyalty_core::kernel::IdempotencyTx => idempotency: loyalty_core::kernel::IdempotencyRepository;
    loyalty_core::merchants::MerchantsTx => merchants: loyalty_core::merchants::MerchantRepository;
    loyalty_core::merchants::StoresTx => stores: loyalty_core::merchants::StoreRepository;
    loyalty_core::merchants::StaffTx => staff: loyalty_core::merchants::StaffRepository;
    loyalty_core::members::MembersTx => members: loyalty_core::members::MemberRepository;
    loyalty_core::members::LoginCodesTx => login_codes: loyalty_core::members::LoginCodeRepository;
    loyalty_core::points::PointsTx => points: loyalty_core::points::PointsRepository;
    loyalty_core::tiers::GrowthTx => growth: loyalty_core::tiers::GrowthRepository;
    loyalty_core::coupons::CouponsTx => coupons: loyalty_core::coupons::CouponRepository;
    loyalty_core::checkout::OrdersTx => orders: loyalty_core::checkout::OrderRepository;
    loyalty_core::cards::CardsTx => cards: loyalty_core::cards::CardRepository;
    loyalty_core::wallet::WalletTx => wallet: loyalty_core::wallet::WalletRepository;
    loyalty_core::notifications::OutboxTx => outbox: loyalty_core::notifications::OutboxRepository;
    loyalty_core::settings::SettingsTx => settings: loyalty_core::settings::SettingsRepository;
}

#[async_trait]
impl Transaction for SeaTransaction {
    #[instrument(level = "debug", skip_all, err(level = "debug"))]
    async fn commit(self) -> Result<(), StoreError> {
        let SeaTransaction {
            txn,
            batch,
            cache,
            forget,
            ..
        } = self;
        let Target::Transaction(txn) = txn.target else {
            return Ok(());
        };
        txn.commit().await.map_err(store_error)?;
        let forget_all = || forget.iter().for_each(|m| cache.forget(*m));
        let Some(batch) = batch else {
            forget_all();
            return Ok(());
        };
        let (durable, outcome) = tokio::sync::oneshot::channel();
        let _ = batch.send(SlotEnd::Committed { durable });
        // Acknowledged only once the batch's COMMIT is durable; a failed COMMIT kept
        // nothing, so the use case may run again.
        match outcome.await {
            Ok(Ok(())) => {
                forget_all();
                Ok(())
            }
            Ok(Err(message)) => Err(StoreError::Contention(format!(
                "group commit failed: {message}"
            ))),
            Err(_) => Err(StoreError::Contention(
                "the SQLite writer stopped before committing".into(),
            )),
        }
    }
}

/// What a [`SeaTransaction`] runs its statements on: a transaction, or (for lookups) the
/// pool itself, each statement on its own; and the log that records them, if any.
pub struct Executor {
    target: Target,
    log: Option<StatementLog>,
}

enum Target {
    Connection(DatabaseConnection),
    Transaction(DatabaseTransaction),
}

impl Executor {
    fn new(target: Target, log: Option<StatementLog>) -> Self {
        Self { target, log }
    }

    fn record(&self, statement: &Statement) {
        if let Some(log) = &self.log {
            log.push(statement, matches!(self.target, Target::Transaction(_)));
        }
    }
}

#[async_trait]
impl ConnectionTrait for Executor {
    fn get_database_backend(&self) -> DbBackend {
        match &self.target {
            Target::Connection(c) => c.get_database_backend(),
            Target::Transaction(t) => t.get_database_backend(),
        }
    }

    async fn execute_raw(&self, stmt: Statement) -> Result<ExecResult, DbErr> {
        self.record(&stmt);
        match &self.target {
            Target::Connection(c) => c.execute_raw(stmt).await,
            Target::Transaction(t) => t.execute_raw(stmt).await,
        }
    }

    async fn execute_unprepared(&self, sql: &str) -> Result<ExecResult, DbErr> {
        if self.log.is_some() {
            self.record(&Statement::from_string(self.get_database_backend(), sql));
        }
        match &self.target {
            Target::Connection(c) => c.execute_unprepared(sql).await,
            Target::Transaction(t) => t.execute_unprepared(sql).await,
        }
    }

    async fn query_one_raw(&self, stmt: Statement) -> Result<Option<QueryResult>, DbErr> {
        self.record(&stmt);
        match &self.target {
            Target::Connection(c) => c.query_one_raw(stmt).await,
            Target::Transaction(t) => t.query_one_raw(stmt).await,
        }
    }

    async fn query_all_raw(&self, stmt: Statement) -> Result<Vec<QueryResult>, DbErr> {
        self.record(&stmt);
        match &self.target {
            Target::Connection(c) => c.query_all_raw(stmt).await,
            Target::Transaction(t) => t.query_all_raw(stmt).await,
        }
    }
}
