use crate::kernel::{MerchantId, MerchantTimeZone, StaffId, StoreId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A tenant: a chain merchant with its stores, members and rules.
#[derive(Debug, Clone, PartialEq)]
pub struct Merchant {
    pub id: MerchantId,
    /// The merchant number (商户号) staff type when they sign in; unique on the platform.
    pub code: String,
    pub name: String,
    pub time_zone: MerchantTimeZone,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Store {
    pub id: StoreId,
    pub merchant_id: MerchantId,
    pub name: String,
    /// Exactly one store of a merchant is the default (where online orders land).
    pub is_default: bool,
    pub active: bool,
    pub created_at: DateTime<Utc>,
}

/// What staff may do; checked by the HTTP layer's extractors.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StaffRole {
    Owner,
    Admin,
    StoreManager,
    Cashier,
}

impl StaffRole {
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Owner => "owner",
            Self::Admin => "admin",
            Self::StoreManager => "store_manager",
            Self::Cashier => "cashier",
        }
    }

    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        [Self::Owner, Self::Admin, Self::StoreManager, Self::Cashier]
            .into_iter()
            .find(|r| r.as_str() == s)
    }

    /// HQ roles manage settings, stores and manual adjustments.
    #[must_use]
    pub const fn is_headquarters(self) -> bool {
        matches!(self, Self::Owner | Self::Admin)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Staff {
    pub id: StaffId,
    pub merchant_id: MerchantId,
    pub username: String,
    pub display_name: String,
    pub role: StaffRole,
    /// An argon2id PHC string; never the password.
    pub password_hash: String,
    pub disabled: bool,
    /// The stores a store manager or cashier works in (empty for owners and admins, who
    /// work in all).
    pub store_ids: Vec<StoreId>,
    /// Tokens carry the version they were issued under; raising it revokes them.
    pub token_version: i64,
    pub created_at: DateTime<Utc>,
}
