//! Cost against history: members holding 10 to 3,000 lots (orders of 100.00 under a rolling
//! 365-day expiry, so every order opens a lot of its own), and for each the latency of a
//! quote with 100 points as cash, of a 1-point spend, and of an order of 1.00 that earns
//! under a tier ladder the member is still climbing (so the growth value is summed over the
//! member's orders), one request at a time, the members taking turns. A member with years
//! of purchases should be served as fast as a new one: the target is the longest history
//! within 1.2 times the shortest.

use crate::load::{Recorder, Stats};
use crate::scenarios::Fixture;
use crate::server::ServerProcess;
use anyhow::Context as _;
use futures::StreamExt;
use serde_json::json;
use std::fmt::Write as _;
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct HistoryArgs {
    /// Lots of the members measured (one member each).
    #[arg(long, value_delimiter = ',', default_values_t = [10_u64, 100, 1_000, 3_000])]
    lots: Vec<u64>,
    /// Requests timed per member and kind.
    #[arg(long, default_value_t = 300)]
    requests: u64,
    #[command(flatten)]
    db: crate::Databases,
    /// Where the markdown report goes.
    #[arg(long, default_value = "bench/results/history.md")]
    out: PathBuf,
}

/// One member's figures.
struct Row {
    lots: u64,
    quote: Stats,
    spend: Stats,
    earn: Stats,
}

/// Orders of 100.00 for `member`, `n` of them, `at_once` at a time.
pub(crate) async fn seed(f: &Fixture, member: &str, n: u64, at_once: usize) -> anyhow::Result<()> {
    let sent: Vec<Result<(), String>> = futures::stream::iter(0..n)
        .map(|i| {
            let request = f
                .client
                .post(format!("{}/api/v1/merchant/orders", f.base))
                .bearer_auth(&f.token)
                .header("Idempotency-Key", format!("history-{member}-{i}"))
                .json(&json!({ "member_id": member, "amount_paid": "100.00" }));
            crate::scenarios::send(request)
        })
        .buffer_unordered(at_once)
        .collect()
        .await;
    sent.into_iter()
        .collect::<Result<Vec<()>, String>>()
        .map_err(|e| anyhow::anyhow!("seeding orders: {e}"))?;
    Ok(())
}

async fn measure(
    engine: &str,
    url: &str,
    args: &HistoryArgs,
    open_lots: impl Fn() -> anyhow::Result<Vec<u64>>,
) -> anyhow::Result<Vec<Row>> {
    let server = ServerProcess::start(url, args.db.workers).await?;
    let f = crate::scenarios::setup(&server.base, "history", args.lots.len(), 0).await?;
    for (member, n) in f.members.iter().zip(&args.lots) {
        eprintln!("[{engine}] {n} orders for one member");
        seed(&f, member, *n, 8).await?;
    }
    let counted = open_lots()?;
    // A ladder no member reaches the top of: every earn sums the member's growth.
    let ladder = f
        .client
        .put(format!("{}/api/v1/merchant/settings/tiers", f.base))
        .bearer_auth(&f.token)
        .json(&json!({
            "basis": "spend",
            "window": { "mode": "lifetime" },
            "levels": [
                { "code": "member", "name": "会员", "threshold": 0 },
                { "code": "gold", "name": "金卡", "threshold": 1_000_000_000_000_i64 }
            ]
        }));
    crate::scenarios::send(ladder)
        .await
        .map_err(|e| anyhow::anyhow!("tier ladder: {e}"))?;
    let mut seeded = args.lots.clone();
    seeded.sort_unstable();
    let lots_of = |n: u64| {
        seeded
            .iter()
            .position(|s| *s == n)
            .and_then(|rank| counted.get(rank))
            .copied()
            .unwrap_or(0)
    };
    let basket = |member: &str| {
        json!({
            "member_id": member,
            "lines": [
                { "sku": "latte", "category": "coffee", "quantity": 2, "unit_price": "32.00" },
                { "sku": "cake", "category": "dessert", "quantity": 1, "unit_price": "28.00" }
            ],
            "points": 100
        })
    };
    let quote = |member: &str| {
        crate::scenarios::send(
            f.client
                .post(format!("{}/api/v1/merchant/orders/quote", f.base))
                .bearer_auth(&f.token)
                .json(&basket(member)),
        )
    };
    let spend = |member: &str, i: u64| {
        crate::scenarios::send(
            f.client
                .post(format!(
                    "{}/api/v1/merchant/members/{member}/points/adjustments",
                    f.base
                ))
                .bearer_auth(&f.token)
                .header("Idempotency-Key", format!("history-spend-{member}-{i}"))
                .json(&json!({ "delta": -1, "reason": "bench spend" })),
        )
    };
    let earn = |member: &str, i: u64| {
        crate::scenarios::send(
            f.client
                .post(format!("{}/api/v1/merchant/orders", f.base))
                .bearer_auth(&f.token)
                .header("Idempotency-Key", format!("history-earn-{member}-{i}"))
                .json(&json!({ "member_id": member, "amount_paid": "1.00" })),
        )
    };
    eprintln!(
        "[{engine}] {} requests of each kind per member, the members taking turns",
        args.requests
    );
    // Warm the connections and caches first.
    let mut warm_up = Recorder::new();
    for member in &f.members {
        for _ in 0..20 {
            warm_up.time(quote(member)).await;
        }
    }
    // The members take turns, ten requests of each kind at a time, so that what changes
    // over the run (the tables growing, the database's background work) reaches them all
    // alike.
    let mut timed: Vec<(Recorder, Recorder, Recorder)> = f
        .members
        .iter()
        .map(|_| (Recorder::new(), Recorder::new(), Recorder::new()))
        .collect();
    let mut sent = 0;
    while sent < args.requests {
        let turn = (args.requests - sent).min(10);
        for (member, (quotes, spends, earns)) in f.members.iter().zip(&mut timed) {
            for _ in 0..turn {
                quotes.time(quote(member)).await;
            }
            for i in sent..sent + turn {
                spends.time(spend(member, i)).await;
            }
            for i in sent..sent + turn {
                earns.time(earn(member, i)).await;
            }
        }
        sent += turn;
    }
    let mut rows = Vec::new();
    for (n, (quotes, spends, earns)) in args.lots.iter().zip(&timed) {
        let (quote, spend, earn) = (quotes.stats(), spends.stats(), earns.stats());
        for (what, stats) in [("quote", &quote), ("spend", &spend), ("earn", &earn)] {
            anyhow::ensure!(
                stats.errors == 0,
                "{engine}: {} of {} {what} requests failed",
                stats.errors,
                stats.requests
            );
        }
        rows.push(Row {
            lots: lots_of(*n),
            quote,
            spend,
            earn,
        });
    }
    Ok(rows)
}

