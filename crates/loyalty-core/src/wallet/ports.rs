use crate::kernel::{MoneyDrift, UniqueKey};

/// A wallet ledger entry settling this source exists: it moved the wallet already.
pub const WALLET_ENTRY_SOURCE_KEY: UniqueKey =
    UniqueKey::new("wallet_entry_source", "already_applied");
use crate::kernel::StoreError;
use crate::kernel::{MerchantId, WithdrawalId};
use crate::wallet::{Wallet, WalletEntry, WalletWithdrawal, WithdrawalStatus};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use uuid::Uuid;

/// Merchant wallets, their ledger and their withdrawals.
///
/// Amounts and states change only by conditional statements; amounts are fen (> 0).
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait WalletRepository: Send {
    /// The merchant's wallet (empty when nothing has landed yet).
    ///
    /// # Errors
    /// [`StoreError::Backend`] on failure.
    async fn wallet(&mut self, merchant: MerchantId) -> Result<Wallet, StoreError>;

    /// Adds `amount` to what is available (making the wallet if it has none); answers the
    /// wallet after.
    ///
    /// # Errors
    /// [`StoreError::Backend`] on failure.
    async fn credit_wallet(
        &mut self,
        merchant: MerchantId,
        amount: i64,
    ) -> Result<Wallet, StoreError>;

    /// Moves `amount` from available to pending, only if that much is available; answers
    /// the wallet after, or `None` when refused (nothing changes then).
    ///
    /// # Errors
    /// [`StoreError::Backend`] on failure.
    async fn hold_in_wallet(
        &mut self,
        merchant: MerchantId,
        amount: i64,
    ) -> Result<Option<Wallet>, StoreError>;

    /// Takes `amount` out of pending, only if pending holds it: paid out, or back to
    /// available when `give_back`. Answers the wallet after, or `None` when refused.
    ///
    /// # Errors
    /// [`StoreError::Backend`] on failure.
    async fn release_from_wallet(
        &mut self,
        merchant: MerchantId,
        amount: i64,
        give_back: bool,
    ) -> Result<Option<Wallet>, StoreError>;

    /// # Errors
    /// [`StoreError::Unique`] with [`WALLET_ENTRY_SOURCE_KEY`] when the entry's
    /// source moved the wallet this way already, or when it settles (pays out or returns) a
    /// withdrawal settled already; [`StoreError::Backend`] otherwise.
    async fn insert_wallet_entry(&mut self, entry: &WalletEntry) -> Result<(), StoreError>;

    /// The wallet's entries, newest first, before `before`, at most `limit`.
    ///
    /// # Errors
    /// [`StoreError::Backend`] on failure.
    async fn wallet_entries(
        &mut self,
        merchant: MerchantId,
        before: Option<Uuid>,
        limit: u64,
    ) -> Result<Vec<WalletEntry>, StoreError>;

    /// Every wallet whose available or pending amount is not the sum of its ledger.
    ///
    /// # Errors
    /// [`StoreError::Backend`] on failure.
    async fn wallet_drifts(&mut self) -> Result<Vec<MoneyDrift>, StoreError>;

    /// # Errors
    /// [`StoreError::Backend`] on failure.
    async fn insert_withdrawal(&mut self, withdrawal: &WalletWithdrawal) -> Result<(), StoreError>;

    /// A withdrawal of any merchant (the platform reviews them all).
    ///
    /// # Errors
    /// [`StoreError::Backend`] on failure.
    async fn withdrawal(
        &mut self,
        id: WithdrawalId,
    ) -> Result<Option<WalletWithdrawal>, StoreError>;

    /// Withdrawals, newest first: of `merchant` (or of all), in `status` (or any), before
    /// `before`, at most `limit`.
    ///
    /// # Errors
    /// [`StoreError::Backend`] on failure.
    async fn withdrawals(
        &mut self,
        merchant: Option<MerchantId>,
        status: Option<WithdrawalStatus>,
        before: Option<WithdrawalId>,
        limit: u64,
    ) -> Result<Vec<WalletWithdrawal>, StoreError>;

    /// Settles a pending withdrawal as `status` with the platform's note; `false` when it is
    /// not pending any more (reviewed already), and nothing changes then.
    ///
    /// # Errors
    /// [`StoreError::Backend`] on failure.
    async fn review_withdrawal(
        &mut self,
        id: WithdrawalId,
        status: WithdrawalStatus,
        note: Option<String>,
        at: DateTime<Utc>,
    ) -> Result<bool, StoreError>;
}

/// A transaction that reaches the merchant wallet.
pub trait WalletTx: crate::kernel::Transaction {
    fn wallet(&mut self) -> &mut dyn WalletRepository;
}
