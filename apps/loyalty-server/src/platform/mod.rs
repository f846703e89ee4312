//! The platform operator's endpoints, under `/api/v1/platform` (the platform API key):
//! merchants, payments into their wallets, and withdrawals to review.

mod merchants;
mod payments;
mod withdrawals;

use utoipa_actix_web::scope;
use utoipa_actix_web::service_config::ServiceConfig;

/// Mounts the platform endpoints, feature by feature.
pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(scope("/api/v1/platform").configure(|cfg| {
        cfg.configure(merchants::routes)
            .configure(payments::routes)
            .configure(withdrawals::routes);
    }));
}
