//! A soak: the mixed load (70 % earn, 20 % balance reads, 10 % spend) for a long time,
//! sampled at an interval — throughput, p99 and the server's RSS of each interval — to show
//! whether either drifts as history accumulates (the target: flat after warm-up, RSS at most
//! 128 MiB under load with the default configuration).

use crate::load::{Stats, closed_loop};
use crate::scenarios::Scenario;
use crate::server::ServerProcess;
use std::fmt::Write as _;
use std::path::PathBuf;
use std::time::Duration;

#[derive(Debug, clap::Args)]
pub struct SoakArgs {
    /// Samples taken (the soak lasts samples × sample-seconds).
    #[arg(long, default_value_t = 30)]
    samples: u64,
    #[arg(long, default_value_t = 60)]
    sample_seconds: u64,
    /// Concurrent closed-loop clients.
    #[arg(long, default_value_t = 32)]
    clients: usize,
    #[arg(long, default_value_t = 1000)]
    members: usize,
    #[command(flatten)]
    db: crate::Databases,
    /// Where the markdown report goes.
    #[arg(long, default_value = "bench/results/soak.md")]
    out: PathBuf,
}

struct Sample {
    stats: Stats,
    rss_mib: Option<f64>,
}

async fn measure(engine: &str, url: &str, args: &SoakArgs) -> anyhow::Result<Vec<Sample>> {
    let server = ServerProcess::start(url, args.db.workers).await?;
    eprintln!("[{engine}] seeding {} members", args.members);
    let fixture = crate::scenarios::setup(&server.base, "soak", args.members, 1_000_000).await?;
    let mut samples = Vec::new();
    for n in 0..args.samples {
        let f = fixture.clone();
        let run = format!("{engine}-soak-{n}");
        let stats = closed_loop(
            args.clients,
            Duration::from_secs(args.sample_seconds),
            move |i| {
                let (f, run) = (f.clone(), run.clone());
                async move { f.run(Scenario::Mix, &run, i).await }
            },
        )
        .await;
        let rss_mib = server.rss_mib();
        eprintln!(
            "[{engine}] sample {}: {:.0} req/s, p99 {:.1} ms, RSS {:.1} MiB",
            n + 1,
            stats.throughput,
            stats.p99_ms,
            rss_mib.unwrap_or(0.0)
        );
        samples.push(Sample { stats, rss_mib });
    }
    Ok(samples)
}

/// The mean of `values` over the first and the last third of the samples after the first
/// (the warm-up).
fn thirds(values: &[f64]) -> Option<(f64, f64)> {
    let settled = values.get(1..)?;
    let third = (settled.len() / 3).max(1);
    if settled.len() < 2 {
        return None;
    }
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
    Some((
        mean(&settled[..third]),
        mean(&settled[settled.len() - third..]),
    ))
}

fn markdown(engines: &[(&str, Vec<Sample>)], args: &SoakArgs) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# Soak\n");
    let _ = writeln!(
        out,
        "- date: {}\n- machine: {}\n- commit: {}\n- the mix (70 % earn, 20 % balance reads, 10 % spend), {} closed-loop clients, {} members, {} samples of {} s, server with {} workers\n",
        chrono::Utc::now().format("%Y-%m-%d %H:%M UTC"),
        crate::machine(),
        crate::commit(),
        args.clients,
        args.members,
        args.samples,
        args.sample_seconds,
        args.db.workers
    );
    for (engine, samples) in engines {
        let _ = writeln!(out, "## {engine}\n");
        let _ = writeln!(
            out,
            "| sample | requests/s | p99 ms | errors | server RSS |\n|---:|---:|---:|---:|---:|"
        );
        for (n, s) in samples.iter().enumerate() {
            let _ = writeln!(
                out,
                "| {} | {:.0} | {:.1} | {} | {} |",
                n + 1,
                s.stats.throughput,
                s.stats.p99_ms,
                s.stats.errors,
                s.rss_mib
                    .map_or_else(|| "n/a".to_owned(), |r| format!("{r:.1} MiB"))
            );
        }
        let throughput: Vec<f64> = samples.iter().map(|s| s.stats.throughput).collect();
        let rss: Vec<f64> = samples.iter().filter_map(|s| s.rss_mib).collect();
        if let (Some((t0, t1)), Some((r0, r1))) = (thirds(&throughput), thirds(&rss)) {
            let most = rss.iter().copied().fold(0.0_f64, f64::max);
            let _ = writeln!(
                out,
                "\nsoak on {engine}: throughput {t0:.0} then {t1:.0} req/s ({:+.0} %), RSS {r0:.1} then {r1:.1} MiB, at most {most:.1} MiB (first and last third after the first sample)\n",
                (t1 / t0 - 1.0) * 100.0
            );
        }
    }
    out
}

pub async fn run(args: SoakArgs) -> anyhow::Result<()> {
    let mut engines = Vec::new();
    if !args.db.skip_sqlite {
        let dir = std::env::temp_dir().join(format!("loyalty-soak-{}", std::process::id()));
        std::fs::create_dir_all(&dir)?;
        let url = format!("sqlite://{}?mode=rwc", dir.join("loyalty.db").display());
        let samples = measure("SQLite", &url, &args).await;
        let _ = std::fs::remove_dir_all(&dir);
        engines.push(("SQLite", samples?));
    }
    if !args.db.skip_postgres {
        let name = format!("loyalty_soak_{}", std::process::id());
        crate::refs::psql(&args.db.pg_url, &format!("CREATE DATABASE {name}"))?;
        let url = loyalty_seaorm::with_database(&args.db.pg_url, &name);
        let samples = measure("PostgreSQL", &url, &args).await;
        crate::refs::psql(
            &args.db.pg_url,
            &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
        )?;
        engines.push(("PostgreSQL", samples?));
    }
    let markdown = markdown(&engines, &args);
    crate::write_report(&args.out, &markdown)?;
    println!("{markdown}");
    eprintln!("report written to {}", args.out.display());
    Ok(())
}
