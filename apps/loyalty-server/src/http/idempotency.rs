//! `Idempotency-Key` at the edge: the header, the request fingerprint, the in-flight guard
//! (a replay while the first request runs answers 409) and the answers. The record itself
//! (the result or the refusal, not an HTTP answer) is the core's, written by the use case in
//! the transaction of its effect.

use crate::error::ApiError;
use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::{FromRequest, HttpRequest, HttpResponse, ResponseError};
use loyalty_core::Error;
use loyalty_core::kernel::IdempotencyKey;
use loyalty_core::kernel::MerchantId;
use loyalty_core::kernel::{Idempotent, Outcome};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::collections::HashSet;
use std::future::{Ready, ready};
use std::sync::{Arc, Mutex, PoisonError};

pub const HEADER: &str = "Idempotency-Key";

/// The `Idempotency-Key` header, if sent: 1 to 255 visible ASCII characters.
#[derive(Debug, Clone)]
pub struct IdempotencyHeader(pub Option<String>);

impl FromRequest for IdempotencyHeader {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let Some(value) = req.headers().get(HEADER) else {
            return ready(Ok(Self(None)));
        };
        let key = value
            .to_str()
            .ok()
            .filter(|k| (1..=255).contains(&k.len()) && k.bytes().all(|b| b.is_ascii_graphic()));
        ready(match key {
            Some(key) => Ok(Self(Some(key.to_owned()))),
            None => Err(ApiError::invalid(
                HEADER,
                "must be 1 to 255 visible ASCII characters",
            )),
        })
    }
}

/// Keys whose first request is still running in this process.
#[derive(Debug, Default, Clone)]
pub struct InFlight(Arc<Mutex<HashSet<IdempotencyKey>>>);

/// Releases the key when the request ends, however it ends.
pub struct InFlightGuard {
    set: InFlight,
    key: IdempotencyKey,
}

impl Drop for InFlightGuard {
    fn drop(&mut self) {
        self.set
            .0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(&self.key);
    }
}

/// Whose keys a request's key is one of: a merchant and one credential in it (`staff:<id>`,
/// `member:<id>`, `platform`).
#[derive(Debug, Clone)]
pub struct KeyScope {
    pub merchant_id: MerchantId,
    pub scope: String,
}

/// A request under way: with a key, its key and fingerprint and the guard that holds the key
/// for it while it runs; without one, nothing.
pub struct Prepared(Option<Claimed>);

struct Claimed {
    idempotent: Idempotent,
    _guard: InFlightGuard,
}

impl Prepared {
    /// Claims the key for this request, or answers 409 when a request with it is running.
    pub fn claim<B: Serialize>(
        in_flight: &InFlight,
        req: &HttpRequest,
        header: IdempotencyHeader,
        owner: KeyScope,
        body: &B,
    ) -> Result<Self, ApiError> {
        let Some(key) = header.0 else {
            return Ok(Self(None));
        };
        let key = IdempotencyKey {
            merchant_id: owner.merchant_id,
            scope: owner.scope,
            key,
        };
        if !in_flight
            .0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(key.clone())
        {
            return Err(Error::IdempotencyInFlight.into());
        }
        let guard = InFlightGuard {
            set: in_flight.clone(),
            key: key.clone(),
        };
        let mut digest = Sha256::new();
        digest.update(req.method().as_str());
        digest.update(b" ");
        digest.update(req.path());
        digest.update(b"\n");
        digest.update(serde_json::to_vec(body).unwrap_or_default());
        Ok(Self(Some(Claimed {
            idempotent: Idempotent {
                key,
                fingerprint: hex(&digest.finalize()),
            },
            _guard: guard,
        })))
    }

    /// The key as the use case takes it; none for a request without one.
    pub fn idempotent(&self) -> Option<&Idempotent> {
        self.0.as_ref().map(|claimed| &claimed.idempotent)
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Marks an answer given again for an idempotency key.
fn replayed(mut response: HttpResponse) -> HttpResponse {
    response.headers_mut().insert(
        HeaderName::from_static("idempotent-replayed"),
        HeaderValue::from_static("true"),
    );
    response
}

/// Answers a use case's outcome: its result, fresh or replayed, rendered by `view` with
/// `status` (one rendering for both); a refusal as problem+json. What a replay answers is
/// marked `Idempotent-Replayed: true`, a replayed refusal too.
pub fn respond<T, V: Serialize>(
    result: Result<Outcome<T>, Error>,
    status: StatusCode,
    view: impl FnOnce(&T) -> V,
) -> Result<HttpResponse, ApiError> {
    match result {
        Ok(outcome) => {
            let again = outcome.is_replayed();
            let value = outcome.into_inner();
            let response = HttpResponse::build(status).json(view(&value));
            Ok(if again { replayed(response) } else { response })
        }
        Err(error @ Error::Replayed(_)) => Ok(replayed(ApiError::from(error).error_response())),
        Err(error) => Err(error.into()),
    }
}
