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
/// `validation_failed` with what is wrong, in serde's words.
pub fn read<T: DeserializeOwned>(text: &str) -> Result<T, ApiError> {
    let mut reader = serde_json::Deserializer::from_str(text);
    strict::from_deserializer(&mut reader)
        .and_then(|value| reader.end().map(|()| value))
        .map_err(|e| {
            ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "validation_failed",
                e.to_string(),
            )
        })
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
