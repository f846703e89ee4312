//! The report: a markdown table per database, the ratios to the references, and the targets.

use crate::load::Stats;
use serde::Serialize;
use std::fmt::Write as _;

#[derive(Debug, Serialize)]
pub struct EngineResult {
    pub engine: &'static str,
    pub scenarios: Vec<(String, Stats)>,
    /// Earn at 70 % of the saturating earn rate (open loop).
    pub at_70_percent: Option<(f64, Stats)>,
    pub reference_name: &'static str,
    pub reference_tps: Option<f64>,
    pub idle_rss_mib: Option<f64>,
    pub loaded_rss_mib: Option<f64>,
}

impl EngineResult {
    pub fn throughput(&self, scenario: &str) -> Option<f64> {
        self.scenarios
            .iter()
            .find(|(name, _)| name == scenario)
            .map(|(_, s)| s.throughput)
    }

    pub fn earn_ratio(&self) -> Option<f64> {
        Some(self.throughput("earn")? / self.reference_tps?)
    }
}

#[derive(Debug, Serialize)]
pub struct Report {
    pub date: String,
    pub machine: String,
    pub commit: String,
    pub duration_seconds: u64,
    pub clients: usize,
    pub members: usize,
    pub server_workers: usize,
    pub engines: Vec<EngineResult>,
}

fn ms(v: f64) -> String {
    format!("{v:.2}")
}

impl Report {
    pub fn markdown(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "# Benchmark report\n");
        let _ = writeln!(
            out,
            "- date: {}\n- machine: {}\n- commit: {}",
            self.date, self.machine, self.commit
        );
        let _ = writeln!(
            out,
            "- load: {} closed-loop clients for {} s per scenario, {} members, server with {} HTTP workers, client and server on the same machine\n",
            self.clients, self.duration_seconds, self.members, self.server_workers
        );
        for engine in &self.engines {
            let _ = writeln!(out, "## {}\n", engine.engine);
            let _ = writeln!(
                out,
                "| scenario | requests/s | p50 ms | p90 ms | p99 ms | max ms | errors |"
            );
            let _ = writeln!(out, "|---|---:|---:|---:|---:|---:|---:|");
            for (name, s) in &engine.scenarios {
                let _ = writeln!(
                    out,
                    "| {name} | {:.0} | {} | {} | {} | {} | {} |",
                    s.throughput,
                    ms(s.p50_ms),
                    ms(s.p90_ms),
                    ms(s.p99_ms),
                    ms(s.max_ms),
                    s.errors
                );
            }
            if let Some((rate, s)) = &engine.at_70_percent {
                let _ = writeln!(
                    out,
                    "| earn at {rate:.0}/s (70 % of saturation, open loop) | {:.0} | {} | {} | {} | {} | {} |",
                    s.throughput,
                    ms(s.p50_ms),
                    ms(s.p90_ms),
                    ms(s.p99_ms),
                    ms(s.max_ms),
                    s.errors
                );
            }
            let _ = writeln!(out);
            if let Some(tps) = engine.reference_tps {
                let _ = writeln!(
                    out,
                    "{} reference: {tps:.0} transactions/s",
                    engine.reference_name
                );
            }
            if let Some(ratio) = engine.earn_ratio() {
                let _ = writeln!(
                    out,
                    "earn ratio to {} reference: {ratio:.2}",
                    engine.reference_name
                );
            }
            if let (Some(idle), Some(loaded)) = (engine.idle_rss_mib, engine.loaded_rss_mib) {
                let _ = writeln!(
                    out,
                    "server RSS: {idle:.1} MiB idle, {loaded:.1} MiB after the load"
                );
            }
            let _ = writeln!(out);
        }
        let _ = writeln!(out, "## Targets\n");
        let _ = writeln!(out, "| target | measured | met |");
        let _ = writeln!(out, "|---|---|---|");
        for engine in &self.engines {
            if let Some(ratio) = engine.earn_ratio() {
                let _ = writeln!(
                    out,
                    "| earn over HTTP ≥ 50 % of the {} reference ({}) | {:.0} % | {} |",
                    engine.reference_name,
                    engine.engine,
                    ratio * 100.0,
                    yes(ratio >= 0.5)
                );
            }
            if let Some((_, s)) = &engine.at_70_percent {
                let _ = writeln!(
                    out,
                    "| p99 < 25 ms at 70 % of saturation ({}) | {} ms | {} |",
                    engine.engine,
                    ms(s.p99_ms),
                    yes(s.p99_ms < 25.0)
                );
            }
            if let Some(idle) = engine.idle_rss_mib {
                let _ = writeln!(
                    out,
                    "| idle server RSS < 64 MB ({}) | {idle:.1} MiB | {} |",
                    engine.engine,
                    yes(idle < 61.0)
                );
            }
        }
        out
    }
}

fn yes(met: bool) -> &'static str {
    if met { "yes" } else { "no" }
}
