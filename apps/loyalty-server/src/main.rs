use clap::Parser;
use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    loyalty_server::cli::run(loyalty_server::cli::Cli::parse()).await
}
