//! The load generator: closed loop (C clients, each sending its next request when the last
//! is answered) to find the saturating rate, and open loop (a fixed arrival rate, latency
//! measured from the scheduled send time, so a slow server cannot hide its queue).

use hdrhistogram::Histogram;
use serde::Serialize;
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tokio::sync::Mutex;

#[derive(Debug, Clone, Serialize)]
pub struct Stats {
    pub requests: u64,
    pub errors: u64,
    pub seconds: f64,
    pub throughput: f64,
    pub p50_ms: f64,
    pub p90_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
}

fn new_histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, 60_000_000, 3).expect("valid histogram bounds")
}

fn stats(h: &Histogram<u64>, errors: u64, elapsed: Duration) -> Stats {
    let ms = |v: u64| v as f64 / 1000.0;
    let requests = h.len() + errors;
    let seconds = elapsed.as_secs_f64();
    Stats {
        requests,
        errors,
        seconds,
        throughput: h.len() as f64 / seconds,
        p50_ms: ms(h.value_at_quantile(0.50)),
        p90_ms: ms(h.value_at_quantile(0.90)),
        p99_ms: ms(h.value_at_quantile(0.99)),
        max_ms: ms(h.max()),
    }
}

/// `op(i)` is one request; `Ok` counts as served, `Err` as an error.
pub async fn closed_loop<F, Fut>(clients: usize, duration: Duration, op: F) -> Stats
where
    F: Fn(u64) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<(), String>> + Send,
{
    let op = Arc::new(op);
    let counter = Arc::new(AtomicU64::new(0));
    let errors = Arc::new(AtomicU64::new(0));
    let merged = Arc::new(Mutex::new(new_histogram()));
    let start = Instant::now();
    let tasks: Vec<_> = (0..clients)
        .map(|_| {
            let (op, counter, errors, merged) =
                (op.clone(), counter.clone(), errors.clone(), merged.clone());
            tokio::spawn(async move {
                let mut h = new_histogram();
                while start.elapsed() < duration {
                    let i = counter.fetch_add(1, Ordering::Relaxed);
                    let sent = Instant::now();
                    match op(i).await {
                        Ok(()) => {
                            let _ = h.record(sent.elapsed().as_micros() as u64);
                        }
                        Err(_) => {
                            errors.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                }
                let _ = merged.lock().await.add(&h);
            })
        })
        .collect();
    for task in tasks {
        let _ = task.await;
    }
    let elapsed = start.elapsed();
    let h = merged.lock().await;
    stats(&h, errors.load(Ordering::Relaxed), elapsed)
}

/// Sends `rate` requests a second for `duration`, each on its own task.
pub async fn open_loop<F, Fut>(rate: f64, duration: Duration, op: F) -> Stats
where
    F: Fn(u64) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<(), String>> + Send + 'static,
{
    let op = Arc::new(op);
    let errors = Arc::new(AtomicU64::new(0));
    let merged = Arc::new(std::sync::Mutex::new(new_histogram()));
    let interval = Duration::from_secs_f64(1.0 / rate.max(1.0));
    let start = Instant::now();
    let mut tasks = Vec::new();
    let mut i = 0_u64;
    loop {
        let scheduled = start + interval.mul_f64(i as f64);
        if scheduled.duration_since(start) >= duration {
            break;
        }
        tokio::time::sleep_until(scheduled.into()).await;
        let (op, errors, merged) = (op.clone(), errors.clone(), merged.clone());
        tasks.push(tokio::spawn(async move {
            match op(i).await {
                Ok(()) => {
                    let latency = scheduled.elapsed().as_micros() as u64;
                    let _ = merged
                        .lock()
                        .unwrap_or_else(std::sync::PoisonError::into_inner)
                        .record(latency);
                }
                Err(_) => {
                    errors.fetch_add(1, Ordering::Relaxed);
                }
            }
        }));
        i += 1;
    }
    for task in tasks {
        let _ = task.await;
    }
    let elapsed = start.elapsed();
    let h = merged
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    stats(&h, errors.load(Ordering::Relaxed), elapsed)
}

/// Latencies of requests sent one at a time (each alone on the server): the latency of the
/// request itself, with nothing queued before it.
pub struct Recorder {
    h: Histogram<u64>,
    errors: u64,
    busy: Duration,
}

impl Recorder {
    pub fn new() -> Self {
        Self {
            h: new_histogram(),
            errors: 0,
            busy: Duration::ZERO,
        }
    }

    /// Sends `request` and records how long it took (`Err` counts as an error).
    pub async fn time(&mut self, request: impl Future<Output = Result<(), String>>) {
        let sent = Instant::now();
        match request.await {
            Ok(()) => {
                let _ = self.h.record(sent.elapsed().as_micros() as u64);
            }
            Err(_) => self.errors += 1,
        }
        self.busy += sent.elapsed();
    }

    pub fn stats(&self) -> Stats {
        stats(&self.h, self.errors, self.busy)
    }
}
