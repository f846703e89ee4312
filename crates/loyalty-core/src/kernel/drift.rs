//! A money account that disagrees with its ledger.

use crate::kernel::MerchantId;

/// A money account (a card, a wallet) whose amounts disagree with the sum of its ledger
/// (fen).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MoneyDrift {
    pub merchant_id: MerchantId,
    /// `card <id>` or `wallet`.
    pub account: String,
    /// Principal and bonus of a card; available and pending of a wallet.
    pub held: (i64, i64),
    pub ledger_sum: (i64, i64),
}
