use loyalty_migrations::{Migrator, MigratorTrait};
use sea_orm::sqlx::postgres::PgConnectOptions;
use sea_orm::sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous};
use sea_orm::{ConnectOptions, Database, DatabaseConnection, DbErr};
use std::time::Duration;

/// Which database a URL names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

impl Engine {
    /// # Errors
    /// A URL that is neither `sqlite:` nor `postgres:` / `postgresql:`.
    pub fn of(url: &str) -> Result<Self, String> {
        if url.starts_with("sqlite:") {
            Ok(Self::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Self::Postgres)
        } else {
            Err("the database URL must start with sqlite: or postgres://".into())
        }
    }
}

#[derive(Debug, Clone)]
pub struct ConnectSettings {
    pub url: String,
    pub max_connections: u32,
    /// How long a SQLite writer waits for the lock before `busy`.
    pub busy_timeout: Duration,
    /// The most page cache each pooled SQLite connection keeps, in KiB (SQLite's own default,
    /// 2000). The server's memory under load grows by about this much per connection.
    pub sqlite_page_cache_kib: u32,
}

impl ConnectSettings {
    #[must_use]
    pub fn new(url: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            max_connections: 16,
            busy_timeout: Duration::from_secs(10),
            sqlite_page_cache_kib: 2000,
        }
    }
}

/// `postgres://u@h:p/db?x` with its database replaced by `name` (to create or reach a
/// sibling database on the same server).
#[must_use]
pub fn with_database(url: &str, name: &str) -> String {
    let (base, query) = url
        .split_once('?')
        .map_or((url, None), |(b, q)| (b, Some(q)));
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let host_end = base[scheme_end..]
        .find('/')
        .map_or(base.len(), |i| scheme_end + i);
    match query {
        Some(q) => format!("{}/{name}?{q}", &base[..host_end]),
        None => format!("{}/{name}", &base[..host_end]),
    }
}

/// The file a SQLite URL names, so its folder can be made.
fn sqlite_path(url: &str) -> Option<&str> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next()?;
    (!path.is_empty() && path != ":memory:").then_some(path)
}

/// Creates a missing SQLite file readable by its owner only (SQLite gives its WAL and
/// shared-memory files the same permissions), in a folder made for it likewise; a file or
/// folder that exists is left as it is.
fn create_private(file: &std::path::Path) -> std::io::Result<()> {
    let mut folder = std::fs::DirBuilder::new();
    folder.recursive(true);
    let mut open = std::fs::OpenOptions::new();
    open.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
        folder.mode(0o700);
        open.mode(0o600);
    }
    if let Some(parent) = file.parent().filter(|p| !p.as_os_str().is_empty()) {
        folder.create(parent)?;
    }
    match open.open(file) {
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        other => other.map(drop),
    }
}

/// Opens a pool. On SQLite every pooled connection gets WAL, `synchronous=FULL`, a busy
/// timeout, foreign keys and its page cache size (a PRAGMA sent once would reach one
/// connection only); the file
/// and its folder are created when missing, readable by their owner only. On PostgreSQL a stuck statement or an idle
/// transaction is ended by the server.
///
/// # Errors
/// When the URL is not usable or the database cannot be reached.
pub async fn connect(settings: &ConnectSettings) -> Result<DatabaseConnection, DbErr> {
    let engine = Engine::of(&settings.url).map_err(DbErr::Custom)?;
    if let Some(file) = sqlite_path(&settings.url).filter(|_| engine == Engine::Sqlite) {
        create_private(std::path::Path::new(file))
            .map_err(|e| DbErr::Custom(format!("cannot create {file}: {e}")))?;
    }
    let mut options = ConnectOptions::new(settings.url.clone());
    options
        .max_connections(settings.max_connections)
        .min_connections(1)
        .acquire_timeout(Duration::from_secs(30))
        .sqlx_logging(false);
    let busy = settings.busy_timeout;
    let page_cache = format!("-{}", settings.sqlite_page_cache_kib);
    options.map_sqlx_sqlite_opts(move |o: SqliteConnectOptions| {
        o.create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .busy_timeout(busy)
            .foreign_keys(true)
            .pragma("cache_size", page_cache.clone())
    });
    options.map_sqlx_postgres_opts(|o: PgConnectOptions| {
        o.options([
            ("statement_timeout", "30s"),
            ("idle_in_transaction_session_timeout", "60s"),
        ])
    });
    Database::connect(options).await
}

/// Brings the schema up to date (append-only migrations).
///
/// # Errors
/// When a migration fails; nothing of it is kept on PostgreSQL.
pub async fn migrate(db: &DatabaseConnection) -> Result<(), DbErr> {
    Migrator::up(db, None).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_file_of_a_sqlite_url() {
        assert_eq!(
            sqlite_path("sqlite://data/loyalty.db?mode=rwc"),
            Some("data/loyalty.db")
        );
        assert_eq!(sqlite_path("sqlite:/tmp/x.db"), Some("/tmp/x.db"));
        assert_eq!(sqlite_path("sqlite::memory:"), None);
    }

    #[test]
    fn replaces_the_database_of_a_postgres_url() {
        assert_eq!(
            with_database("postgres://postgres@127.0.0.1:5432/test", "x"),
            "postgres://postgres@127.0.0.1:5432/x"
        );
        assert_eq!(
            with_database("postgres://h/test?sslmode=disable", "y"),
            "postgres://h/y?sslmode=disable"
        );
        assert_eq!(with_database("postgres://h", "z"), "postgres://h/z");
    }

    #[test]
    fn the_url_alone_chooses_the_engine() {
        assert_eq!(Engine::of("sqlite://a.db"), Ok(Engine::Sqlite));
        assert_eq!(Engine::of("postgres://u@h/db"), Ok(Engine::Postgres));
        assert!(Engine::of("mysql://u@h/db").is_err());
    }

    #[cfg(unix)]
    #[test]
    fn a_new_database_file_and_its_folder_are_private() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().expect("temp dir");
        let file = dir.path().join("data").join("loyalty.db");
        create_private(&file).expect("created");
        let mode = |p: &std::path::Path| {
            std::fs::metadata(p).expect("exists").permissions().mode() & 0o777
        };
        assert_eq!(mode(&file), 0o600);
        assert_eq!(mode(file.parent().expect("folder")), 0o700);
        std::fs::write(&file, b"kept").expect("write");
        create_private(&file).expect("exists already");
        assert_eq!(std::fs::read(&file).expect("read"), b"kept");
    }
}
