//! Fresh databases for tests: a SQLite file in a temporary folder (never `:memory:`, which
//! gives every pooled connection its own database), or a new PostgreSQL database on the
//! server `LOYALTY_TEST_DATABASE_URL` names. Without that variable PostgreSQL tests say they
//! were skipped.

use crate::connect::{ConnectSettings, Engine, connect, migrate, with_database};
use sea_orm::{ConnectionTrait, Database, DatabaseConnection};

/// The variable naming a PostgreSQL server (and a database to connect to first) for tests.
pub const POSTGRES_URL_VAR: &str = "LOYALTY_TEST_DATABASE_URL";

/// A migrated database that exists for one test.
pub struct TestDatabase {
    pub url: String,
    pub engine: Engine,
    pub db: DatabaseConnection,
    _dir: Option<tempfile::TempDir>,
    postgres: Option<(String, String)>,
}

impl TestDatabase {
    /// A fresh SQLite file, migrated.
    ///
    /// # Panics
    /// When the file cannot be made: a test cannot go on without it.
    pub async fn sqlite() -> Self {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let url = format!(
            "sqlite://{}?mode=rwc",
            dir.path().join("loyalty.db").display()
        );
        let db = connect(&ConnectSettings::new(url.clone()))
            .await
            .expect("SQLite opens");
        migrate(&db).await.expect("migrations run");
        Self {
            url,
            engine: Engine::Sqlite,
            db,
            _dir: Some(dir),
            postgres: None,
        }
    }

    /// A fresh PostgreSQL database, migrated; `None` (and a line saying the test was
    /// skipped) when [`POSTGRES_URL_VAR`] is not set.
    ///
    /// # Panics
    /// When the variable is set but the server cannot be used.
    pub async fn postgres(test: &str) -> Option<Self> {
        let Ok(admin_url) = std::env::var(POSTGRES_URL_VAR) else {
            eprintln!("skipped on PostgreSQL: {test} ({POSTGRES_URL_VAR} is not set)");
            return None;
        };
        let name = format!("loyalty_test_{}", uuid::Uuid::now_v7().simple());
        let admin = Database::connect(admin_url.as_str())
            .await
            .expect("PostgreSQL reachable");
        admin
            .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
            .await
            .expect("database created");
        admin.close().await.ok();
        let url = with_database(&admin_url, &name);
        let db = connect(&ConnectSettings::new(url.clone()))
            .await
            .expect("PostgreSQL opens");
        migrate(&db).await.expect("migrations run");
        Some(Self {
            url,
            engine: Engine::Postgres,
            db,
            _dir: None,
            postgres: Some((admin_url, name)),
        })
    }

    /// Runs raw SQL behind the engine's back (to plant corruption a check must find);
    /// returns the rows affected.
    ///
    /// # Errors
    /// What the database answers.
    pub async fn execute(&self, sql: &str) -> Result<u64, sea_orm::DbErr> {
        Ok(self.db.execute_unprepared(sql).await?.rows_affected())
    }

    /// Closes the pool and, on PostgreSQL, drops the database.
    pub async fn cleanup(mut self) {
        self.db.clone().close().await.ok();
        if let Some((admin_url, name)) = self.postgres.take() {
            drop_database(&admin_url, &name).await;
        }
    }
}

async fn drop_database(admin_url: &str, name: &str) {
    if let Ok(admin) = Database::connect(admin_url).await {
        let sql = format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)");
        admin.execute_unprepared(&sql).await.ok();
        admin.close().await.ok();
    }
}

/// A test that panicked never reached `cleanup`: its PostgreSQL database is dropped anyway,
/// from a thread of its own (there is no async in `Drop`).
impl Drop for TestDatabase {
    fn drop(&mut self) {
        if let Some((admin_url, name)) = self.postgres.take() {
            let dropper = std::thread::spawn(move || {
                if let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                {
                    runtime.block_on(drop_database(&admin_url, &name));
                }
            });
            dropper.join().ok();
        }
    }
}

/// Defines `<name>_on_sqlite` and `<name>_on_postgres` tests that run `scenario(&TestDatabase)`
/// on a fresh database each.
#[macro_export]
macro_rules! on_both_databases {
    ($($name:ident => $scenario:path;)+) => {
        $(
            mod $name {
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn on_sqlite() {
                    let db = $crate::testing::TestDatabase::sqlite().await;
                    $scenario(&db).await;
                    db.cleanup().await;
                }

                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn on_postgres() {
                    let Some(db) = $crate::testing::TestDatabase::postgres(stringify!($name)).await else { return };
                    $scenario(&db).await;
                    db.cleanup().await;
                }
            }
        )+
    };
}
