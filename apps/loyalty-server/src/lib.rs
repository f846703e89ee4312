//! The loyalty engine's HTTP server and command line: actix-web handlers over
//! `loyalty-core`, persistence by `loyalty-seaorm`.

pub mod auth;
pub mod cli;
pub mod config;
pub mod demo;
pub mod error;
pub mod http;
pub mod jobs;
pub mod member;
pub mod merchant;
pub mod notify;
pub mod ops;
pub mod platform;
pub mod shared;
pub mod startup;
pub mod state;
pub mod telemetry;
pub mod throttle;
pub mod tokens;

pub use config::Settings;
pub use startup::Application;
