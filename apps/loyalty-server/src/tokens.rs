//! Bearer tokens (HS256): what a staff or member token says and how it is signed and
//! checked. Who may call what is decided above this, by the extractors that read the claims
//! checked here; this module knows nothing of requests or of the application state.

use crate::error::ApiError;
use chrono::{DateTime, Duration, Utc};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use loyalty_core::kernel::MerchantId;
use loyalty_core::merchants::StaffRole;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The audience of staff tokens.
pub const STAFF: &str = "staff";
/// The audience of member tokens.
pub const MEMBER: &str = "member";

/// What a token says: whom it speaks for (`sub`) in which merchant (`mid`).
#[derive(Debug, Serialize, Deserialize)]
pub struct Claims {
    pub sub: Uuid,
    pub mid: Uuid,
    aud: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<StaffRole>,
    /// The account's token version when issued (staff or member); raising it revokes the
    /// token. A member token from before member versions has none and counts as version 0.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ver: Option<i64>,
    /// The stores of a store manager or cashier (current while `ver` is).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub stores: Vec<Uuid>,
    iat: i64,
    exp: i64,
    jti: Uuid,
}

/// Signs and checks bearer tokens (HS256).
pub struct Tokens {
    encoding: EncodingKey,
    decoding: DecodingKey,
    staff_ttl: Duration,
    member_ttl: Duration,
}

/// Whom a token speaks for.
struct Subject {
    audience: &'static str,
    merchant: MerchantId,
    id: Uuid,
    role: Option<StaffRole>,
    version: Option<i64>,
    stores: Vec<Uuid>,
    ttl: Duration,
}

/// A signed token and when it stops working.
pub struct IssuedToken {
    pub token: String,
    pub expires_at: DateTime<Utc>,
}

impl Tokens {
    pub fn new(secret: &[u8], staff_ttl: Duration, member_ttl: Duration) -> Self {
        Self {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            staff_ttl,
            member_ttl,
        }
    }

    fn issue(&self, claims: &Claims) -> Result<String, ApiError> {
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), claims, &self.encoding).map_err(|e| {
            ApiError::Domain(loyalty_core::Error::Store(
                loyalty_core::kernel::StoreError::Backend(Box::new(e)),
            ))
        })
    }

    /// Signs a token for `subject`, valid for its `ttl` from `now`.
    fn sign(&self, subject: Subject, now: DateTime<Utc>) -> Result<IssuedToken, ApiError> {
        let expires_at = now + subject.ttl;
        let claims = Claims {
            sub: subject.id,
            mid: subject.merchant.as_uuid(),
            aud: subject.audience.into(),
            role: subject.role,
            ver: subject.version,
            stores: subject.stores,
            iat: now.timestamp(),
            exp: expires_at.timestamp(),
            jti: Uuid::now_v7(),
        };
        Ok(IssuedToken {
            token: self.issue(&claims)?,
            expires_at,
        })
    }

    pub fn issue_staff(
        &self,
        staff: &loyalty_core::merchants::Staff,
        now: DateTime<Utc>,
    ) -> Result<IssuedToken, ApiError> {
        let subject = Subject {
            audience: STAFF,
            merchant: staff.merchant_id,
            id: staff.id.as_uuid(),
            role: Some(staff.role),
            version: Some(staff.token_version),
            stores: staff.store_ids.iter().map(|s| s.as_uuid()).collect(),
            ttl: self.staff_ttl,
        };
        self.sign(subject, now)
    }

    /// A member token under the member's current token version.
    pub fn issue_member(
        &self,
        member: &loyalty_core::members::Member,
        now: DateTime<Utc>,
    ) -> Result<IssuedToken, ApiError> {
        let subject = Subject {
            audience: MEMBER,
            merchant: member.merchant_id,
            id: member.id.as_uuid(),
            role: None,
            version: Some(member.token_version),
            stores: Vec::new(),
            ttl: self.member_ttl,
        };
        self.sign(subject, now)
    }

    /// The claims of a valid, unexpired token for `audience`.
    pub fn verify(&self, token: &str, audience: &str) -> Result<Claims, ApiError> {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_audience(&[audience]);
        validation.leeway = 5;
        jsonwebtoken::decode::<Claims>(token, &self.decoding, &validation)
            .map(|data| data.claims)
            .map_err(|_| ApiError::unauthenticated("the token is missing, invalid or expired"))
    }
}
