use crate::kernel::StoreError;
use crate::kernel::UniqueKey;
use crate::kernel::{MemberId, MerchantId, Phone};
use crate::members::{Member, ProfileChange};
use async_trait::async_trait;
use chrono::{DateTime, Utc};

/// A phone number belongs to another member of the merchant.
pub const MEMBER_PHONE_KEY: UniqueKey = UniqueKey::new("member_phone", "member_exists");

/// A WeChat openid belongs to another member of the merchant.
pub const MEMBER_OPENID_KEY: UniqueKey = UniqueKey::new("member_openid", "member_exists");

/// An invite code is taken.
pub const MEMBER_INVITE_CODE_KEY: UniqueKey =
    UniqueKey::new("member_invite_code", "invite_code_taken");

/// A sign-in code was sent to the phone this minute.
pub const LOGIN_CODE_MINUTE_KEY: UniqueKey =
    UniqueKey::new("login_code_minute", "too_many_requests");

#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait MemberRepository: Send {
    /// # Errors
    /// MUST return [`StoreError::Unique`]`(MemberPhone)` when the merchant has a member
    /// with that phone, `(MemberInviteCode)` when the invite code is taken.
    async fn insert_member(&mut self, member: &Member) -> Result<(), StoreError>;
    /// # Errors
    /// [`StoreError::Backend`] on failure.
    async fn member(
        &mut self,
        merchant: MerchantId,
        id: MemberId,
    ) -> Result<Option<Member>, StoreError>;
    /// The member's token version, and whether its personal data was erased: what checking
    /// a member's token needs. Read in a [`crate::kernel::TxMode::Lookup`], an adapter may
    /// answer from a short-lived cache, as long as a change committed through it drops the
    /// entry at once. The default reads the member.
    ///
    /// # Errors
    /// [`StoreError::Backend`] on failure.
    async fn member_token_status(
        &mut self,
        merchant: MerchantId,
        id: MemberId,
    ) -> Result<Option<(i64, bool)>, StoreError> {
        Ok(self
            .member(merchant, id)
            .await?
            .map(|m| (m.token_version, m.erased_at.is_some())))
    }
    /// The member, locked until the transaction ends (the account's lock: see
    /// [`crate::kernel::Transaction`]).
    ///
    /// # Errors
    /// [`StoreError::Contention`] when the lock could not be had.
    async fn lock_member(
        &mut self,
        merchant: MerchantId,
        id: MemberId,
    ) -> Result<Option<Member>, StoreError>;
    /// Locks these members until the transaction ends (in id order, so two such locks never
    /// deadlock) and answers those that exist.
    ///
    /// # Errors
    /// [`StoreError::Contention`] when the locks could not be had.
    async fn lock_members(
        &mut self,
        merchant: MerchantId,
        ids: &[MemberId],
    ) -> Result<Vec<MemberId>, StoreError>;
    /// The members with these ids (unknown ids are left out).
    ///
    /// # Errors
    /// [`StoreError::Backend`] on failure.
    async fn members_by_ids(
        &mut self,
        merchant: MerchantId,
        ids: &[MemberId],
    ) -> Result<Vec<Member>, StoreError>;
    /// Moves the member to tier `to` only if its tier is still `from`; `false` otherwise.
    ///
    /// # Errors
    /// [`StoreError::Backend`] on failure.
    async fn set_tier(
        &mut self,
        merchant: MerchantId,
        member: MemberId,
        from: Option<String>,
        to: String,
        protected_until: Option<DateTime<Utc>>,
    ) -> Result<bool, StoreError>;
    /// # Errors
    /// [`StoreError::Backend`] on failure.
    async fn member_by_phone(
        &mut self,
        merchant: MerchantId,
        phone: &Phone,
    ) -> Result<Option<Member>, StoreError>;
    /// # Errors
    /// [`StoreError::Backend`] on failure.
    async fn member_by_openid(
        &mut self,
        merchant: MerchantId,
        openid: &str,
    ) -> Result<Option<Member>, StoreError>;
    /// # Errors
    /// [`StoreError::Backend`] on failure.
    async fn member_by_invite_code(
        &mut self,
        merchant: MerchantId,
        code: &str,
    ) -> Result<Option<Member>, StoreError>;

    /// Members in registration order (ids are time-ordered), after `after`, at most `limit`.
    ///
    /// # Errors
    /// [`StoreError::Backend`] on failure.
    async fn list_members(
        &mut self,
        merchant: MerchantId,
        after: Option<MemberId>,
        limit: u64,
    ) -> Result<Vec<Member>, StoreError>;

    /// Applies `change` (the birthday only where the member has none) and answers the member
    /// as it is after; `None` for no such member.
    ///
    /// # Errors
    /// [`StoreError::Backend`] on failure.
    async fn update_profile(
        &mut self,
        merchant: MerchantId,
        member: MemberId,
        change: &ProfileChange,
    ) -> Result<Option<Member>, StoreError>;

    /// Sets the phone of a member who has none; `false` when the member has one already.
    ///
    /// # Errors
    /// MUST return [`StoreError::Unique`]`(MemberPhone)` when another member has it.
    async fn set_phone(
        &mut self,
        merchant: MerchantId,
        member: MemberId,
        phone: &Phone,
    ) -> Result<bool, StoreError>;

    /// Sets the WeChat identity of a member who has none; `false` when the member has one.
    ///
    /// # Errors
    /// MUST return [`StoreError::Unique`]`(MemberOpenid)` when another member has it.
    async fn set_openid(
        &mut self,
        merchant: MerchantId,
        member: MemberId,
        openid: &str,
        unionid: Option<String>,
    ) -> Result<bool, StoreError>;

    /// Records that the member code of time step `step` was used, only if no code of this or
    /// a later step was; `false` for a replay.
    ///
    /// # Errors
    /// [`StoreError::Backend`] on failure.
    async fn claim_code_step(
        &mut self,
        merchant: MerchantId,
        member: MemberId,
        step: i64,
    ) -> Result<bool, StoreError>;

    /// Deletes a member that never had a ledger entry or an order; `false` otherwise.
    ///
    /// # Errors
    /// [`StoreError::Backend`] on failure.
    async fn delete_unused_member(
        &mut self,
        merchant: MerchantId,
        member: MemberId,
    ) -> Result<bool, StoreError>;

    /// Raises the member's token version by one (in the statement, never read and written
    /// back), so every token issued before stops working; `false` for no such member.
    ///
    /// # Errors
    /// [`StoreError::Backend`] on failure.
    async fn raise_token_version(
        &mut self,
        merchant: MerchantId,
        member: MemberId,
    ) -> Result<bool, StoreError>;

    /// Erases the personal data of a member not erased yet: phone, WeChat identity, name and
    /// birthday go, both consents end, the token version rises and `erased_at` is set. The
    /// amounts (points, debt, tier) and the invite code stay. `false` when there is no such
    /// member or it was erased already.
    ///
    /// # Errors
    /// [`StoreError::Backend`] on failure.
    async fn erase_member(
        &mut self,
        merchant: MerchantId,
        member: MemberId,
        at: DateTime<Utc>,
    ) -> Result<bool, StoreError>;
}

/// A transaction that reaches members.
pub trait MembersTx: crate::kernel::Transaction {
    fn members(&mut self) -> &mut dyn MemberRepository;
}