/// The members' open lots, fewest first (the members were seeded with different numbers of
/// orders, so the ranks match).
const OPEN_LOTS: &str =
    "SELECT COUNT(*) FROM points_lots WHERE remaining > 0 GROUP BY member_id ORDER BY 1";

fn markdown(engines: &[(&str, Vec<Row>)], args: &HistoryArgs) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# Cost against history\n");
    let _ = writeln!(
        out,
        "- date: {}\n- machine: {}\n- commit: {}\n- {} requests of each kind per member, one at a time, the members taking turns ten at a time, server with {} workers\n",
        chrono::Utc::now().format("%Y-%m-%d %H:%M UTC"),
        crate::machine(),
        crate::commit(),
        args.requests,
        args.db.workers
    );
    for (engine, rows) in engines {
        let _ = writeln!(out, "## {engine}\n");
        let _ = writeln!(
            out,
            "| open lots (orders) of the member | quote with 100 points as cash, median | p99 | spend 1 point, median | p99 | earn on 1.00 under a tier ladder, median | p99 |\n|---:|---:|---:|---:|---:|---:|---:|"
        );
        for row in rows {
            let _ = writeln!(
                out,
                "| {} | {:.2} ms | {:.2} ms | {:.2} ms | {:.2} ms | {:.2} ms | {:.2} ms |",
                row.lots,
                row.quote.p50_ms,
                row.quote.p99_ms,
                row.spend.p50_ms,
                row.spend.p99_ms,
                row.earn.p50_ms,
                row.earn.p99_ms
            );
        }
        if let (Some(first), Some(last)) = (rows.first(), rows.last()) {
            let ratio = |a: f64, b: f64| if a > 0.0 { b / a } else { 0.0 };
            let _ = writeln!(
                out,
                "\nhistory cost on {engine}: quote {:.2}x, spend {:.2}x, earn {:.2}x at {} lots against {} (target at most 1.2x)\n",
                ratio(first.quote.p50_ms, last.quote.p50_ms),
                ratio(first.spend.p50_ms, last.spend.p50_ms),
                ratio(first.earn.p50_ms, last.earn.p50_ms),
                last.lots,
                first.lots
            );
        }
    }
    out
}

pub async fn run(args: HistoryArgs) -> anyhow::Result<()> {
    let mut engines = Vec::new();
    if !args.db.skip_sqlite {
        let dir = std::env::temp_dir().join(format!("loyalty-history-{}", std::process::id()));
        std::fs::create_dir_all(&dir)?;
        let file = dir.join("loyalty.db");
        let url = format!("sqlite://{}?mode=rwc", file.display());
        let rows = measure("SQLite", &url, &args, || {
            let conn = rusqlite::Connection::open(&file)?;
            let mut query = conn.prepare(OPEN_LOTS)?;
            let counts = query
                .query_map([], |row| row.get::<_, i64>(0))?
                .map(|c| Ok(u64::try_from(c?).unwrap_or(0)))
                .collect::<anyhow::Result<Vec<u64>>>()?;
            Ok(counts)
        })
        .await;
        let _ = std::fs::remove_dir_all(&dir);
        engines.push(("SQLite", rows?));
    }
    if !args.db.skip_postgres {
        let name = format!("loyalty_history_{}", std::process::id());
        crate::refs::psql(&args.db.pg_url, &format!("CREATE DATABASE {name}"))?;
        let url = loyalty_seaorm::with_database(&args.db.pg_url, &name);
        let rows = measure("PostgreSQL", &url, &args, || {
            crate::refs::psql_value(&url, OPEN_LOTS)?
                .lines()
                .map(|l| l.trim().parse::<u64>().context("a count"))
                .collect()
        })
        .await;
        crate::refs::psql(
            &args.db.pg_url,
            &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
        )?;
        engines.push(("PostgreSQL", rows?));
    }
    let markdown = markdown(&engines, &args);
    crate::write_report(&args.out, &markdown)?;
    println!("{markdown}");
    eprintln!("report written to {}", args.out.display());
    Ok(())
}
