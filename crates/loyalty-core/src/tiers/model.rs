use crate::kernel::{MemberId, MerchantId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Why a member's tier changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TierChangeReason {
    /// Growth crossed a threshold.
    Upgrade,
    /// A scheduled review found the growth no longer holds the tier.
    Downgrade,
}

impl TierChangeReason {
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Upgrade => "upgrade",
            Self::Downgrade => "downgrade",
        }
    }

    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        [Self::Upgrade, Self::Downgrade]
            .into_iter()
            .find(|k| k.as_str() == s)
    }
}

/// A line of a member's tier history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TierChange {
    pub id: uuid::Uuid,
    pub merchant_id: MerchantId,
    pub member_id: MemberId,
    pub from_tier: Option<String>,
    pub to_tier: String,
    pub reason: TierChangeReason,
    /// The growth value that decided it.
    pub growth: i64,
    pub created_at: DateTime<Utc>,
}
