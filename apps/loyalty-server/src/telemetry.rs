//! Logs: `tracing` with a request id on every line of a request. Request lines carry the
//! path without its query string, which may hold a phone number.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::{Error, HttpMessage};
use tracing::Span;
use tracing_actix_web::{RequestId, RootSpanBuilder};
use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::format::FmtSpan;

/// Installs the global subscriber once; `RUST_LOG` wins over `filter`. Every span the filter
/// lets through logs a line when it closes, with the time it took: at `info` the request; at
/// `debug` for `loyalty_core` and `loyalty_seaorm` also each use case and each store call in
/// it, so a slow request can be read in the log.
pub fn init(filter: &str) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(filter));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        .with_span_events(FmtSpan::CLOSE)
        .try_init();
}

/// The path as logged: a coupon's code (the bearer's claim to the coupon) is masked.
fn loggable_path(path: &str) -> std::borrow::Cow<'_, str> {
    const CODED: &str = "/api/v1/merchant/coupons/";
    match path.strip_prefix(CODED) {
        Some(rest) => {
            let tail = rest.find('/').map_or("", |i| &rest[i..]);
            format!("{CODED}***{tail}").into()
        }
        None => path.into(),
    }
}

pub struct RequestSpan;

impl RootSpanBuilder for RequestSpan {
    fn on_request_start(request: &ServiceRequest) -> Span {
        let request_id = request
            .extensions()
            .get::<RequestId>()
            .map(ToString::to_string)
            .unwrap_or_default();
        let path = loggable_path(request.path());
        tracing::info_span!("request", method = %request.method(), %path, %request_id)
    }

    fn on_request_end<B: MessageBody>(span: Span, outcome: &Result<ServiceResponse<B>, Error>) {
        let status = match outcome {
            Ok(response) => response.status(),
            Err(error) => error.as_response_error().status_code(),
        };
        tracing::info!(parent: &span, status = status.as_u16(), "served");
    }
}

#[cfg(test)]
mod tests {
    use super::loggable_path;

    #[test]
    fn coupon_codes_are_masked_in_logged_paths() {
        assert_eq!(
            loggable_path("/api/v1/merchant/coupons/ABCD1234EFGH/revoke"),
            "/api/v1/merchant/coupons/***/revoke"
        );
        assert_eq!(
            loggable_path("/api/v1/merchant/coupons/ABCD1234EFGH"),
            "/api/v1/merchant/coupons/***"
        );
        assert_eq!(
            loggable_path("/api/v1/merchant/orders/1"),
            "/api/v1/merchant/orders/1"
        );
    }
}
