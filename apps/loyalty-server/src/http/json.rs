//! The JSON body extractor of every handler: `web::Json`'s content type, size limit and
//! syntax checks (answered by [`super::extract::json_config`]'s handler), then the body read
//! strictly ([`super::strict`]): a request, and every struct in it, only from a JSON object.

use crate::error::ApiError;
use crate::http::strict;
use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::{FromRequest, HttpRequest, web};
use serde::de::DeserializeOwned;
use serde_json::value::RawValue;
use std::future::Future;
use std::ops::{Deref, DerefMut};
use std::pin::Pin;

/// A request body of type `T`, taken only from a JSON object.
#[derive(Debug)]
pub struct Json<T>(pub T);

impl<T> Json<T> {
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> Deref for Json<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T> DerefMut for Json<T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.0
    }
}

/// Reads `T` from a syntactically valid JSON text, taking structs only from objects.
///
/// # Errors
/// `validation_failed` naming the field (`lines[0].quantity`) and what is wrong with it, in
/// the client's terms: JSON types, never the server's type names.
pub fn read<T: DeserializeOwned>(text: &str) -> Result<T, ApiError> {
    let mut reader = serde_json::Deserializer::from_str(text);
    let value = serde_path_to_error::deserialize(strict::Strict(&mut reader)).map_err(|e| {
        let path = e.path().to_string();
        let message = client_terms(&e.inner().to_string());
        // "." is the body itself; "?" an object key that was not a field.
        if path == "." || path.split('.').any(|segment| segment.starts_with('?')) {
            ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "validation_failed",
                message,
            )
        } else {
            ApiError::invalid(&path, format!("{path}: {message}"))
        }
    })?;
    reader.end().map_err(|e| {
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
            client_terms(&e.to_string()),
        )
    })?;
    Ok(value)
}

/// serde's message with the server's type names replaced by what the client sends: "expected
/// struct CommitOrderRequest" becomes "expected a JSON object".
pub fn client_terms(message: &str) -> String {
    const NAMED: [(&str, &str); 7] = [
        ("struct variant ", "a JSON object"),
        ("tuple struct ", "a JSON array"),
        ("unit struct ", "null"),
        ("struct ", "a JSON object"),
        ("internally tagged enum ", "a JSON object with a \"type\""),
        ("adjacently tagged enum ", "a JSON object with a \"type\""),
        ("enum ", "one of the accepted values"),
    ];
    let mut out = String::with_capacity(message.len());
    let mut rest = message;
    'scan: while !rest.is_empty() {
        for (phrase, plain) in NAMED {
            if let Some(after) = rest.strip_prefix(phrase) {
                let name_len = after
                    .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == ':'))
                    .unwrap_or(after.len());
                if name_len > 0 && after.starts_with(|c: char| c.is_ascii_uppercase()) {
                    out.push_str(plain);
                    rest = &after[name_len..];
                    // "struct X with 7 elements" says how many fields the type has.
                    if let Some(tail) = rest.strip_prefix(" with ")
                        && let Some(end) = tail.find(" element")
                    {
                        let after_count = &tail[end + " element".len()..];
                        rest = after_count.strip_prefix('s').unwrap_or(after_count);
                    }
                    continue 'scan;
                }
            }
        }
        let next = rest.chars().next().map_or(1, char::len_utf8);
        out.push_str(&rest[..next]);
        rest = &rest[next..];
    }
    out.replace(
        "data did not match any variant of untagged enum",
        "the value matches none of the accepted shapes for",
    )
}

impl<T: DeserializeOwned + 'static> FromRequest for Json<T> {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let raw = web::Json::<Box<RawValue>>::from_request(req, payload);
        Box::pin(async move {
            let raw = raw.await?.into_inner();
            Ok(Json(read(raw.get())?))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::{client_terms, read};
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Line {
        sku: String,
        quantity: u32,
    }

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct CommitOrderRequest {
        lines: Vec<Line>,
    }

    #[test]
    fn type_names_become_json_terms() {
        assert_eq!(
            client_terms(
                "invalid type: string \"x\", expected struct CommitOrderRequest with 7 elements"
            ),
            "invalid type: string \"x\", expected a JSON object"
        );
        assert_eq!(
            client_terms(
                "invalid type: integer `5`, expected internally tagged enum CouponBenefit"
            ),
            "invalid type: integer `5`, expected a JSON object with a \"type\""
        );
        assert_eq!(
            client_terms("unknown field `x`, expected `a`"),
            "unknown field `x`, expected `a`"
        );
        assert_eq!(client_terms("missing field `sku`"), "missing field `sku`");
    }

    #[test]
    fn the_failing_field_is_named() {
        let err = read::<CommitOrderRequest>(r#"{"lines": [{"sku": "A", "quantity": -1}]}"#)
            .expect_err("refused");
        let problem = err.problem();
        assert_eq!(problem.errors[0].field, "lines[0].quantity");
        assert!(
            problem
                .detail
                .starts_with("lines[0].quantity: invalid value"),
            "{}",
            problem.detail
        );
        let err = read::<CommitOrderRequest>(r#"{"lines": ["A"]}"#).expect_err("refused");
        let detail = err.problem().detail;
        assert!(!detail.contains("Line"), "no type names: {detail}");
        assert!(detail.contains("JSON object"), "{detail}");
    }
}
