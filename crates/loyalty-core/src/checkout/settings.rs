//! A merchant's checkout and coupon settings: points as cash, the verification undo window,
//! what a refund gives back, and which coupons are gifts.

use crate::cards::SpendOrder;
use crate::checkout::PointsAsCash;
use crate::kernel::{CouponTemplateId, InvalidValue};
use crate::points::ShortfallPolicy;
use serde::{Deserialize, Serialize};

/// The coupon templates a member is given on an occasion.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default, deny_unknown_fields)]
pub struct CouponGifts {
    /// Given once when a member first has a phone (registered at the till, by SMS, or a
    /// WeChat account binding its phone).
    #[cfg_attr(feature = "openapi", schema(max_items = 20))]
    pub registration: Vec<CouponTemplateId>,
    /// Given once a year on the member's local birthday, by the member job.
    #[cfg_attr(feature = "openapi", schema(max_items = 20))]
    pub birthday: Vec<CouponTemplateId>,
}

/// `/merchant/settings/checkout`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default, deny_unknown_fields)]
pub struct CheckoutSettings {
    /// Points as cash (积分抵现); `None`: orders take no points.
    pub points_as_cash: Option<PointsAsCash>,
    /// How long after a verification staff may undo it.
    #[cfg_attr(feature = "openapi", schema(maximum = 10_080))]
    pub verification_undo_minutes: u32,
    /// Members are told this many days before a coupon's window ends (the
    /// `coupon_expiring_soon` scene; 0: not at all).
    #[cfg_attr(feature = "openapi", schema(maximum = 365))]
    pub coupon_notice_days: u32,
    /// A full refund gives the order's coupons back when they are still valid.
    pub return_coupons_on_refund: bool,
    /// What a refund does when the points it should take back were already spent.
    pub points_shortfall: ShortfallPolicy,
    pub gifts: CouponGifts,
    pub stored_value: StoredValueAtCheckout,
    /// Members are told this many days before a count or period card's uses lapse or its
    /// period ends (the `card_expiring_soon` scene; 0: not at all).
    #[cfg_attr(feature = "openapi", schema(maximum = 365))]
    pub card_notice_days: u32,
}

/// How an order paid from a stored-value card (储值卡) is handled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default, deny_unknown_fields)]
pub struct StoredValueAtCheckout {
    /// Which of the card's principal and bonus a payment takes first.
    pub spend_order: SpendOrder,
    /// The part paid from a card earns points like the rest (`false`: only what is paid
    /// otherwise earns; the money was already counted when it was topped up).
    pub earn_points: bool,
}

impl Default for StoredValueAtCheckout {
    fn default() -> Self {
        Self {
            spend_order: SpendOrder::Proportional,
            earn_points: true,
        }
    }
}

impl Default for CheckoutSettings {
    fn default() -> Self {
        Self {
            points_as_cash: None,
            verification_undo_minutes: 30,
            coupon_notice_days: 3,
            return_coupons_on_refund: true,
            points_shortfall: ShortfallPolicy::default(),
            gifts: CouponGifts::default(),
            stored_value: StoredValueAtCheckout::default(),
            card_notice_days: 3,
        }
    }
}

impl CheckoutSettings {
    /// # Errors
    /// Refuses an undo window over a week, more than 20 gift templates per occasion, and
    /// what [`PointsAsCash::validate`] refuses.
    pub fn validate(&self) -> Result<(), InvalidValue> {
        if let Some(rule) = &self.points_as_cash {
            rule.validate()?;
        }
        if self.verification_undo_minutes > 7 * 24 * 60 {
            return Err(InvalidValue::new(
                "verification_undo_minutes",
                "must be at most 10080 (a week)",
            ));
        }
        if self.coupon_notice_days > 365 {
            return Err(InvalidValue::new(
                "coupon_notice_days",
                "must be at most 365",
            ));
        }
        if self.card_notice_days > 365 {
            return Err(InvalidValue::new("card_notice_days", "must be at most 365"));
        }
        if self.gifts.registration.len() > 20 || self.gifts.birthday.len() > 20 {
            return Err(InvalidValue::new(
                "gifts",
                "at most 20 templates per occasion",
            ));
        }
        Ok(())
    }
}
