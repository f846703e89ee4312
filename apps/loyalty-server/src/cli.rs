//! The command line: `serve` (the default), `migrate`, `seed-demo`, `run-jobs`, `dispatch`,
//! `verify-ledger`.

use crate::config::Settings;
use crate::startup::{Application, engine, open_database};
use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, Parser)]
#[command(
    name = "loyalty-server",
    version,
    about = "Loyalty engine: members, points and coupons for chain merchants"
)]
pub struct Cli {
    /// A TOML configuration file (default: ./loyalty.toml when present).
    #[arg(long, global = true)]
    pub config: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the HTTP API (the default).
    Serve,
    /// Bring the database schema up to date and exit.
    Migrate,
    /// Seed a demo merchant, stores and members, and print how to sign in.
    SeedDemo,
    /// Run the scheduled jobs once (points expiry and notice, tier review, birthday
    /// greetings) and exit: for
    /// cron, or a server started with the job intervals at 0.
    RunJobs,
    /// Send the notification outbox until interrupted (Ctrl-C): a dispatcher of its
    /// own, beside or instead of the servers' (`notifications.dispatch_interval_ms = 0`).
    Dispatch,
    /// Recompute every points balance from the ledger and the lots; print each drift and
    /// exit 1 if there is any.
    VerifyLedger,
}

/// Runs the command; the exit code says how it went.
pub async fn run(cli: Cli) -> ExitCode {
    let settings = match Settings::load(cli.config.as_deref()) {
        Ok(settings) => settings,
        Err(error) => {
            eprintln!("loyalty-server: {error}");
            return ExitCode::from(2);
        }
    };
    crate::telemetry::init(&settings.log.filter);
    match execute(cli.command.unwrap_or(Command::Serve), settings).await {
        Ok(code) => code,
        Err(error) => {
            eprintln!("loyalty-server: {error:#}");
            ExitCode::FAILURE
        }
    }
}

async fn execute(command: Command, settings: Settings) -> anyhow::Result<ExitCode> {
    match command {
        Command::Serve => {
            let app = Application::build(settings).await?;
            app.run_until_stopped().await?;
        }
        Command::Migrate => {
            open_database(&settings).await?;
            println!("database is up to date");
        }
        Command::SeedDemo => {
            let db = open_database(&settings).await?;
            let login = crate::demo::seed(&engine(&db))
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            login.print(&format!(
                "http://{}:{}",
                settings.server.host, settings.server.port
            ));
        }
        Command::RunJobs => {
            let db = open_database(&settings).await?;
            let loyalty = engine(&db);
            crate::jobs::points_jobs(&loyalty).await;
            crate::jobs::member_jobs(&loyalty).await;
        }
        Command::Dispatch => {
            let db = open_database(&settings).await?;
            let loyalty = engine(&db);
            let senders = crate::startup::gateways(&settings)?;
            let every = std::time::Duration::from_millis(
                settings.notifications.dispatch_interval_ms.max(100),
            );
            let doorbell = tokio::sync::Notify::new();
            tokio::select! {
                () = crate::jobs::dispatch_loop(&loyalty, &senders, settings.notifications.dispatch(), every, &doorbell) => {}
                _ = tokio::signal::ctrl_c() => tracing::info!("dispatcher stopped"),
            }
        }
        Command::VerifyLedger => {
            let db = open_database(&settings).await?;
            let engine = engine(&db);
            let drifts = engine.points().verify_ledger().await?;
            let mut money = engine.cards().drifts().await?;
            money.extend(engine.wallet().drifts().await?);
            for d in &money {
                println!(
                    "drift: merchant {} {}: holds {} / {} fen, its ledger sums to {} / {}",
                    d.merchant_id, d.account, d.held.0, d.held.1, d.ledger_sum.0, d.ledger_sum.1
                );
            }
            for d in &drifts {
                println!(
                    "drift: merchant {} member {}: balance {} ledger sum {} open lots {} last entry balance {}",
                    d.merchant_id,
                    d.member_id,
                    d.balance,
                    d.ledger_sum,
                    d.lots_sum,
                    d.last_balance_after
                        .map_or_else(|| "-".to_owned(), |p| p.to_string())
                );
            }
            if !drifts.is_empty() || !money.is_empty() {
                println!("{} account(s) drift", drifts.len() + money.len());
                return Ok(ExitCode::FAILURE);
            }
            println!("every balance matches its ledger and lots, every card and wallet its ledger");
        }
    }
    Ok(ExitCode::SUCCESS)
}
