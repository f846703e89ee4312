//! A client for the WeChat mini-program server API: login (`code2Session`), the user's phone
//! number, subscribe messages and the access token they need.
//!
//! Contracts kept by every call:
//! - WeChat's `errcode` is read from the body whatever the HTTP status and mapped to
//!   [`WeChatError`]; errcode -1 ("system busy") is retried per [`BusyRetry`].
//! - Calls that use the access token retry once with a fresh token when WeChat says the token
//!   is invalid or expired (40001, 42001, 40014).
//! - Nothing secret is logged or printed: the app secret ([`Secret`]), session keys
//!   ([`SessionKey`]), login/phone codes and access tokens appear in no log line, no `Debug`
//!   output and no error message. One `debug` line per request names the endpoint, the attempt
//!   and the errcode.

mod auth;
mod client;
mod clock;
mod config;
mod error;
mod gateway;
mod message;
mod session;
mod token;
mod transport;

pub use auth::DevWeChatAuth;
pub use client::WeChatClient;
pub use clock::{Clock, SystemClock};
pub use config::{BusyRetry, DEFAULT_BASE_URL, Secret, WeChatConfig};
pub use error::{ConfigError, WeChatError};
pub use gateway::{LogWechatGateway, NoWechatGateway};
pub use message::{Lang, MiniProgramState, SubscribeMessage};
pub use session::{PhoneInfo, Session, SessionKey};
