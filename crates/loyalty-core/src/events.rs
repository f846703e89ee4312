//! What happened, for notifications and (later) the outbox.

use crate::kernel::{
    CardId, CouponId, CouponTemplateId, MemberId, MerchantId, Money, Phone, Points, WithdrawalId,
};

use crate::coupons::CouponCode;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum DomainEvent {
    MemberRegistered {
        merchant_id: MerchantId,
        member_id: MemberId,
    },
    /// A one-time sign-in code to send by SMS.
    LoginCodeRequested {
        merchant_id: MerchantId,
        phone: Phone,
        code: String,
    },
    PointsEarned {
        merchant_id: MerchantId,
        member_id: MemberId,
        points: Points,
        balance_after: Points,
    },
    PointsSpent {
        merchant_id: MerchantId,
        member_id: MemberId,
        points: Points,
        balance_after: Points,
    },
    PointsAdjusted {
        merchant_id: MerchantId,
        member_id: MemberId,
        delta: Points,
        balance_after: Points,
    },
    PointsReversed {
        merchant_id: MerchantId,
        member_id: MemberId,
        points: Points,
        balance_after: Points,
    },
    PointsExpired {
        merchant_id: MerchantId,
        member_id: MemberId,
        points: Points,
        balance_after: Points,
    },
    /// Points that expire within the merchant's notice period (told once per lot).
    PointsExpiringSoon {
        merchant_id: MerchantId,
        member_id: MemberId,
        points: Points,
        /// When the first of them expire.
        expires_at: DateTime<Utc>,
    },
    /// Today is the member's birthday (in the merchant's time zone).
    Birthday {
        merchant_id: MerchantId,
        member_id: MemberId,
        name: Option<String>,
    },
    TierUpgraded {
        merchant_id: MerchantId,
        member_id: MemberId,
        from_tier: Option<String>,
        to_tier: String,
    },
    TierDowngraded {
        merchant_id: MerchantId,
        member_id: MemberId,
        from_tier: Option<String>,
        to_tier: String,
    },
    /// A coupon reached the member (claimed, sent by HQ, a gift, an exchange).
    CouponIssued {
        merchant_id: MerchantId,
        member_id: MemberId,
        coupon_id: CouponId,
        code: CouponCode,
        name: String,
        valid_until: DateTime<Utc>,
    },
    /// A coupon's window ends within the merchant's notice period (told once per coupon).
    CouponExpiringSoon {
        merchant_id: MerchantId,
        member_id: MemberId,
        coupon_id: CouponId,
        code: CouponCode,
        name: String,
        valid_until: DateTime<Utc>,
    },
    /// A coupon template's stock left fell to its low-stock alert (told to HQ once).
    CouponStockLow {
        merchant_id: MerchantId,
        template_id: CouponTemplateId,
        name: String,
        /// Coupons left to issue.
        remaining: i64,
        stock: i64,
    },
    /// Money went onto a member's stored-value card.
    CardToppedUp {
        merchant_id: MerchantId,
        member_id: MemberId,
        card_id: CardId,
        /// The card template's name.
        name: String,
        /// What was paid, and the bonus it came with.
        amount: Money,
        bonus: Money,
        balance_after: Money,
    },
    /// A use of a member's count card was verified at a store (核销).
    CardUsed {
        merchant_id: MerchantId,
        member_id: MemberId,
        card_id: CardId,
        /// The card template's name.
        name: String,
        /// The service item's name.
        item: String,
        /// A count card's uses left (`None` for a period card).
        uses_left: Option<i64>,
    },
    /// A member's count card's uses lapse, or their period card's period ends, soon.
    CardExpiringSoon {
        merchant_id: MerchantId,
        member_id: MemberId,
        card_id: CardId,
        /// The card template's name.
        name: String,
        expires_at: DateTime<Utc>,
        /// A count card's uses left.
        uses_left: Option<i64>,
    },
    /// An order was paid (in part) from a member's stored-value card.
    CardPaid {
        merchant_id: MerchantId,
        member_id: MemberId,
        card_id: CardId,
        /// The card template's name.
        name: String,
        /// What the card paid.
        amount: Money,
        balance_after: Money,
    },
    /// The platform approved or rejected a withdrawal from the merchant's wallet (told to HQ).
    WithdrawalReviewed {
        merchant_id: MerchantId,
        withdrawal_id: WithdrawalId,
        amount: Money,
        approved: bool,
        /// The platform's reason.
        note: Option<String>,
    },
}

impl DomainEvent {
    /// The member the event is about, when it is about one.
    #[must_use]
    pub const fn member_id(&self) -> Option<MemberId> {
        match self {
            Self::LoginCodeRequested { .. }
            | Self::CouponStockLow { .. }
            | Self::WithdrawalReviewed { .. } => None,
            Self::MemberRegistered { member_id, .. }
            | Self::PointsEarned { member_id, .. }
            | Self::PointsSpent { member_id, .. }
            | Self::PointsAdjusted { member_id, .. }
            | Self::PointsReversed { member_id, .. }
            | Self::PointsExpired { member_id, .. }
            | Self::PointsExpiringSoon { member_id, .. }
            | Self::Birthday { member_id, .. }
            | Self::TierUpgraded { member_id, .. }
            | Self::TierDowngraded { member_id, .. }
            | Self::CouponIssued { member_id, .. }
            | Self::CouponExpiringSoon { member_id, .. }
            | Self::CardToppedUp { member_id, .. }
            | Self::CardPaid { member_id, .. }
            | Self::CardUsed { member_id, .. }
            | Self::CardExpiringSoon { member_id, .. } => Some(*member_id),
        }
    }

    #[must_use]
    pub const fn name(&self) -> &'static str {
        match self {
            Self::MemberRegistered { .. } => "member_registered",
            Self::LoginCodeRequested { .. } => "login_code_requested",
            Self::PointsEarned { .. } => "points_earned",
            Self::PointsSpent { .. } => "points_spent",
            Self::PointsAdjusted { .. } => "points_adjusted",
            Self::PointsReversed { .. } => "points_reversed",
            Self::PointsExpired { .. } => "points_expired",
            Self::PointsExpiringSoon { .. } => "points_expiring_soon",
            Self::Birthday { .. } => "birthday",
            Self::TierUpgraded { .. } => "tier_upgraded",
            Self::TierDowngraded { .. } => "tier_downgraded",
            Self::CouponIssued { .. } => "coupon_issued",
            Self::CouponExpiringSoon { .. } => "coupon_expiring_soon",
            Self::CouponStockLow { .. } => "coupon_stock_low",
            Self::CardToppedUp { .. } => "card_topped_up",
            Self::CardPaid { .. } => "card_paid",
            Self::CardUsed { .. } => "card_used",
            Self::CardExpiringSoon { .. } => "card_expiring_soon",
            Self::WithdrawalReviewed { .. } => "withdrawal_reviewed",
        }
    }
}

/// Tells members and merchants what happened.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait Notifier: Send + Sync {
    /// Called after the change that caused `event` has committed.
    ///
    /// # Errors
    /// A failed delivery. The change stands: callers log the failure and go on.
    async fn notify(&self, event: &DomainEvent) -> Result<(), NotifyError>;
}

#[derive(Debug, thiserror::Error)]
#[error("notification failed: {0}")]
pub struct NotifyError(pub String);
