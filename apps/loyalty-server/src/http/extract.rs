//! How the extractors answer what they cannot read: a body too large, not JSON or not the
//! expected shape, a bad query or path, an unknown endpoint, each as problem+json.

use crate::error::{ApiError, problem_response};
use actix_web::error::{JsonPayloadError, PathError, QueryPayloadError};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};

/// JSON bodies up to `limit` bytes.
pub fn json_config(limit: usize) -> web::JsonConfig {
    web::JsonConfig::default()
        .limit(limit)
        .error_handler(json_error)
}

/// Any body up to `limit` bytes.
pub fn payload_config(limit: usize) -> web::PayloadConfig {
    web::PayloadConfig::default().limit(limit)
}

pub fn query_config() -> web::QueryConfig {
    web::QueryConfig::default().error_handler(query_error)
}

pub fn path_config() -> web::PathConfig {
    web::PathConfig::default().error_handler(path_error)
}

fn json_error(err: JsonPayloadError, _: &HttpRequest) -> actix_web::Error {
    let error = match &err {
        JsonPayloadError::OverflowKnownLength { .. } | JsonPayloadError::Overflow { .. } => {
            ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                "the request body is too large",
            )
        }
        JsonPayloadError::ContentType => ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "send application/json",
        ),
        JsonPayloadError::Deserialize(e) => ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
            e.to_string(),
        ),
        other => ApiError::new(StatusCode::BAD_REQUEST, "bad_request", other.to_string()),
    };
    error.into()
}

fn query_error(err: QueryPayloadError, _: &HttpRequest) -> actix_web::Error {
    ApiError::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
        err.to_string(),
    )
    .into()
}

fn path_error(_: PathError, _: &HttpRequest) -> actix_web::Error {
    ApiError::not_found("no such resource").into()
}

/// What an unknown endpoint answers.
pub async fn not_found() -> HttpResponse {
    problem_response(&ApiError::not_found("no such endpoint").problem())
}
