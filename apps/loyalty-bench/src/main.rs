//! Benchmarks of the loyalty engine: `compare` drives the server over HTTP on SQLite and on
//! PostgreSQL and measures it against what the databases themselves do (a raw SQLite loop,
//! pgbench); `large` builds 1M members and 10M ledger entries and times the API's queries.

mod cpu;
mod floor;
mod history;
mod large;
mod load;
mod refs;
mod report;
mod scenarios;
mod server;
mod soak;

use anyhow::Context as _;
use clap::{Parser, Subcommand};
use futures::StreamExt;
use report::{EngineResult, Report};
use scenarios::Scenario;
use server::ServerProcess;
use std::path::PathBuf;
use std::time::Duration;

#[derive(Debug, Parser)]
#[command(
    name = "loyalty-bench",
    about = "Throughput and latency of the loyalty engine against the database's own limit"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run every scenario on SQLite and PostgreSQL with the references; write a report.
    Compare(CompareArgs),
    /// Build 1M members and 10M ledger entries on PostgreSQL and time the API's queries.
    Large(large::LargeArgs),
    /// Quote and spend latency for members holding 10 to 3,000 lots, on both databases.
    History(history::HistoryArgs),
    /// The mixed load for a long time, sampled: throughput, p99 and RSS of each interval.
    Soak(soak::SoakArgs),
}

/// The server under test and the databases it runs on.
#[derive(Debug, clap::Args)]
pub(crate) struct Databases {
    /// HTTP workers of the server under test.
    #[arg(long, default_value_t = 2)]
    pub workers: usize,
    /// A PostgreSQL server (and a database to connect to first) where the bench may create
    /// databases.
    #[arg(
        long,
        env = "LOYALTY_BENCH_DATABASE_URL",
        default_value = "postgres://postgres@127.0.0.1:5432/postgres"
    )]
    pub pg_url: String,
    #[arg(long)]
    pub skip_postgres: bool,
    #[arg(long)]
    pub skip_sqlite: bool,
}

#[derive(Debug, clap::Args)]
struct CompareArgs {
    /// Seconds per scenario.
    #[arg(long, default_value_t = 10)]
    duration: u64,
    /// Concurrent closed-loop clients.
    #[arg(long, default_value_t = 32)]
    clients: usize,
    #[arg(long, default_value_t = 1000)]
    members: usize,
    #[command(flatten)]
    db: Databases,
    /// Print the results as JSON on stdout.
    #[arg(long)]
    json: bool,
    /// Where the markdown report goes.
    #[arg(long, default_value = "bench/results/latest.md")]
    out: PathBuf,
    /// Seed a share of the members with history first: this many orders each (every order
    /// its own lot), before any scenario runs.
    #[arg(long, default_value_t = 0)]
    history_lots: u64,
    /// The share of the members that get the history.
    #[arg(long, default_value_t = 0.1)]
    history_share: f64,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Command::Large(args) => large::run(args).await,
        Command::History(args) => history::run(args).await,
        Command::Soak(args) => soak::run(args).await,
        Command::Compare(args) => compare(args).await,
    }
}

async fn measure(
    engine: &'static str,
    url: &str,
    args: &CompareArgs,
) -> anyhow::Result<EngineResult> {
    let duration = Duration::from_secs(args.duration);
    let server = ServerProcess::start(url, args.db.workers).await?;
    let idle_rss_mib = server.rss_mib();
    eprintln!("[{engine}] seeding {} members", args.members);
    let fixture = scenarios::setup(&server.base, "bench", args.members, 1_000_000).await?;
    let historic = history_members(args);
    if historic > 0 {
        eprintln!(
            "[{engine}] seeding {historic} members with {} orders each",
            args.history_lots
        );
        let seeded: Vec<anyhow::Result<()>> = futures::stream::iter(&fixture.members[..historic])
            .map(|member| history::seed(&fixture, member, args.history_lots, 2))
            .buffer_unordered(8)
            .collect()
            .await;
        seeded.into_iter().collect::<anyhow::Result<Vec<()>>>()?;
    }
    eprintln!("[{engine}] opening a stored-value card for each member");
    fixture.open_cards().await?;
    eprintln!("[{engine}] selling a count card to each member");
    fixture.sell_count_cards().await?;
    let mut scenarios = Vec::new();
    for scenario in [
        Scenario::Earn,
        Scenario::Spend,
        Scenario::Mix,
        Scenario::Quote,
        Scenario::Checkout,
        Scenario::Card,
        Scenario::CardUse,
        Scenario::Read,
    ] {
        eprintln!("[{engine}] {} for {} s", scenario.name(), args.duration);
        let f = fixture.clone();
        // The run names the idempotency keys: no spaces in them.
        let run = format!("{engine}-{}", scenario.name().replace(' ', "-"));
        let meter = cpu::CpuMeter::start(server.pid());
        let stats = load::closed_loop(args.clients, duration, move |i| {
            let (f, run) = (f.clone(), run.clone());
            async move { f.run(scenario, &run, i).await }
        })
        .await;
        scenarios.push((scenario.name().to_owned(), stats, meter.stop()));
    }
    let saturation = scenarios[0].1.throughput;
    let rate = (saturation * 0.7).max(1.0);
    eprintln!("[{engine}] earn at {rate:.0}/s for {} s", args.duration);
    let f = fixture.clone();
    let at_70 = load::open_loop(rate, duration, move |i| {
        let f = f.clone();
        async move { f.earn(&format!("{engine}-open"), i).await }
    })
    .await;
    let loaded_rss_mib = server.rss_mib();
    let sample = fixture.sample_ids().await;
    drop(server);
    let floor = match sample {
        Ok(ids) => engine_floor(engine, url, ids, &fixture.members, args)
            .await
            .map_err(|e| eprintln!("[{engine}] no floor reference: {e:#}"))
            .ok(),
        Err(e) => {
            eprintln!("[{engine}] no floor reference: {e:#}");
            None
        }
    };
    let mut reference_postgres_cores = None;
    let (reference_name, reference_tps) = if engine == "SQLite" {
        eprintln!("[{engine}] raw SQLite reference for {} s", args.duration);
        let members = args.members;
        (
            "raw SQLite",
            Some(tokio::task::spawn_blocking(move || refs::sqlite_loop(members, duration)).await??),
        )
    } else {
        eprintln!("[{engine}] pgbench reference for {} s", args.duration);
        let (tps, cores) = refs::pgbench(url, args.members, args.clients, duration)?;
        reference_postgres_cores = cores;
        ("pgbench", Some(tps))
    };
    Ok(EngineResult {
        engine,
        scenarios,
        at_70_percent: Some((rate, at_70)),
        reference_name,
        reference_tps,
        reference_postgres_cores,
        idle_rss_mib,
        loaded_rss_mib,
        floor,
    })
}

