//! Where the CPU went during a scenario: the server process, the load generator (this
//! process) and PostgreSQL's processes, in cores used on average. All share one machine.

use serde::Serialize;
use std::time::Instant;

/// CPU seconds (user + system) of one process, from `/proc/<pid>/stat`.
fn process_seconds(pid: &str) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the command name (which may contain spaces) start after the last ')'.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks: f64 = fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
    Some(ticks / 100.0)
}

fn postgres_seconds() -> f64 {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return 0.0;
    };
    entries
        .filter_map(Result::ok)
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|pid| pid.bytes().all(|b| b.is_ascii_digit()))
        .filter(|pid| {
            std::fs::read_to_string(format!("/proc/{pid}/comm"))
                .is_ok_and(|c| c.trim() == "postgres")
        })
        .filter_map(|pid| process_seconds(&pid))
        .sum()
}

#[derive(Debug, Clone, Serialize)]
pub struct CpuSplit {
    pub server_cores: f64,
    pub load_generator_cores: f64,
    pub postgres_cores: f64,
}

pub struct CpuMeter {
    server_pid: String,
    started: Instant,
    server: f64,
    me: f64,
    postgres: f64,
}

impl CpuMeter {
    pub fn start(server_pid: u32) -> Self {
        let server_pid = server_pid.to_string();
        Self {
            server: process_seconds(&server_pid).unwrap_or(0.0),
            me: process_seconds("self").unwrap_or(0.0),
            postgres: postgres_seconds(),
            server_pid,
            started: Instant::now(),
        }
    }

    pub fn stop(&self) -> CpuSplit {
        let wall = self.started.elapsed().as_secs_f64().max(1e-9);
        CpuSplit {
            server_cores: (process_seconds(&self.server_pid).unwrap_or(0.0) - self.server) / wall,
            load_generator_cores: (process_seconds("self").unwrap_or(0.0) - self.me) / wall,
            postgres_cores: (postgres_seconds() - self.postgres) / wall,
        }
    }
}
