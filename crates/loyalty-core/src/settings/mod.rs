//! A merchant's rule settings. Each kind is saved whole and versioned: a change is a new
//! version, and what it replaced stays on record.

mod error;
mod ports;
mod usecases;

pub use error::VERSION;
#[cfg(any(test, feature = "mocks"))]
pub use ports::MockSettingsRepository;
pub use ports::SettingsRepository;
pub use ports::SettingsTx;

use crate::checkout::CheckoutSettings;
use crate::kernel::{CouponTemplateId, StaffId, StoreId};
use crate::notifications::NotificationSettings;
use crate::points::EarningPolicy;
use crate::points::ExpiryPolicy;
use crate::tiers::TierPolicy;
use chrono::{DateTime, Utc};

/// A saved setting with its version (1, 2, 3 … per merchant and kind).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Versioned<T> {
    pub version: i64,
    pub value: T,
    pub updated_at: DateTime<Utc>,
    pub updated_by: Option<StaffId>,
}

/// Every rule setting of a merchant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MerchantSettings {
    pub earning: Versioned<EarningPolicy>,
    pub expiry: Versioned<ExpiryPolicy>,
    /// `None` until the merchant sets up a tier ladder.
    pub tiers: Option<Versioned<TierPolicy>>,
    /// What members are told, and how (nothing until set up).
    pub notifications: Versioned<NotificationSettings>,
    /// Points as cash, coupon verification and refund rules, coupon gifts.
    pub checkout: Versioned<CheckoutSettings>,
}

/// One setting to save.
// Saved a few times a year: the size of the earning variant does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Setting {
    Earning(EarningPolicy),
    Expiry(ExpiryPolicy),
    Tiers(TierPolicy),
    Notifications(NotificationSettings),
    Checkout(CheckoutSettings),
}

/// The kinds of settings, as stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SettingKind {
    Earning,
    Expiry,
    Tiers,
    Notifications,
    Checkout,
}

impl SettingKind {
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Earning => "earning",
            Self::Expiry => "points_expiry",
            Self::Tiers => "tiers",
            Self::Notifications => "notifications",
            Self::Checkout => "checkout",
        }
    }

    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        [
            Self::Earning,
            Self::Expiry,
            Self::Tiers,
            Self::Notifications,
            Self::Checkout,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }
}

impl Setting {
    #[must_use]
    pub const fn kind(&self) -> SettingKind {
        match self {
            Self::Earning(_) => SettingKind::Earning,
            Self::Expiry(_) => SettingKind::Expiry,
            Self::Tiers(_) => SettingKind::Tiers,
            Self::Notifications(_) => SettingKind::Notifications,
            Self::Checkout(_) => SettingKind::Checkout,
        }
    }

    /// The stores and coupon templates the setting names: each must be the merchant's.
    #[must_use]
    pub fn references(&self) -> (Vec<StoreId>, Vec<CouponTemplateId>) {
        match self {
            Self::Earning(p) => (
                p.store_multipliers.iter().map(|m| m.store_id).collect(),
                vec![],
            ),
            Self::Checkout(c) => (
                vec![],
                c.gifts
                    .registration
                    .iter()
                    .chain(&c.gifts.birthday)
                    .copied()
                    .collect(),
            ),
            Self::Expiry(_) | Self::Tiers(_) | Self::Notifications(_) => (vec![], vec![]),
        }
    }

    /// # Errors
    /// What the setting's own validation refuses.
    pub fn validate(&self) -> Result<(), crate::kernel::InvalidValue> {
        match self {
            Self::Earning(p) => p.validate(),
            Self::Expiry(p) => p.validate(),
            Self::Tiers(p) => p.validate(),
            Self::Notifications(p) => p.validate(),
            Self::Checkout(p) => p.validate(),
        }
    }
}

crate::engine::service!(
    SettingsService,
    settings,
    "Merchants' versioned rule settings."
);
