use crate::coupons::CouponCode;
use crate::coupons::{Coupon, CouponSource, CouponStatus, CouponTemplate, Verification};
use crate::kernel::StoreError;
use crate::kernel::UniqueKey;
use crate::kernel::{
    CouponId, CouponTemplateId, MemberId, MerchantId, Money, OrderId, StaffId, StoreId,
    VerificationId,
};
use async_trait::async_trait;
use chrono::{DateTime, Utc};

/// A coupon code is taken.
pub const COUPON_CODE_KEY: UniqueKey = UniqueKey::new("coupon_code", "conflict");

/// A coupon for this source exists: it was given already.
pub const COUPON_SOURCE_KEY: UniqueKey = UniqueKey::new("coupon_source", "already_applied");

/// Members HQ sends a coupon to: every condition given must hold.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MemberSegment {
    /// The member's tier is one of these (the ladder's first tier is its code too).
    pub tier_codes: Vec<String>,
    /// `first_tier`: the code members without a tier of their own count as.
    pub first_tier: Option<String>,
    /// The member's last order was before / on or after this instant.
    pub last_order_before: Option<DateTime<Utc>>,
    pub last_order_since: Option<DateTime<Utc>>,
    /// Lifetime spend (paid less refunded) within this range, inclusive.
    pub spend_min: Option<Money>,
    pub spend_max: Option<Money>,
}

impl MemberSegment {
    /// Whether the segment asks anything of orders (members without orders then fall out).
    #[must_use]
    pub fn needs_orders(&self) -> bool {
        self.last_order_before.is_some()
            || self.last_order_since.is_some()
            || self.spend_min.is_some()
            || self.spend_max.is_some()
    }
}