/// Records one earn's statements from the engine on the benchmark's database and replays
/// them as fast as the database takes them ([`floor`]).
async fn engine_floor(
    engine: &'static str,
    url: &str,
    ids: floor::Ids,
    members: &[String],
    args: &CompareArgs,
) -> anyhow::Result<report::Floor> {
    let capture = floor::capture(url, ids).await?;
    let duration = Duration::from_secs(args.duration);
    eprintln!(
        "[{engine}] engine floor ({} statements of an earn) for {} s",
        capture.round_trips(),
        args.duration
    );
    let statements = capture.round_trips();
    let (tps, postgres_cores) = if engine == "SQLite" {
        let file = url
            .strip_prefix("sqlite://")
            .and_then(|rest| rest.split('?').next())
            .context("not a SQLite file URL")?
            .to_owned();
        let members = members
            .iter()
            .map(|m| m.parse())
            .collect::<Result<Vec<uuid::Uuid>, _>>()?;
        let tps = tokio::task::spawn_blocking(move || {
            floor::sqlite_loop(std::path::Path::new(&file), &capture, &members, duration)
        })
        .await??;
        (tps, None)
    } else {
        floor::pgbench(url, &capture, ids, args.clients, duration)?
    };
    Ok(report::Floor {
        statements,
        tps,
        postgres_cores,
    })
}

/// How many members get a history (`--history-lots` orders each) before the scenarios.
fn history_members(args: &CompareArgs) -> usize {
    if args.history_lots == 0 {
        return 0;
    }
    ((args.members as f64 * args.history_share.clamp(0.0, 1.0)).ceil() as usize).min(args.members)
}

/// Writes a report to `out`, making its folder when missing.
pub(crate) fn write_report(out: &std::path::Path, text: &str) -> anyhow::Result<()> {
    if let Some(parent) = out.parent() {
        std::fs::create_dir_all(parent)?;
    }
    std::fs::write(out, text)?;
    Ok(())
}

pub(crate) fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|c| {
            c.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|s| s.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    format!("{cores} cores, {cpu}")
}

pub(crate) fn commit() -> String {
    std::process::Command::new("git")
        .args(["rev-parse", "--short", "HEAD"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map_or_else(
            || "unknown".into(),
            |o| String::from_utf8_lossy(&o.stdout).trim().to_owned(),
        )
}

async fn compare(args: CompareArgs) -> anyhow::Result<()> {
    let dir = std::env::temp_dir().join(format!("loyalty-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let sqlite_url = format!("sqlite://{}?mode=rwc", dir.join("loyalty.db").display());
    let mut engines = Vec::new();
    if !args.db.skip_sqlite {
        engines.push(measure("SQLite", &sqlite_url, &args).await?);
    }
    let _ = std::fs::remove_dir_all(&dir);
    if !args.db.skip_postgres {
        let name = format!("loyalty_bench_{}", std::process::id());
        refs::psql(&args.db.pg_url, &format!("CREATE DATABASE {name}"))?;
        let url = loyalty_seaorm::with_database(&args.db.pg_url, &name);
        let result = measure("PostgreSQL", &url, &args).await;
        refs::psql(
            &args.db.pg_url,
            &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
        )?;
        engines.push(result?);
    }
    let report = Report {
        date: chrono::Utc::now().format("%Y-%m-%d %H:%M UTC").to_string(),
        machine: machine(),
        commit: commit(),
        duration_seconds: args.duration,
        clients: args.clients,
        members: args.members,
        server_workers: args.db.workers,
        history: (history_members(&args), args.history_lots),
        engines,
    };
    let markdown = report.markdown();
    write_report(&args.out, &markdown)?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        println!("{markdown}");
    }
    eprintln!("report written to {}", args.out.display());
    Ok(())
}
