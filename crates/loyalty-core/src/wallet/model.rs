//! The merchant wallet (我的钱包): money the platform collected for the merchant (payments
//! by the merchant's payment code, 收款码), its ledger, and withdrawals (提现) the platform
//! reviews (审核).

use crate::kernel::{MerchantId, Money, StaffId, WithdrawalId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A merchant's wallet: what it may withdraw, and what withdrawals under review hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Wallet {
    pub merchant_id: MerchantId,
    pub available: Money,
    pub pending: Money,
}

impl Wallet {
    #[must_use]
    pub const fn empty(merchant_id: MerchantId) -> Self {
        Self {
            merchant_id,
            available: Money::ZERO,
            pending: Money::ZERO,
        }
    }
}

/// What moved a wallet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum WalletEntryKind {
    /// A payment by the merchant's payment code landed (available goes up).
    Payment,
    /// A withdrawal was applied for (available to pending).
    WithdrawalHeld,
    /// The platform approved and paid it out (pending goes down).
    WithdrawalPaid,
    /// The platform rejected it (pending back to available).
    WithdrawalReturned,
}

impl WalletEntryKind {
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Payment => "payment",
            Self::WithdrawalHeld => "withdrawal_held",
            Self::WithdrawalPaid => "withdrawal_paid",
            Self::WithdrawalReturned => "withdrawal_returned",
        }
    }

    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        [
            Self::Payment,
            Self::WithdrawalHeld,
            Self::WithdrawalPaid,
            Self::WithdrawalReturned,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }
}

/// One movement of a wallet. `(merchant, kind, source_ref)` is unique: a payment lands once,
/// a withdrawal is held once; and a withdrawal is settled (paid or returned) once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WalletEntry {
    pub id: Uuid,
    pub merchant_id: MerchantId,
    pub kind: WalletEntryKind,
    /// Changes in fen.
    pub available_delta: i64,
    pub pending_delta: i64,
    pub available_after: Money,
    pub pending_after: Money,
    /// The payment's reference at the payment provider, or the withdrawal's id.
    pub source_ref: String,
    pub created_at: DateTime<Utc>,
}

/// Where a withdrawal is. `pending → approved | rejected`, once, by a compare-and-set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum WithdrawalStatus {
    Pending,
    Approved,
    Rejected,
}

impl WithdrawalStatus {
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Approved => "approved",
            Self::Rejected => "rejected",
        }
    }

    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        [Self::Pending, Self::Approved, Self::Rejected]
            .into_iter()
            .find(|k| k.as_str() == s)
    }
}

/// HQ's application to take money out of the wallet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WalletWithdrawal {
    pub id: WithdrawalId,
    pub merchant_id: MerchantId,
    pub amount: Money,
    pub status: WithdrawalStatus,
    /// HQ's note for the platform (which account, what for).
    pub note: Option<String>,
    pub requested_by: Option<StaffId>,
    pub requested_at: DateTime<Utc>,
    pub reviewed_at: Option<DateTime<Utc>>,
    /// The platform's reason (required to reject).
    pub review_note: Option<String>,
}
