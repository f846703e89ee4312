//! A member as members and staff see it, the token a sign-in answers with, and a member's
//! tier changes.

use crate::tokens::IssuedToken;
use chrono::{DateTime, NaiveDate, Utc};
use loyalty_core::members::Member;
use loyalty_core::tiers::TierChange;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

#[derive(Debug, Serialize, ToSchema)]
pub struct MemberView {
    pub id: Uuid,
    /// Absent until a member who signed in with WeChat binds a phone.
    pub phone: Option<String>,
    pub name: Option<String>,
    pub birthday: Option<NaiveDate>,
    pub registered_store_id: Option<Uuid>,
    pub invite_code: String,
    pub points_balance: i64,
    /// Points owed after a refund took back points already spent; the next points earned
    /// pay it off first.
    pub points_debt: i64,
    /// The tier code; absent: the first tier of the ladder (or no ladder).
    pub tier: Option<String>,
    /// Whether the member may be sent SMS (login codes go regardless) and WeChat messages.
    pub sms_consent: bool,
    pub wechat_consent: bool,
    pub created_at: DateTime<Utc>,
}

impl MemberView {
    /// The member as `staff` may see it: cashiers get the phone masked (138****1234).
    pub fn for_staff(m: &Member, staff: &crate::auth::StaffAuth) -> Self {
        let mut view = Self::from(m);
        if !staff.sees_full_phones() {
            view.phone = m.phone.as_ref().map(loyalty_core::kernel::Phone::masked);
        }
        view
    }
}

impl From<&Member> for MemberView {
    fn from(m: &Member) -> Self {
        Self {
            id: m.id.as_uuid(),
            phone: m.phone.as_ref().map(|p| p.as_str().to_owned()),
            name: m.name.clone(),
            birthday: m.birthday,
            registered_store_id: m.registered_store_id.map(|s| s.as_uuid()),
            invite_code: m.invite_code.clone(),
            points_balance: m.points_balance.value(),
            points_debt: m.points_debt.value(),
            tier: m.tier_code.clone(),
            sms_consent: m.sms_consent,
            wechat_consent: m.wechat_consent,
            created_at: m.created_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TokenView {
    pub token: String,
    /// Always `Bearer`.
    pub token_type: String,
    pub expires_at: DateTime<Utc>,
}

impl From<IssuedToken> for TokenView {
    fn from(issued: IssuedToken) -> Self {
        Self {
            token: issued.token,
            token_type: "Bearer".into(),
            expires_at: issued.expires_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TierChangeView {
    pub from_tier: Option<String>,
    pub to_tier: String,
    /// `upgrade` or `downgrade`.
    pub reason: String,
    /// The growth value that decided it.
    pub growth: i64,
    pub created_at: DateTime<Utc>,
}

impl From<&TierChange> for TierChangeView {
    fn from(c: &TierChange) -> Self {
        Self {
            from_tier: c.from_tier.clone(),
            to_tier: c.to_tier.clone(),
            reason: c.reason.as_str().to_owned(),
            growth: c.growth,
            created_at: c.created_at,
        }
    }
}
