//! SMS for the loyalty engine: one provider-neutral [`SmsProvider`] trait and its adapters for
//! Aliyun SMS ([`aliyun::AliyunSms`]), Tencent Cloud SMS ([`tencent::TencentSms`]) and the log
//! ([`LogSmsProvider`], for development).
//!
//! Contracts kept by every adapter:
//! - A failure is classified once, here, so a dispatcher can decide without knowing the provider:
//!   [`SmsError::Retryable`] (send again later), [`SmsError::Throttled`] (send again after the
//!   provider's flow control lets go) or [`SmsError::Rejected`] (sending again cannot help).
//!   Each carries the provider's own code and message.
//! - The message's `dedup_key` (the event id) travels with the request (Aliyun `OutId`, Tencent
//!   `SessionContext`) so delivery reports can be matched to events. Neither provider
//!   deduplicates on it: a request that timed out may still have been delivered, and sending it
//!   again may deliver it twice.
//! - Nothing secret is logged or printed: the access key secret ([`Secret`]) appears in no log
//!   line, no `Debug` output and no error; phone numbers appear in logs only masked
//!   ([`mask_phone`]).
//!
//! [`Gateway`] puts a provider behind the engine's `SmsGateway` port, chosen by
//! [`SmsSettings`]; [`billable_parts`] (the engine's rule) tells how many SMS a text is billed
//! as.

pub mod aliyun;
mod error;
mod gateway;
mod http;
mod log;
mod message;
mod phone;
pub mod tencent;

pub use error::{ConfigError, SmsError};
pub use gateway::{Gateway, SmsSettings};
pub use log::LogSmsProvider;
pub use loyalty_core::kernel::Secret;
pub use loyalty_core::notifications::billable_parts;
pub use message::{SmsMessage, SmsProvider, SmsReceipt};
pub use phone::mask_phone;
