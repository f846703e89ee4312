use async_trait::async_trait;

/// A business key that must be unique: the feature that owns it declares it (as a constant
/// beside its store's port), and adapters name the one a write collided with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UniqueKey {
    /// What the key is, for adapters and logs (`member_phone`).
    pub name: &'static str,
    /// The stable code a collision answers with (`member_exists`).
    pub code: &'static str,
}

impl UniqueKey {
    #[must_use]
    pub const fn new(name: &'static str, code: &'static str) -> Self {
        Self { name, code }
    }

    #[must_use]
    pub const fn code(self) -> &'static str {
        self.code
    }

    /// An idempotency key recorded twice: another request with it committed first.
    pub const IDEMPOTENCY: Self = Self::new("idempotency_key", "idempotency_in_flight");
    /// A unique key the adapter does not know by name.
    pub const OTHER: Self = Self::new("other", "conflict");
}

impl std::fmt::Display for UniqueKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code())
    }
}

/// How storage failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Busy, a serialization failure, a deadlock, or a conditional write that found the row
    /// changed under it: running the whole use case again may succeed.
    #[error("contention: {0}")]
    Contention(String),
    /// A unique business key is taken.
    #[error("unique key {0} is taken")]
    Unique(UniqueKey),
    /// Anything else: a broken connection, a bug, a corrupt row.
    #[error("storage backend failed")]
    Backend(#[source] Box<dyn std::error::Error + Send + Sync>),
}

/// What a unit of work is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TxMode {
    /// Independent reads, each seeing the latest committed state, with no transaction
    /// around them (no `BEGIN`/`COMMIT` round trips). `commit` does nothing.
    Lookup,
    /// Reads that must agree with each other: one snapshot.
    Read,
    /// Writes: all or nothing. On SQLite they queue for the single writer.
    Write,
}

/// One transaction. What it reaches is said by the capability traits it implements, one per
/// store, each in the feature that owns the store (`PointsTx`, `CardsTx`, …): a use case's
/// bounds name the stores it touches.
///
/// Dropping it without [`Transaction::commit`] rolls everything back.
///
/// Lock order: a use case that changes a member's points touches the member row first
/// (through the points store's `lock_account`, `deposit` or `withdraw`) and only then the
/// member's lots; so two transactions on one account queue on the member row.
#[async_trait]
pub trait Transaction: Send + Sized {
    /// Makes every change of this transaction durable at once.
    ///
    /// # Errors
    /// [`StoreError::Contention`] when the database refused the commit for a conflict (the
    /// use case may run again); [`StoreError::Backend`] otherwise. Nothing is kept then.
    async fn commit(self) -> Result<(), StoreError>;
}

/// Begins transactions.
#[cfg_attr(
    any(test, feature = "mocks"),
    mockall::automock(type Tx = crate::testing::MockTransaction;)
)]
#[async_trait]
pub trait UnitOfWork: Send + Sync {
    /// The transactions it begins.
    type Tx: Transaction;

    /// # Errors
    /// [`StoreError::Contention`] when the database stayed locked past its busy timeout;
    /// [`StoreError::Backend`] when no connection could be had.
    async fn begin(&self, mode: TxMode) -> Result<Self::Tx, StoreError>;
}
