//! `Idempotency-Key` at the edge: the header, the request fingerprint, the in-flight guard
//! (a replay while the first request runs answers 409) and the responses. The record itself
//! is written by the use case, in the transaction of its effect.

use crate::error::{ApiError, PROBLEM_JSON};
use crate::state::AppState;
use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::{FromRequest, HttpRequest, HttpResponse};
use loyalty_core::kernel::MerchantId;
use loyalty_core::kernel::{IdempotencyKey, StoredResponse};
use loyalty_core::kernel::{Idempotent, Outcome};
use loyalty_core::{Error, ErrorKind};
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

/// An idempotent request under way: its key, fingerprint and guard.
pub struct Prepared {
    key: IdempotencyKey,
    fingerprint: String,
    _guard: InFlightGuard,
}

impl Prepared {
    /// Claims the key for this request, or answers 409 when a request with it is running.
    pub fn claim<B: Serialize>(
        state: &AppState,
        req: &HttpRequest,
        merchant_id: MerchantId,
        scope: String,
        header: IdempotencyHeader,
        body: &B,
    ) -> Result<Option<Self>, ApiError> {
        let Some(key) = header.0 else { return Ok(None) };
        let key = IdempotencyKey {
            merchant_id,
            scope,
            key,
        };
        if !state
            .in_flight
            .0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(key.clone())
        {
            return Err(Error::IdempotencyInFlight.into());
        }
        let guard = InFlightGuard {
            set: state.in_flight.clone(),
            key: key.clone(),
        };
        let mut digest = Sha256::new();
        digest.update(req.method().as_str());
        digest.update(b" ");
        digest.update(req.path());
        digest.update(b"\n");
        digest.update(serde_json::to_vec(body).unwrap_or_default());
        Ok(Some(Self {
            key,
            fingerprint: hex(&digest.finalize()),
            _guard: guard,
        }))
    }

    pub fn idempotent<'a, T>(
        &self,
        render: &'a (dyn Fn(&T) -> StoredResponse + Send + Sync),
    ) -> Idempotent<'a, T> {
        Idempotent {
            key: self.key.clone(),
            fingerprint: self.fingerprint.clone(),
            render,
        }
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A JSON body and status as a replayable response.
pub fn stored<B: Serialize>(status: StatusCode, body: &B) -> StoredResponse {
    StoredResponse {
        status: status.as_u16(),
        body: serde_json::to_string(body).unwrap_or_default(),
    }
}

pub fn replay_response(stored: &StoredResponse) -> HttpResponse {
    let status = StatusCode::from_u16(stored.status).unwrap_or(StatusCode::OK);
    let content_type = if status.is_success() {
        "application/json"
    } else {
        PROBLEM_JSON
    };
    HttpResponse::build(status)
        .content_type(content_type)
        .insert_header(("Idempotent-Replayed", "true"))
        .body(stored.body.clone())
}

/// Answers a use case's outcome. A refusal (a 4xx) under a key is kept too, so a replay gets
/// the same answer even if the state has changed since.
pub async fn respond<T>(
    state: &AppState,
    prepared: Option<Prepared>,
    result: Result<Outcome<T>, Error>,
    render: &(dyn Fn(&T) -> StoredResponse + Send + Sync),
) -> Result<HttpResponse, ApiError> {
    match result {
        Ok(Outcome::Done(value)) => {
            let response = render(&value);
            let status = StatusCode::from_u16(response.status).unwrap_or(StatusCode::OK);
            Ok(HttpResponse::build(status)
                .content_type("application/json")
                .body(response.body))
        }
        Ok(Outcome::Replayed(stored)) => Ok(replay_response(&stored)),
        Err(error) => {
            let keep = matches!(
                error.kind(),
                ErrorKind::Invalid
                    | ErrorKind::NotFound
                    | ErrorKind::Rejected
                    | ErrorKind::Conflict
            ) && !matches!(
                error,
                Error::IdempotencyKeyReused | Error::IdempotencyInFlight
            );
            let error = ApiError::from(error);
            if let (true, Some(p)) = (keep, prepared) {
                let problem = error.problem();
                let response = stored(
                    StatusCode::from_u16(problem.status)
                        .unwrap_or(StatusCode::UNPROCESSABLE_ENTITY),
                    &problem,
                );
                if let Err(e) = state
                    .loyalty
                    .remember_refusal(p.key.clone(), p.fingerprint.clone(), response)
                    .await
                {
                    tracing::warn!(error = %e, "could not keep a refusal for its idempotency key");
                }
            }
            Err(error)
        }
    }
}
