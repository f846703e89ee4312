use crate::connect::Engine;
use crate::errors::store_error;
use async_trait::async_trait;
use loyalty_core::ports::{
    IdempotencyRepository, MemberRepository, MerchantRepository, OrderRepository, PointsRepository,
    StaffRepository, StoreError, StoreRepository, Transaction, TxMode, UnitOfWork,
};
use sea_orm::{
    AccessMode, DatabaseConnection, DatabaseTransaction, SqliteTransactionMode, TransactionOptions,
    TransactionTrait,
};

/// Begins SeaORM transactions: on SQLite, write transactions begin `IMMEDIATE` (a deferred
/// one that reads then writes fails with `SQLITE_BUSY` at once); on PostgreSQL, READ
/// COMMITTED with conditional updates and row locks.
#[derive(Clone)]
pub struct SeaUnitOfWork {
    db: DatabaseConnection,
    engine: Engine,
}

impl SeaUnitOfWork {
    #[must_use]
    pub fn new(db: DatabaseConnection) -> Self {
        let engine = match db.get_database_backend() {
            sea_orm::DbBackend::Postgres => Engine::Postgres,
            _ => Engine::Sqlite,
        };
        Self { db, engine }
    }

    #[must_use]
    pub fn connection(&self) -> &DatabaseConnection {
        &self.db
    }
}

#[async_trait]
impl UnitOfWork for SeaUnitOfWork {
    async fn begin(&self, mode: TxMode) -> Result<Box<dyn Transaction>, StoreError> {
        let options = match (self.engine, mode) {
            (Engine::Sqlite, TxMode::Write) => TransactionOptions {
                sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
                ..TransactionOptions::default()
            },
            (Engine::Sqlite, TxMode::Read) => TransactionOptions::default(),
            (Engine::Postgres, TxMode::Read) => TransactionOptions {
                access_mode: Some(AccessMode::ReadOnly),
                ..TransactionOptions::default()
            },
            (Engine::Postgres, TxMode::Write) => TransactionOptions::default(),
        };
        let txn = self
            .db
            .begin_with_options(options)
            .await
            .map_err(store_error)?;
        Ok(Box::new(SeaTransaction {
            txn,
            engine: self.engine,
        }))
    }
}

/// One database transaction; it implements every repository of the core on itself.
pub struct SeaTransaction {
    pub(crate) txn: DatabaseTransaction,
    pub(crate) engine: Engine,
}

#[async_trait]
impl Transaction for SeaTransaction {
    fn merchants(&mut self) -> &mut dyn MerchantRepository {
        self
    }
    fn stores(&mut self) -> &mut dyn StoreRepository {
        self
    }
    fn staff(&mut self) -> &mut dyn StaffRepository {
        self
    }
    fn members(&mut self) -> &mut dyn MemberRepository {
        self
    }
    fn points(&mut self) -> &mut dyn PointsRepository {
        self
    }
    fn orders(&mut self) -> &mut dyn OrderRepository {
        self
    }
    fn idempotency(&mut self) -> &mut dyn IdempotencyRepository {
        self
    }
    async fn commit(self: Box<Self>) -> Result<(), StoreError> {
        self.txn.commit().await.map_err(store_error)
    }
}
