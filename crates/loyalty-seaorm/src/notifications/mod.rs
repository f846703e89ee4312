//! The outbox of messages to members, and their WeChat subscriptions.

pub(crate) mod entities;
mod leases;
mod repository;
mod rows;
