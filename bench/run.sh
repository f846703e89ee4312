#!/usr/bin/env bash
# One command for the whole comparison: builds the release binaries, starts the server on
# SQLite and on PostgreSQL, runs every scenario and the references, and writes
# bench/results/latest.md. Extra arguments go to `loyalty-bench compare` (see --help).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -p loyalty-server -p loyalty-bench
exec target/release/loyalty-bench compare "$@"
