//! What operators and integrators use beside the API: liveness and readiness, Prometheus
//! metrics at `/metrics`, the OpenAPI document at `/api/v1/openapi.json` and the Swagger UI
//! over it at `/docs/`.

mod health;
mod openapi;

pub use health::routes;
pub use openapi::{ApiDoc, complete};

use actix_web::{HttpResponse, web};
use utoipa_swagger_ui::SwaggerUi;

/// The OpenAPI document `api` and the Swagger UI over it (`/docs` redirects to `/docs/`).
pub fn docs(cfg: &mut web::ServiceConfig, api: utoipa::openapi::OpenApi) {
    cfg.service(SwaggerUi::new("/docs/{_:.*}").url("/api/v1/openapi.json", api))
        .route(
            "/docs",
            web::get().to(|| async {
                HttpResponse::PermanentRedirect()
                    .insert_header(("location", "/docs/"))
                    .finish()
            }),
        );
}

/// Prometheus metrics at `/metrics`: requests and latency by route pattern (never by raw
/// path, so ids and unknown paths do not multiply the series).
///
/// # Errors
/// When the metrics registry cannot be set up.
pub fn metrics() -> anyhow::Result<actix_web_prom::PrometheusMetrics> {
    actix_web_prom::PrometheusMetricsBuilder::new("loyalty")
        .endpoint("/metrics")
        .mask_unmatched_patterns("UNKNOWN")
        .build()
        .map_err(|e| anyhow::anyhow!("cannot set up metrics: {e}"))
}
