//! The server under test, as its own process (so its memory can be measured apart from the
//! load generator), on a database the bench chose.

use anyhow::{Context, bail};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub const PLATFORM_KEY: &str = "bench-platform-key-0123456789";

pub struct ServerProcess {
    child: Child,
    pub base: String,
}

/// The `loyalty-server` binary beside this one (same profile), brought up to date first when
/// run from the workspace, so `cargo run --release -p loyalty-bench -- compare` is enough.
fn server_binary() -> anyhow::Result<PathBuf> {
    let me = std::env::current_exe()?;
    let dir = me.parent().context("no folder")?;
    if std::path::Path::new("Cargo.toml").exists() {
        let mut build = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
        // The same package set as bench/run.sh, so features unify alike and nothing rebuilds.
        build.args(["build", "-q", "-p", "loyalty-server", "-p", "loyalty-bench"]);
        if dir.ends_with("release") {
            build.arg("--release");
        }
        let status = build.status().context("cannot run cargo build")?;
        if !status.success() {
            bail!("cargo build -p loyalty-server failed");
        }
    }
    let path = dir.join("loyalty-server");
    if !path.exists() {
        bail!(
            "{} is missing: build it first (cargo build --release -p loyalty-server)",
            path.display()
        );
    }
    Ok(path)
}

fn free_port() -> anyhow::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

impl ServerProcess {
    /// Starts the server on `database_url` with `workers` HTTP workers and waits until it is
    /// ready.
    pub async fn start(database_url: &str, workers: usize) -> anyhow::Result<Self> {
        let port = free_port()?;
        let child = Command::new(server_binary()?)
            .arg("serve")
            .env("LOYALTY__SERVER__PORT", port.to_string())
            .env("LOYALTY__SERVER__WORKERS", workers.to_string())
            .env("LOYALTY__SERVER__EXPIRY_INTERVAL_SECONDS", "0")
            .env("LOYALTY__DATABASE__URL", database_url)
            .env("LOYALTY__PLATFORM__API_KEY", PLATFORM_KEY)
            .env(
                "LOYALTY__AUTH__TOKEN_SECRET",
                "bench-token-secret-of-32-bytes-or-more",
            )
            .env("LOYALTY__DEMO__SEED_ON_FIRST_START", "false")
            .env("LOYALTY__LOG__FILTER", "warn")
            .env_remove("RUST_LOG")
            .stdout(Stdio::null())
            .spawn()
            .context("cannot start loyalty-server")?;
        let server = Self {
            child,
            base: format!("http://127.0.0.1:{port}"),
        };
        let client = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline {
            let ready = client.get(format!("{}/readyz", server.base)).send().await;
            if ready.is_ok_and(|r| r.status().is_success()) {
                return Ok(server);
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        bail!("loyalty-server did not become ready within 60 s")
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Resident memory of the server process, in MiB.
    pub fn rss_mib(&self) -> Option<f64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).ok()?;
        let kib: f64 = status
            .lines()
            .find(|l| l.starts_with("VmRSS:"))?
            .split_whitespace()
            .nth(1)?
            .parse()
            .ok()?;
        Some(kib / 1024.0)
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
