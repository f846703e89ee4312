//! How the extractors answer what they cannot read: a body too large, not JSON or not the
//! expected shape, a bad query or path, an unknown endpoint or a method a known path does not
//! take, each as problem+json.

use crate::error::{ApiError, problem_response};
use actix_web::dev::ResourceDef;
use actix_web::error::InternalError;
use actix_web::error::{JsonPayloadError, PathError, QueryPayloadError};
use actix_web::http::Method;
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, web};
use std::sync::Arc;
use utoipa::openapi::OpenApi;

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

fn path_error(_: PathError, req: &HttpRequest) -> actix_web::Error {
    // `GET /orders/quote` reaches `GET /orders/{id}`, but the path is `POST /orders/quote`'s.
    if let Some(response) = req
        .app_data::<KnownPaths>()
        .and_then(|known| known.not_allowed_exactly(req.method(), req.path()))
    {
        return InternalError::from_response("method not allowed", response).into();
    }
    ApiError::not_found("no such resource").into()
}

/// The documented paths with the methods each answers, for telling a wrong method on a known
/// path (405 with `Allow`) from an unknown path (404).
#[derive(Clone, Default)]
pub struct KnownPaths(Arc<Vec<(ResourceDef, HeaderValue)>>);

impl KnownPaths {
    pub fn of(api: &OpenApi) -> Self {
        let paths = api
            .paths
            .paths
            .iter()
            .filter_map(|(path, item)| {
                let methods: Vec<&str> = [
                    ("GET", item.get.is_some()),
                    ("HEAD", item.head.is_some()),
                    ("POST", item.post.is_some()),
                    ("PUT", item.put.is_some()),
                    ("PATCH", item.patch.is_some()),
                    ("DELETE", item.delete.is_some()),
                    ("OPTIONS", item.options.is_some()),
                ]
                .into_iter()
                .filter_map(|(method, present)| present.then_some(method))
                .collect();
                let allow = HeaderValue::from_str(&methods.join(", ")).ok()?;
                (!methods.is_empty()).then(|| (ResourceDef::new(path.as_str()), allow))
            })
            .collect();
        Self(Arc::new(paths))
    }

    /// What an unmatched request answers: 405 with the methods the path takes, or 404.
    pub fn answer(&self, req: &HttpRequest) -> HttpResponse {
        self.not_allowed(req.method(), req.path())
            .unwrap_or_else(|| problem_response(&ApiError::not_found("no such endpoint").problem()))
    }

    /// What a method the server does not implement answers: 405 with `Allow` on a known path,
    /// 501 elsewhere.
    pub fn unknown_method(&self, method: &Method, path: &str) -> actix_web::Error {
        match self.not_allowed(method, path) {
            Some(response) => InternalError::from_response("method not allowed", response).into(),
            None => ApiError::new(
                StatusCode::NOT_IMPLEMENTED,
                "method_not_implemented",
                "this server does not implement that method",
            )
            .into(),
        }
    }

    /// 405 when `path` is a documented path without parameters that does not take `method`.
    pub fn not_allowed_exactly(&self, method: &Method, path: &str) -> Option<HttpResponse> {
        let (_, allow) = self.0.iter().find(|(def, _)| def.pattern() == Some(path))?;
        let allowed = allow.to_str().unwrap_or_default();
        let takes = allowed.split(", ").any(|m| m == method.as_str());
        (!takes).then(|| refusal(method, allow))
    }

    fn not_allowed(&self, method: &Method, path: &str) -> Option<HttpResponse> {
        let (_, allow) = self.0.iter().find(|(def, _)| def.is_match(path))?;
        Some(refusal(method, allow))
    }
}

/// 405 `method_not_allowed` with `Allow`.
fn refusal(method: &Method, allow: &HeaderValue) -> HttpResponse {
    let error = ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        format!(
            "{method} is not allowed here; allowed: {}",
            allow.to_str().unwrap_or_default()
        ),
    );
    let mut response = problem_response(&error.problem());
    response.headers_mut().insert(header::ALLOW, allow.clone());
    response
}
