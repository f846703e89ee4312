//! Merchants, stores and staff as stored, and back: a row that does not decode is corrupt data.

use crate::errors::corrupt;
use crate::merchants::entities::{merchants, staff, stores};
use loyalty_core::kernel::{MerchantId, MerchantTimeZone, StoreError, StoreId};
use loyalty_core::merchants::{Merchant, Staff, StaffRole, Store};
use sea_orm::ActiveValue::Set;

pub(super) fn merchant_from(m: merchants::Model) -> Result<Merchant, StoreError> {
    Ok(Merchant {
        id: MerchantId::from_uuid(m.id),
        code: m.code,
        name: m.name,
        time_zone: MerchantTimeZone::parse(&m.time_zone).map_err(|e| corrupt("time zone", e))?,
        created_at: m.created_at,
    })
}

pub(super) fn store_from(s: stores::Model) -> Store {
    Store {
        id: StoreId::from_uuid(s.id),
        merchant_id: MerchantId::from_uuid(s.merchant_id),
        name: s.name,
        is_default: s.is_default,
        active: s.active,
        created_at: s.created_at,
    }
}

pub(super) fn store_row(s: &Store) -> stores::ActiveModel {
    stores::ActiveModel {
        id: Set(s.id.as_uuid()),
        merchant_id: Set(s.merchant_id.as_uuid()),
        name: Set(s.name.clone()),
        is_default: Set(s.is_default),
        active: Set(s.active),
        created_at: Set(s.created_at),
    }
}

pub(super) fn merchant_row(m: &Merchant) -> merchants::ActiveModel {
    merchants::ActiveModel {
        id: Set(m.id.as_uuid()),
        code: Set(m.code.clone()),
        name: Set(m.name.clone()),
        time_zone: Set(m.time_zone.name().to_owned()),
        // Superseded by `merchant_settings` (see migration 2); kept neutral.
        earn_points_per_unit: Set(1),
        earn_unit_fen: Set(100),
        earn_rounding: Set("floor".to_owned()),
        points_validity_days: Set(None),
        created_at: Set(m.created_at),
    }
}

pub(super) fn staff_from(s: staff::Model, store_ids: Vec<StoreId>) -> Result<Staff, StoreError> {
    Ok(Staff {
        id: s.id.into(),
        merchant_id: s.merchant_id.into(),
        role: StaffRole::parse(&s.role).ok_or_else(|| corrupt("staff role", &s.role))?,
        username: s.username,
        display_name: s.display_name,
        password_hash: s.password_hash,
        disabled: s.disabled,
        store_ids,
        token_version: s.token_version,
        created_at: s.created_at,
    })
}

pub(super) fn staff_row(s: &Staff) -> staff::ActiveModel {
    staff::ActiveModel {
        id: Set(s.id.as_uuid()),
        merchant_id: Set(s.merchant_id.as_uuid()),
        username: Set(s.username.clone()),
        display_name: Set(s.display_name.clone()),
        role: Set(s.role.as_str().to_owned()),
        password_hash: Set(s.password_hash.clone()),
        disabled: Set(s.disabled),
        token_version: Set(s.token_version),
        created_at: Set(s.created_at),
    }
}
