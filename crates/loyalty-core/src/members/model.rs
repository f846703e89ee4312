use crate::kernel::{MemberId, MerchantId, Phone, Points, StoreId};
use chrono::{DateTime, NaiveDate, Utc};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    pub id: MemberId,
    pub merchant_id: MerchantId,
    /// Absent for a member who signed in with WeChat and has not bound a phone yet.
    pub phone: Option<Phone>,
    /// The member's WeChat openid in the merchant's mini-program.
    pub openid: Option<String>,
    pub unionid: Option<String>,
    /// Who invited this member (by invite code at registration).
    pub invited_by: Option<MemberId>,
    pub name: Option<String>,
    pub birthday: Option<NaiveDate>,
    pub registered_store_id: Option<StoreId>,
    pub invite_code: String,
    pub points_balance: Points,
    /// Points owed: earned points a refund took back after they were spent (the merchant's
    /// `debt` policy). Credits pay it off first, so it is non-zero only while the balance
    /// is zero; the balance net of debt is `points_balance − points_debt`.
    pub points_debt: Points,
    /// The member's tier code; `None` is the first tier of the ladder.
    pub tier_code: Option<String>,
    /// A review does not downgrade the member before this instant (保级).
    pub tier_protected_until: Option<DateTime<Utc>>,
    /// The member may be sent SMS other than login codes.
    pub sms_consent: bool,
    /// The member may be sent WeChat subscribe messages.
    pub wechat_consent: bool,
    pub created_at: DateTime<Utc>,
    /// Raised to sign the member out everywhere: tokens carry the version they were issued
    /// under and stop working when it moves on.
    pub token_version: i64,
    /// When the member's personal data was erased (phone, WeChat identity, name, birthday,
    /// consents); the amounts stay so balances and figures remain exact.
    pub erased_at: Option<DateTime<Utc>>,
}

impl Member {
    /// A member as registration makes one: no identity yet, no points, no tier, both
    /// consents given, and the invite code derived from the id. Callers set what they know
    /// with struct-update syntax (`Member { phone, ..Member::new(..) }`).
    #[must_use]
    pub fn new(id: MemberId, merchant_id: MerchantId, created_at: DateTime<Utc>) -> Self {
        Self {
            id,
            merchant_id,
            phone: None,
            openid: None,
            unionid: None,
            invited_by: None,
            name: None,
            birthday: None,
            registered_store_id: None,
            invite_code: crate::members::invite_code_for(id),
            points_balance: Points::ZERO,
            points_debt: Points::ZERO,
            tier_code: None,
            tier_protected_until: None,
            sms_consent: true,
            wechat_consent: true,
            created_at,
            token_version: 0,
            erased_at: None,
        }
    }
}

/// What a member changes of their own profile; what is `None` stays.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProfileChange {
    pub name: Option<String>,
    /// Set once: only while the member has none.
    pub birthday: Option<NaiveDate>,
    pub sms_consent: Option<bool>,
    pub wechat_consent: Option<bool>,
}