/// Coupon templates, coupons and verifications.
///
/// Stock and states change only by conditional statements: there is no way to write a
/// count or a status that was read.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait CouponRepository: Send {
    /// # Errors
    /// [`StoreError::Backend`] on failure.
    async fn insert_template(&mut self, template: &CouponTemplate) -> Result<(), StoreError>;

    /// # Errors
    /// [`StoreError::Backend`] on failure.
    async fn template(
        &mut self,
        merchant: MerchantId,
        id: CouponTemplateId,
    ) -> Result<Option<CouponTemplate>, StoreError>;

    /// The merchant's templates, newest first, before `before`, at most `limit`.
    ///
    /// # Errors
    /// [`StoreError::Backend`] on failure.
    async fn templates(
        &mut self,
        merchant: MerchantId,
        before: Option<CouponTemplateId>,
        limit: u64,
    ) -> Result<Vec<CouponTemplate>, StoreError>;

    /// Starts or stops issuing from a template; `false` for no such template.
    ///
    /// # Errors
    /// [`StoreError::Backend`] on failure.
    async fn set_template_active(
        &mut self,
        merchant: MerchantId,
        id: CouponTemplateId,
        active: bool,
    ) -> Result<bool, StoreError>;

    /// Takes `count` (> 0) from the template's stock: only if it is active and the stock
    /// holds them. Answers how many the template has issued with these (one conditional
    /// update), or `None` when refused; nothing changes then.
    ///
    /// # Errors
    /// [`StoreError::Backend`] on failure.
    async fn reserve_stock(
        &mut self,
        merchant: MerchantId,
        template: CouponTemplateId,
        count: i64,
    ) -> Result<Option<i64>, StoreError>;

    /// How many coupons of the template the member has had (any state), claimed at or after
    /// `since` when given.
    ///
    /// # Errors
    /// [`StoreError::Backend`] on failure.
    async fn count_held(
        &mut self,
        merchant: MerchantId,
        template: CouponTemplateId,
        member: MemberId,
        since: Option<DateTime<Utc>>,
    ) -> Result<i64, StoreError>;

    /// Of `members`, those holding a coupon of the template from `source` and `source_ref`
    /// already.
    ///
    /// # Errors
    /// [`StoreError::Backend`] on failure.
    async fn holders_of(
        &mut self,
        merchant: MerchantId,
        template: CouponTemplateId,
        source: CouponSource,
        source_ref: &str,
        members: &[MemberId],
    ) -> Result<Vec<MemberId>, StoreError>;

    /// How many coupons of the template each of `members` has had, for those with any.
    ///
    /// # Errors
    /// [`StoreError::Backend`] on failure.
    async fn counts_held(
        &mut self,
        merchant: MerchantId,
        template: CouponTemplateId,
        members: &[MemberId],
    ) -> Result<Vec<(MemberId, i64)>, StoreError>;

    /// # Errors
    /// MUST return [`StoreError::Unique`]`(CouponCode)` when a code is taken and
    /// `(CouponSource)` when the member holds a coupon of the template from that source and
    /// reference already.
    async fn insert_coupons(&mut self, coupons: &[Coupon]) -> Result<(), StoreError>;

    /// # Errors
    /// [`StoreError::Backend`] on failure.
    async fn coupon_by_code(
        &mut self,
        merchant: MerchantId,
        code: &CouponCode,
    ) -> Result<Option<Coupon>, StoreError>;

    /// # Errors
    /// [`StoreError::Backend`] on failure.
    async fn coupons_by_ids(
        &mut self,
        merchant: MerchantId,
        ids: &[CouponId],
    ) -> Result<Vec<Coupon>, StoreError>;

    /// The coupons an order used.
    ///
    /// # Errors
    /// [`StoreError::Backend`] on failure.
    async fn coupons_used_by(
        &mut self,
        merchant: MerchantId,
        order: OrderId,
    ) -> Result<Vec<Coupon>, StoreError>;

    /// The member's coupons in these states (all when empty), newest first, before
    /// `before`, at most `limit`.
    ///
    /// # Errors
    /// [`StoreError::Backend`] on failure.
    async fn member_coupons(
        &mut self,
        merchant: MerchantId,
        member: MemberId,
        statuses: &[CouponStatus],
        before: Option<CouponId>,
        limit: u64,
    ) -> Result<Vec<Coupon>, StoreError>;

    /// Marks the coupon used, only if it is usable (available or returned) and `now` is in
    /// its window; `false` otherwise (someone else used it first, or it lapsed).
    ///
    /// # Errors
    /// [`StoreError::Backend`] on failure.
    async fn use_coupon(
        &mut self,
        merchant: MerchantId,
        coupon: CouponId,
        store: StoreId,
        order: Option<OrderId>,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError>;

    /// Moves a used coupon to `to` (available after an undone verification, returned after
    /// a refund), only if it is still used (by `order` when given); `false` otherwise.
    ///
    /// # Errors
    /// [`StoreError::Backend`] on failure.
    async fn give_back(
        &mut self,
        merchant: MerchantId,
        coupon: CouponId,
        order: Option<OrderId>,
        to: CouponStatus,
    ) -> Result<bool, StoreError>;

    /// Revokes a coupon that is still usable; `false` otherwise.
    ///
    /// # Errors
    /// [`StoreError::Backend`] on failure.
    async fn revoke(&mut self, merchant: MerchantId, coupon: CouponId) -> Result<bool, StoreError>;

    /// Expires usable coupons whose window ended at or before `now`, at most `limit`;
    /// returns how many. Each coupon expires once whoever runs it.
    ///
    /// # Errors
    /// [`StoreError::Backend`] on failure.
    async fn expire_due(&mut self, now: DateTime<Utc>, limit: u64) -> Result<u64, StoreError>;

    /// Marks the merchant's usable coupons whose window ends after `now` and no later than
    /// `horizon`, not announced yet, as announced (each once, whoever runs it), at most
    /// `limit`, and returns them.
    ///
    /// # Errors
    /// [`StoreError::Backend`] on failure.
    async fn announce_expiring(
        &mut self,
        merchant: MerchantId,
        now: DateTime<Utc>,
        horizon: DateTime<Utc>,
        limit: u64,
    ) -> Result<Vec<Coupon>, StoreError>;

    /// # Errors
    /// [`StoreError::Backend`] on failure.
    async fn insert_verification(&mut self, verification: &Verification) -> Result<(), StoreError>;

    /// # Errors
    /// [`StoreError::Backend`] on failure.
    async fn verification(
        &mut self,
        merchant: MerchantId,
        id: VerificationId,
    ) -> Result<Option<Verification>, StoreError>;

    /// Marks a verification undone, only once; `false` when it was undone already.
    ///
    /// # Errors
    /// [`StoreError::Backend`] on failure.
    async fn undo_verification(
        &mut self,
        merchant: MerchantId,
        id: VerificationId,
        by: Option<StaffId>,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError>;

    /// Marks the verification of `coupon` by `order` undone (a refund gave the coupon back);
    /// `false` when there is none open.
    ///
    /// # Errors
    /// [`StoreError::Backend`] on failure.
    async fn undo_order_verification(
        &mut self,
        merchant: MerchantId,
        order: OrderId,
        coupon: CouponId,
        by: Option<StaffId>,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError>;

    /// The merchant's verifications, newest first, optionally of one store, before
    /// `before`, at most `limit`.
    ///
    /// # Errors
    /// [`StoreError::Backend`] on failure.
    async fn verifications(
        &mut self,
        merchant: MerchantId,
        store: Option<StoreId>,
        before: Option<VerificationId>,
        limit: u64,
    ) -> Result<Vec<Verification>, StoreError>;

    /// Members of the segment after `after` (by id), at most `limit`.
    ///
    /// # Errors
    /// [`StoreError::Backend`] on failure.
    async fn segment_members(
        &mut self,
        merchant: MerchantId,
        segment: &MemberSegment,
        after: Option<MemberId>,
        limit: u64,
    ) -> Result<Vec<MemberId>, StoreError>;
}

/// A transaction that reaches coupon templates, coupons and verifications.
pub trait CouponsTx: crate::kernel::Transaction {
    fn coupons(&mut self) -> &mut dyn CouponRepository;
}
