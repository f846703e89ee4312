//! The references the engine is measured against, doing the same minimal writes as one
//! points change (UPDATE a balance, INSERT a history row): pgbench against the same
//! PostgreSQL, and a raw SQLite loop in WAL mode with the engine's `synchronous=FULL`.

use anyhow::{Context, bail};
use std::process::Command;
use std::time::{Duration, Instant};

/// Runs SQL through `psql` on `url`.
pub fn psql(url: &str, sql: &str) -> anyhow::Result<()> {
    psql_value(url, sql).map(drop)
}

const PGBENCH_SCRIPT: &str = "\\set aid random(1, :accounts)\n\
BEGIN;\n\
UPDATE bench_accounts SET balance = balance + 1 WHERE id = :aid;\n\
INSERT INTO bench_history (account_id, delta, created_at) VALUES (:aid, 1, now());\n\
END;\n";

/// Runs SQL through `psql` on `url` and answers what it printed (one value, unaligned).
pub fn psql_value(url: &str, sql: &str) -> anyhow::Result<String> {
    let output = Command::new("psql")
        .args([url, "-v", "ON_ERROR_STOP=1", "-Atqc", sql])
        .output()
        .context("psql is not installed")?;
    if !output.status.success() {
        bail!("psql failed: {}", String::from_utf8_lossy(&output.stderr));
    }
    Ok(String::from_utf8_lossy(&output.stdout).trim().to_owned())
}

/// What a pgbench run measured: transactions per second, and the cores PostgreSQL used
/// meanwhile (measured inside the run, while pgbench's connections live; `None` for runs
/// under three seconds).
pub type PgbenchRun = (f64, Option<f64>);

/// pgbench with `clients` clients for `duration` over the reference's minimal writes.
pub fn pgbench(
    url: &str,
    accounts: usize,
    clients: usize,
    duration: Duration,
) -> anyhow::Result<PgbenchRun> {
    psql(
        url,
        &format!(
            "DROP TABLE IF EXISTS bench_history, bench_accounts; \
             CREATE TABLE bench_accounts (id int PRIMARY KEY, balance bigint NOT NULL CHECK (balance >= 0)); \
             CREATE TABLE bench_history (id bigserial PRIMARY KEY, account_id int NOT NULL, delta bigint NOT NULL, created_at timestamptz NOT NULL); \
             INSERT INTO bench_accounts SELECT g, 0 FROM generate_series(1, {accounts}) g; ANALYZE bench_accounts;"
        ),
    )?;
    let accounts = accounts.to_string();
    run_pgbench(
        url,
        PGBENCH_SCRIPT,
        &[("accounts", accounts.as_str())],
        clients,
        duration,
    )
}

/// pgbench over `script` (prepared statements, `defines` as `-D name=value`) with `clients`
/// clients for `duration`.
pub fn run_pgbench(
    url: &str,
    script: &str,
    defines: &[(&str, &str)],
    clients: usize,
    duration: Duration,
) -> anyhow::Result<PgbenchRun> {
    let path = std::env::temp_dir().join(format!(
        "loyalty-pgbench-{}-{}.sql",
        std::process::id(),
        uuid::Uuid::now_v7()
    ));
    std::fs::write(&path, script)?;
    let mut command = Command::new("pgbench");
    command.args([
        "-n",
        "-M",
        "prepared",
        "-c",
        &clients.to_string(),
        "-j",
        "2",
        "-T",
        &duration.as_secs().max(1).to_string(),
    ]);
    for (name, value) in defines {
        command.args(["-D", &format!("{name}={value}")]);
    }
    let child = command
        .arg("-f")
        .arg(&path)
        .arg(url)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .context("pgbench is not installed")?;
    let seconds = duration.as_secs().max(1);
    let postgres_cores = (seconds >= 3).then(|| {
        // A window inside the run: pgbench's backends exist at both ends of it.
        std::thread::sleep(Duration::from_secs(1));
        let meter = crate::cpu::CpuMeter::start(std::process::id());
        std::thread::sleep(Duration::from_secs(seconds - 2));
        meter.stop().postgres_cores
    });
    let output = child.wait_with_output()?;
    let _ = std::fs::remove_file(&path);
    let text = String::from_utf8_lossy(&output.stdout);
    let errors = String::from_utf8_lossy(&output.stderr);
    if !output.status.success() || errors.contains("aborted") {
        bail!("pgbench failed: {text}{errors}");
    }
    text.lines()
        .find(|l| l.starts_with("tps = "))
        .and_then(|l| l.trim_start_matches("tps = ").split_whitespace().next())
        .and_then(|tps| tps.parse().ok())
        .map(|tps| (tps, postgres_cores))
        .context("no tps line in pgbench output")
}

/// The same writes on a raw SQLite connection (rusqlite, WAL, `synchronous=FULL`, one
/// writer, prepared statements); returns transactions per second.
pub fn sqlite_loop(accounts: usize, duration: Duration) -> anyhow::Result<f64> {
    let dir = std::env::temp_dir().join(format!("loyalty-sqlite-ref-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let path = dir.join("ref.db");
    let _ = std::fs::remove_file(&path);
    let conn = rusqlite::Connection::open(&path)?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.execute_batch(
        "CREATE TABLE accounts (id INTEGER PRIMARY KEY, balance INTEGER NOT NULL CHECK (balance >= 0));
         CREATE TABLE history (id INTEGER PRIMARY KEY, account_id INTEGER NOT NULL, delta INTEGER NOT NULL, created_at TEXT NOT NULL);",
    )?;
    {
        let tx = conn.unchecked_transaction()?;
        let mut insert = tx.prepare("INSERT INTO accounts (id, balance) VALUES (?1, 0)")?;
        for id in 1..=accounts {
            insert.execute([id as i64])?;
        }
        drop(insert);
        tx.commit()?;
    }
    let mut update =
        conn.prepare_cached("UPDATE accounts SET balance = balance + 1 WHERE id = ?1")?;
    let mut history = conn
        .prepare_cached("INSERT INTO history (account_id, delta, created_at) VALUES (?1, 1, ?2)")?;
    let start = Instant::now();
    let mut done = 0_u64;
    while start.elapsed() < duration {
        let id = (done % accounts as u64 + 1) as i64;
        conn.execute_batch("BEGIN IMMEDIATE")?;
        update.execute([id])?;
        history.execute(rusqlite::params![id, chrono::Utc::now().to_rfc3339()])?;
        conn.execute_batch("COMMIT")?;
        done += 1;
    }
    let tps = done as f64 / start.elapsed().as_secs_f64();
    drop((update, history));
    drop(conn);
    let _ = std::fs::remove_dir_all(&dir);
    Ok(tps)
}
