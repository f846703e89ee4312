//! The HTTP handlers: deserialize, convert to domain commands, call the engine, map the
//! result. No business rule lives here.

pub mod cards;
pub mod coupons;
pub mod health;
pub mod member;
pub mod member_coupons;
pub mod members;
pub mod merchant;
pub mod notifications;
pub mod orders;
pub mod platform;
pub mod settings;
pub mod staff;
pub mod wallet;
