//! Merchants, their stores and staff accounts as HQ and the platform see them.

use chrono::{DateTime, Utc};
use loyalty_core::merchants::{Merchant, Staff, Store};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

#[derive(Debug, Serialize, ToSchema)]
pub struct MerchantView {
    pub id: Uuid,
    pub code: String,
    pub name: String,
    pub time_zone: String,
}

impl From<&Merchant> for MerchantView {
    fn from(m: &Merchant) -> Self {
        Self {
            id: m.id.as_uuid(),
            code: m.code.clone(),
            name: m.name.clone(),
            time_zone: m.time_zone.name().to_owned(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StoreView {
    pub id: Uuid,
    pub name: String,
    pub is_default: bool,
    pub active: bool,
    pub created_at: DateTime<Utc>,
}

impl From<&Store> for StoreView {
    fn from(s: &Store) -> Self {
        Self {
            id: s.id.as_uuid(),
            name: s.name.clone(),
            is_default: s.is_default,
            active: s.active,
            created_at: s.created_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StaffView {
    pub id: Uuid,
    pub username: String,
    pub display_name: String,
    #[schema(value_type = String, example = "owner")]
    pub role: loyalty_core::merchants::StaffRole,
    /// The stores a store manager or cashier works in (empty: all).
    pub store_ids: Vec<Uuid>,
    pub disabled: bool,
}

impl From<&Staff> for StaffView {
    fn from(s: &Staff) -> Self {
        Self {
            id: s.id.as_uuid(),
            username: s.username.clone(),
            display_name: s.display_name.clone(),
            role: s.role,
            store_ids: s.store_ids.iter().map(|id| id.as_uuid()).collect(),
            disabled: s.disabled,
        }
    }
}
