use crate::kernel::StoreError;
use crate::kernel::UniqueKey;
use crate::kernel::{MerchantId, StaffId, StoreId};
use crate::merchants::{Merchant, Staff, Store};
use async_trait::async_trait;

/// A merchant code is taken.
pub const MERCHANT_CODE_KEY: UniqueKey = UniqueKey::new("merchant_code", "merchant_code_taken");

/// A store name is taken within its merchant.
pub const STORE_NAME_KEY: UniqueKey = UniqueKey::new("store_name", "store_name_taken");

/// A username is taken within its merchant.
pub const STAFF_USERNAME_KEY: UniqueKey = UniqueKey::new("staff_username", "username_taken");

#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait MerchantRepository: Send {
    /// # Errors
    /// MUST return [`StoreError::Unique`]`(MerchantCode)` when the code is taken.
    async fn insert_merchant(&mut self, merchant: &Merchant) -> Result<(), StoreError>;
    /// # Errors
    /// [`StoreError::Backend`] on failure.
    async fn merchant(&mut self, id: MerchantId) -> Result<Option<Merchant>, StoreError>;
    /// # Errors
    /// [`StoreError::Backend`] on failure.
    async fn merchant_by_code(&mut self, code: &str) -> Result<Option<Merchant>, StoreError>;
    /// # Errors
    /// [`StoreError::Backend`] on failure.
    async fn count_merchants(&mut self) -> Result<u64, StoreError>;
}

#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait StoreRepository: Send {
    /// # Errors
    /// MUST return [`StoreError::Unique`]`(StoreName)` when the merchant has a store of that
    /// name.
    async fn insert_store(&mut self, store: &Store) -> Result<(), StoreError>;
    /// # Errors
    /// [`StoreError::Unique`]`(StoreName)` as for insert.
    async fn update_store(&mut self, store: &Store) -> Result<(), StoreError>;
    /// # Errors
    /// [`StoreError::Backend`] on failure.
    async fn store(
        &mut self,
        merchant: MerchantId,
        id: StoreId,
    ) -> Result<Option<Store>, StoreError>;
    /// The merchant's default store.
    ///
    /// # Errors
    /// [`StoreError::Backend`] on failure.
    async fn default_store(&mut self, merchant: MerchantId) -> Result<Option<Store>, StoreError>;
    /// The merchant's stores, default first, then by creation.
    ///
    /// # Errors
    /// [`StoreError::Backend`] on failure.
    async fn stores(&mut self, merchant: MerchantId) -> Result<Vec<Store>, StoreError>;
}

#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait StaffRepository: Send {
    /// # Errors
    /// MUST return [`StoreError::Unique`]`(StaffUsername)` when the merchant has that
    /// username.
    async fn insert_staff(&mut self, staff: &Staff) -> Result<(), StoreError>;
    /// # Errors
    /// [`StoreError::Backend`] on failure.
    async fn staff_by_username(
        &mut self,
        merchant: MerchantId,
        username: &str,
    ) -> Result<Option<Staff>, StoreError>;
    /// # Errors
    /// [`StoreError::Backend`] on failure.
    async fn staff_member(
        &mut self,
        merchant: MerchantId,
        id: StaffId,
    ) -> Result<Option<Staff>, StoreError>;
    /// The token version and whether the account is disabled: what checking a token needs.
    /// Read in a [`crate::kernel::TxMode::Lookup`], an adapter may answer from a short-lived
    /// cache, as long as a change committed through it drops the entry at once.
    ///
    /// # Errors
    /// [`StoreError::Backend`] on failure.
    async fn staff_status(
        &mut self,
        merchant: MerchantId,
        id: StaffId,
    ) -> Result<Option<(i64, bool)>, StoreError>;
    /// The merchant's staff, by username.
    ///
    /// # Errors
    /// [`StoreError::Backend`] on failure.
    async fn list_staff(&mut self, merchant: MerchantId) -> Result<Vec<Staff>, StoreError>;
    /// Writes role, name, status and stores, and raises the token version by one, only if
    /// it is still `staff.token_version` (so two changes cannot overwrite each other).
    ///
    /// # Errors
    /// MUST return [`StoreError::Contention`] when the version moved meanwhile.
    async fn update_staff(&mut self, staff: &Staff) -> Result<(), StoreError>;
    /// Writes the display name only if the token version is still `staff.token_version`,
    /// leaving the version (and so the account's tokens) as it is.
    ///
    /// # Errors
    /// MUST return [`StoreError::Contention`] when the version moved meanwhile.
    async fn rename_staff(&mut self, staff: &Staff) -> Result<(), StoreError>;
    /// Writes the password hash and raises the token version by one, only if the version is
    /// still `staff.token_version`: a new password signs the account out everywhere.
    ///
    /// # Errors
    /// MUST return [`StoreError::Contention`] when the version moved meanwhile.
    async fn set_staff_password(&mut self, staff: &Staff) -> Result<(), StoreError>;
}

/// A transaction that reaches merchants.
pub trait MerchantsTx: crate::kernel::Transaction {
    fn merchants(&mut self) -> &mut dyn MerchantRepository;
}

/// A transaction that reaches stores.
pub trait StoresTx: crate::kernel::Transaction {
    fn stores(&mut self) -> &mut dyn StoreRepository;
}

/// A transaction that reaches staff accounts.
pub trait StaffTx: crate::kernel::Transaction {
    fn staff(&mut self) -> &mut dyn StaffRepository;
}
