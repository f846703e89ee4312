//! One error type for the HTTP edge: every failure becomes `application/problem+json` with a
//! stable `code`. Unexpected failures are logged with their cause chain and answered with an
//! opaque 500.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use loyalty_core::ErrorKind;
use serde::Serialize;
use std::fmt;
use utoipa::ToSchema;

/// An RFC 9457 problem with the engine's stable code.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Problem {
    /// `/problems/<code>`.
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// Stable machine code (`insufficient_points`, `validation_failed`, …).
    pub code: String,
    /// The offending fields of a validation failure.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

#[derive(Debug)]
pub enum ApiError {
    Domain(loyalty_core::Error),
    /// A problem decided at the edge (bad JSON, missing token, wrong role …).
    Edge {
        status: StatusCode,
        code: &'static str,
        detail: String,
        field: Option<String>,
    },
    /// Too many attempts; try again after this many seconds.
    TooManyRequests {
        retry_after_secs: u64,
    },
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, detail: impl Into<String>) -> Self {
        Self::Edge {
            status,
            code,
            detail: detail.into(),
            field: None,
        }
    }

    pub fn invalid(field: &str, detail: impl Into<String>) -> Self {
        let detail = detail.into();
        Self::Edge {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            code: "validation_failed",
            detail,
            field: Some(field.to_owned()),
        }
    }

    pub fn unauthenticated(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthenticated", detail)
    }

    pub fn forbidden(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "forbidden", detail)
    }

    pub fn too_many_requests(retry_after_secs: u64) -> Self {
        Self::TooManyRequests { retry_after_secs }
    }

    pub fn not_found(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", detail)
    }

    /// The `Retry-After` to send: the wait of a rate limit, 1 s for a busy database.
    pub fn retry_after_secs(&self) -> Option<u64> {
        match self {
            Self::TooManyRequests { retry_after_secs } => Some(*retry_after_secs),
            Self::Domain(e) if e.kind() == ErrorKind::Unavailable => Some(1),
            Self::Domain(e) => e.retry_after_secs(),
            Self::Edge { .. } => None,
        }
    }

    /// The problem document this error answers with.
    pub fn problem(&self) -> Problem {
        let status = self.status_code();
        let (code, detail, errors) = match self {
            Self::Domain(e) if e.kind() == ErrorKind::Internal => {
                (e.code(), "an internal error occurred".to_owned(), vec![])
            }
            Self::Domain(e) => {
                let errors = e
                    .invalid_field()
                    .map(|(field, message)| FieldError {
                        field: field.to_owned(),
                        message: message.to_owned(),
                    })
                    .into_iter()
                    .collect();
                (e.code(), e.to_string(), errors)
            }
            Self::Edge {
                code,
                detail,
                field,
                ..
            } => {
                let errors = field
                    .iter()
                    .map(|f| FieldError {
                        field: f.clone(),
                        message: detail.clone(),
                    })
                    .collect();
                (*code, detail.clone(), errors)
            }
            Self::TooManyRequests { retry_after_secs } => (
                "too_many_requests",
                format!("too many attempts; try again in {retry_after_secs} s"),
                vec![],
            ),
        };
        Problem {
            kind: format!("/problems/{code}"),
            title: status.canonical_reason().unwrap_or("Error").to_owned(),
            status: status.as_u16(),
            detail,
            code: code.to_owned(),
            errors,
        }
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Domain(e) => write!(f, "{e}"),
            Self::Edge { code, detail, .. } => write!(f, "{code}: {detail}"),
            Self::TooManyRequests { retry_after_secs } => {
                write!(f, "too many requests (retry after {retry_after_secs} s)")
            }
        }
    }
}

impl std::error::Error for ApiError {}

impl From<loyalty_core::Error> for ApiError {
    fn from(e: loyalty_core::Error) -> Self {
        Self::Domain(e)
    }
}

impl From<loyalty_core::kernel::InvalidValue> for ApiError {
    fn from(e: loyalty_core::kernel::InvalidValue) -> Self {
        Self::Domain(e.into())
    }
}

/// Maps each kind of domain failure to its status.
pub fn status_of(kind: ErrorKind) -> StatusCode {
    match kind {
        ErrorKind::Invalid | ErrorKind::Rejected => StatusCode::UNPROCESSABLE_ENTITY,
        ErrorKind::NotFound => StatusCode::NOT_FOUND,
        ErrorKind::Conflict => StatusCode::CONFLICT,
        ErrorKind::Unauthenticated => StatusCode::UNAUTHORIZED,
        ErrorKind::Forbidden => StatusCode::FORBIDDEN,
        ErrorKind::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
        ErrorKind::RateLimited => StatusCode::TOO_MANY_REQUESTS,
        ErrorKind::Internal => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// Logs an error with its whole cause chain.
fn log_chain(error: &dyn std::error::Error) {
    let mut chain = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        chain.push_str(": ");
        chain.push_str(&cause.to_string());
        source = cause.source();
    }
    tracing::error!(error = %chain, "request failed");
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::Domain(e) => status_of(e.kind()),
            Self::Edge { status, .. } => *status,
            Self::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
        }
    }

    fn error_response(&self) -> HttpResponse {
        if let Self::Domain(e) = self
            && matches!(e.kind(), ErrorKind::Internal | ErrorKind::Unavailable)
        {
            log_chain(e);
        }
        let mut response = problem_response(&self.problem());
        if let Some(seconds) = self.retry_after_secs() {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}

pub const PROBLEM_JSON: &str = "application/problem+json";

pub fn problem_response(problem: &Problem) -> HttpResponse {
    let status = StatusCode::from_u16(problem.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    HttpResponse::build(status)
        .content_type(PROBLEM_JSON)
        .json(problem)
}
