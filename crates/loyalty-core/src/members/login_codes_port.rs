use crate::kernel::StoreError;
use crate::kernel::{MerchantId, Phone};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use uuid::Uuid;

/// A one-time sign-in code sent by SMS.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoginCode {
    pub id: Uuid,
    pub merchant_id: MerchantId,
    pub phone: Phone,
    pub code: String,
    pub attempts: i32,
    pub consumed: bool,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

/// SMS sign-in codes. Attempts and use change only by conditional updates.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait LoginCodeRepository: Send {
    /// # Errors
    /// MUST return [`StoreError::Unique`]`(LoginCodeMinute)` when the phone got a code in
    /// the same minute already.
    async fn insert_login_code(&mut self, code: &LoginCode) -> Result<(), StoreError>;

    /// When the codes for `phone` sent since `since` were made, oldest first.
    ///
    /// # Errors
    /// [`StoreError::Backend`] on failure.
    async fn login_codes_since(
        &mut self,
        merchant: MerchantId,
        phone: &Phone,
        since: DateTime<Utc>,
    ) -> Result<Vec<DateTime<Utc>>, StoreError>;

    /// The newest code for `phone`, used or not.
    ///
    /// # Errors
    /// [`StoreError::Backend`] on failure.
    async fn latest_login_code(
        &mut self,
        merchant: MerchantId,
        phone: &Phone,
    ) -> Result<Option<LoginCode>, StoreError>;

    /// Counts a wrong try, only while the code is open and has tries left; `false` otherwise.
    ///
    /// # Errors
    /// [`StoreError::Backend`] on failure.
    async fn count_wrong_try(
        &mut self,
        merchant: MerchantId,
        id: Uuid,
        max_tries: i32,
    ) -> Result<bool, StoreError>;

    /// Uses the code, only if it is unused, unexpired at `now` and has tries left; `false`
    /// otherwise (it was used by a concurrent request, say).
    ///
    /// # Errors
    /// [`StoreError::Backend`] on failure.
    async fn consume_login_code(
        &mut self,
        merchant: MerchantId,
        id: Uuid,
        max_tries: i32,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError>;
}

/// A transaction that reaches SMS sign-in codes.
pub trait LoginCodesTx: crate::kernel::Transaction {
    fn login_codes(&mut self) -> &mut dyn LoginCodeRepository;
}
