//! Credentials, in one place per audience: extractors verify the token and hand handlers the
//! merchant it names. A handler never takes a merchant id from a path or a body. Also the
//! password hashing of staff accounts. Above [`crate::state`] and [`crate::tokens`].

use crate::error::ApiError;
use crate::http::idempotency::KeyScope;
use crate::state::AppState;
use crate::tokens::{MEMBER, STAFF};
use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, web};
use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use futures::future::LocalBoxFuture;
use loyalty_core::kernel::{MemberId, MerchantId, StaffId, StoreId};
use loyalty_core::members::MembersError;
use loyalty_core::merchants::MerchantsError;
use loyalty_core::merchants::StaffRole;
use sha2::{Digest, Sha256};
use std::future::{Ready, ready};

fn bearer(req: &HttpRequest) -> Result<&str, ApiError> {
    req.headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| ApiError::unauthenticated("an Authorization: Bearer token is required"))
}

fn state(req: &HttpRequest) -> Result<&web::Data<AppState>, ApiError> {
    req.app_data::<web::Data<AppState>>()
        .ok_or_else(|| ApiError::unauthenticated("no application state"))
}

/// A signed-in staff member, checked against the account on every request (so a disabled
/// account or a changed role stops working at once); the merchant comes from the token.
#[derive(Debug, Clone)]
pub struct StaffAuth {
    pub merchant_id: MerchantId,
    pub staff_id: StaffId,
    pub role: StaffRole,
    /// The stores a store manager or cashier works in; empty for HQ (all stores).
    pub store_ids: Vec<StoreId>,
}

impl StaffAuth {
    /// Owners and admins (HQ) only.
    pub fn require_headquarters(&self) -> Result<(), ApiError> {
        if self.role.is_headquarters() {
            Ok(())
        } else {
            Err(ApiError::forbidden("this needs an owner or admin"))
        }
    }

    /// The idempotency keys of this credential.
    pub fn key_scope(&self) -> KeyScope {
        KeyScope {
            merchant_id: self.merchant_id,
            scope: format!("staff:{}", self.staff_id),
        }
    }

    pub fn actor(&self) -> loyalty_core::merchants::Actor {
        loyalty_core::merchants::Actor {
            merchant_id: self.merchant_id,
            staff_id: self.staff_id,
            role: self.role,
        }
    }

    /// Whether this account works in `store`.
    pub fn works_in(&self, store: StoreId) -> bool {
        self.role.is_headquarters() || self.store_ids.contains(&store)
    }

    /// The store a till action happens in: as asked, which must be one of the account's
    /// stores; for store staff who name none, their first store.
    pub fn store_for(&self, asked: Option<StoreId>) -> Result<Option<StoreId>, ApiError> {
        match asked {
            Some(store) if self.works_in(store) => Ok(Some(store)),
            Some(_) => Err(ApiError::forbidden(
                "this account does not work in that store",
            )),
            None if self.role.is_headquarters() => Ok(None),
            None => Ok(self.store_ids.first().copied()),
        }
    }

    /// The store a till action happens in, as [`Self::store_for`] finds it; store staff who
    /// work in no store are refused.
    pub fn till_store(&self, asked: Option<StoreId>) -> Result<Option<StoreId>, ApiError> {
        let store = self.store_for(asked)?;
        if store.is_none() && !self.role.is_headquarters() {
            return Err(ApiError::forbidden("this account works in no store"));
        }
        Ok(store)
    }

    /// Cashiers see phone numbers masked.
    pub fn sees_full_phones(&self) -> bool {
        self.role != StaffRole::Cashier
    }
}

impl FromRequest for StaffAuth {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let checked = (|| {
            let state = state(req)?.clone();
            let claims = state.tokens.verify(bearer(req)?, STAFF)?;
            Ok::<_, ApiError>((state, claims))
        })();
        Box::pin(async move {
            let (state, claims) = checked?;
            let version = claims
                .ver
                .ok_or_else(|| ApiError::unauthenticated("the token has no version"))?;
            state
                .loyalty
                .merchants()
                .check_staff_token(claims.mid.into(), claims.sub.into(), version)
                .await
                .map_err(|e| match e.refusal() {
                    Some(MerchantsError::InvalidCredentials) => {
                        ApiError::unauthenticated("the token was revoked")
                    }
                    _ => e.into(),
                })?;
            let role = claims
                .role
                .ok_or_else(|| ApiError::unauthenticated("the token has no role"))?;
            Ok(Self {
                merchant_id: claims.mid.into(),
                staff_id: claims.sub.into(),
                role,
                store_ids: claims.stores.into_iter().map(StoreId::from_uuid).collect(),
            })
        })
    }
}

