//! Settings as stored, and back: a body that does not decode is corrupt data.

use crate::errors::corrupt;
use crate::settings::entities::merchant_settings;
use crate::shared::from_json;
use chrono::{DateTime, Utc};
use loyalty_core::kernel::StaffId;
use loyalty_core::kernel::StoreError;
use loyalty_core::settings::{Setting, Versioned};
use serde::de::DeserializeOwned;

pub(super) fn versioned<T: DeserializeOwned>(
    row: &merchant_settings::Model,
) -> Result<Versioned<T>, StoreError> {
    Ok(Versioned {
        version: row.version,
        value: from_json(&row.body, &row.kind)?,
        updated_at: row.updated_at,
        updated_by: row.updated_by.map(StaffId::from_uuid),
    })
}

/// A setting the merchant never saved: its default, as version 0.
pub(super) fn unsaved<T>(value: T) -> Versioned<T> {
    Versioned {
        version: 0,
        value,
        updated_at: DateTime::<Utc>::UNIX_EPOCH,
        updated_by: None,
    }
}

pub(super) fn body(setting: &Setting) -> Result<String, StoreError> {
    match setting {
        Setting::Earning(p) => serde_json::to_string(p),
        Setting::Expiry(p) => serde_json::to_string(p),
        Setting::Tiers(p) => serde_json::to_string(p),
        Setting::Notifications(p) => serde_json::to_string(p),
        Setting::Checkout(p) => serde_json::to_string(p),
    }
    .map_err(|e| corrupt("setting", e))
}
