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

use crate::error::ApiError;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Deserialize;
use utoipa::IntoParams;

/// `limit` (1–100, default 20) and an opaque `cursor` from a previous page.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct PageQuery {
    pub limit: Option<u64>,
    pub cursor: Option<String>,
}

impl PageQuery {
    pub fn limit(&self) -> u64 {
        self.limit.unwrap_or(20)
    }

    /// The ledger sequence number the cursor stands for.
    pub fn before_seq(&self) -> Result<Option<i64>, ApiError> {
        let Some(cursor) = &self.cursor else {
            return Ok(None);
        };
        URL_SAFE_NO_PAD
            .decode(cursor)
            .ok()
            .and_then(|raw| String::from_utf8(raw).ok())
            .and_then(|text| text.strip_prefix("seq:").and_then(|n| n.parse().ok()))
            .map(Some)
            .ok_or_else(|| ApiError::invalid("cursor", "is not a cursor this server gave out"))
    }
}

pub fn seq_cursor(seq: Option<i64>) -> Option<String> {
    seq.map(|s| URL_SAFE_NO_PAD.encode(format!("seq:{s}")))
}

/// A decimal money string from a request.
pub fn money(field: &str, value: &str) -> Result<loyalty_core::kernel::Money, ApiError> {
    value
        .parse()
        .map_err(|e: loyalty_core::kernel::InvalidValue| ApiError::invalid(field, e.message))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_garbage_is_refused() {
        let cursor = seq_cursor(Some(42)).expect("cursor");
        let q = PageQuery {
            limit: None,
            cursor: Some(cursor),
        };
        assert_eq!(q.before_seq().expect("valid"), Some(42));
        let bad = PageQuery {
            limit: None,
            cursor: Some("nonsense!".into()),
        };
        assert!(bad.before_seq().is_err());
    }
}