/// A signed-in member; merchant and member come from the token.
#[derive(Debug, Clone, Copy)]
pub struct MemberAuth {
    pub merchant_id: MerchantId,
    pub member_id: MemberId,
}

impl MemberAuth {
    /// The idempotency keys of this credential.
    pub fn key_scope(&self) -> KeyScope {
        KeyScope {
            merchant_id: self.merchant_id,
            scope: format!("member:{}", self.member_id),
        }
    }
}

impl FromRequest for MemberAuth {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let checked = (|| {
            let state = state(req)?.clone();
            let claims = state.tokens.verify(bearer(req)?, MEMBER)?;
            Ok::<_, ApiError>((state, claims))
        })();
        Box::pin(async move {
            let (state, claims) = checked?;
            let member = Self {
                merchant_id: claims.mid.into(),
                member_id: claims.sub.into(),
            };
            state
                .loyalty
                .members()
                .check_token(
                    member.merchant_id,
                    member.member_id,
                    claims.ver.unwrap_or(0),
                )
                .await
                .map_err(|e| match e.refusal() {
                    Some(MembersError::TokenRevoked) => {
                        ApiError::unauthenticated("the token was revoked")
                    }
                    _ => e.into(),
                })?;
            Ok(member)
        })
    }
}

/// The platform operator, by the API key from configuration.
#[derive(Debug, Clone, Copy)]
pub struct PlatformAuth;

impl FromRequest for PlatformAuth {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready((|| {
            let expected = state(req)?.platform_key.as_ref().ok_or_else(|| {
                ApiError::unauthenticated(
                    "the platform API is disabled: no platform.api_key is configured",
                )
            })?;
            // Compare digests so the time taken says nothing about the key.
            let given = Sha256::digest(bearer(req)?.as_bytes());
            if given[..] == expected[..] {
                Ok(Self)
            } else {
                Err(ApiError::unauthenticated("wrong platform API key"))
            }
        })())
    }
}

/// Hashes a password with argon2id on a blocking thread (it takes tens of milliseconds).
pub async fn hash_password(password: String) -> Result<String, ApiError> {
    web::block(move || {
        let salt =
            SaltString::encode_b64(&rand::random::<[u8; 16]>()).map_err(|e| e.to_string())?;
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| e.to_string())
    })
    .await
    .map_err(|e| internal(e.to_string()))?
    .map_err(internal)
}

/// Checks a password against a stored hash on a blocking thread. With no hash (unknown
/// user) it checks against `decoy` instead, so timing does not tell which usernames exist.
pub async fn verify_password(
    password: String,
    hash: Option<String>,
    decoy: String,
) -> Result<bool, ApiError> {
    web::block(move || {
        let stored = hash.as_deref().unwrap_or(&decoy);
        let ok = PasswordHash::new(stored)
            .map(|parsed| {
                Argon2::default()
                    .verify_password(password.as_bytes(), &parsed)
                    .is_ok()
            })
            .unwrap_or(false);
        ok && hash.is_some()
    })
    .await
    .map_err(|e| internal(e.to_string()))
}

fn internal(detail: String) -> ApiError {
    ApiError::Domain(loyalty_core::Error::Store(
        loyalty_core::kernel::StoreError::Backend(detail.into()),
    ))
}

/// The password asked for in `field`, or a random one when none is given; 8 to 128
/// characters.
pub fn chosen_password(field: &str, given: Option<String>) -> Result<String, ApiError> {
    let password = given.unwrap_or_else(random_password);
    if !(8..=128).contains(&password.chars().count()) {
        return Err(ApiError::invalid(field, "must be 8 to 128 characters"));
    }
    Ok(password)
}

/// A readable random password for new accounts (no 0/O, 1/l).
pub fn random_password() -> String {
    const ALPHABET: &[u8] = b"23456789abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ";
    (0..16)
        .map(|_| char::from(ALPHABET[rand::random_range(0..ALPHABET.len())]))
        .collect()
}
