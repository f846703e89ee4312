use crate::kernel::{EntryId, LotId, MemberId, MerchantId, Points, StaffId, StoreId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Why a ledger entry exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EntryKind {
    Earn,
    Spend,
    Expire,
    Adjust,
    Reverse,
    /// Spent points given back (a refund of an order that used points as cash).
    Return,
}

impl EntryKind {
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Earn => "earn",
            Self::Spend => "spend",
            Self::Expire => "expire",
            Self::Adjust => "adjust",
            Self::Reverse => "reverse",
            Self::Return => "return",
        }
    }

    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        [
            Self::Earn,
            Self::Spend,
            Self::Expire,
            Self::Adjust,
            Self::Reverse,
            Self::Return,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }
}

/// The business event behind an entry. `(merchant, kind, source_type, source_id)` is unique:
/// a replayed event cannot move points twice even without an idempotency key.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Source {
    pub source_type: String,
    pub source_id: String,
}

impl Source {
    #[must_use]
    pub fn new(source_type: &str, source_id: impl ToString) -> Self {
        Self {
            source_type: source_type.to_owned(),
            source_id: source_id.to_string(),
        }
    }
}

/// An immutable line of a member's points history (积分明细).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LedgerEntry {
    pub id: EntryId,
    pub merchant_id: MerchantId,
    pub member_id: MemberId,
    /// 1, 2, 3 … per member, in the order the entries were applied.
    pub seq: i64,
    pub kind: EntryKind,
    /// Signed change of the balance.
    pub delta: Points,
    pub balance_after: Points,
    /// A stable machine code for why (`order_earn`, `manual`, `lot_expired` …).
    pub reason_code: String,
    /// What the member reads (`消费得积分`).
    pub title: String,
    pub store_id: Option<StoreId>,
    pub source: Source,
    pub operator_id: Option<StaffId>,
    /// Points that should have been taken back but were not there (claw-back to zero).
    pub shortfall: Points,
    /// The earning policy version that computed an earn entry.
    pub policy_version: Option<i64>,
    pub created_at: DateTime<Utc>,
}

/// A lot of earned points: all the member's points that expire at one instant (or never).
/// Its remaining amount is what spending and expiry consume; credits expiring then add to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lot {
    pub id: LotId,
    pub merchant_id: MerchantId,
    pub member_id: MemberId,
    /// The credit entry that opened it.
    pub entry_id: EntryId,
    /// Every point credited to it.
    pub amount: Points,
    pub remaining: Points,
    /// When its first points were earned.
    pub earned_at: DateTime<Utc>,
    /// `None`: never expires.
    pub expires_at: Option<DateTime<Utc>>,
}
