//! The mini-program's endpoints, under `/api/v1/member`: a member signs in and acts for
//! themselves only (the member token names merchant and member).

mod auth;
mod cards;
mod coupons;
mod me;
mod orders;
mod points;
mod privacy;
mod subscriptions;

use utoipa_actix_web::scope;
use utoipa_actix_web::service_config::ServiceConfig;

/// Mounts the member endpoints, feature by feature.
pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(scope("/api/v1/member").configure(|cfg| {
        cfg.configure(auth::routes)
            .configure(me::routes)
            .configure(points::routes)
            .configure(subscriptions::routes)
            .configure(coupons::routes)
            .configure(cards::routes)
            .configure(orders::routes)
            .configure(privacy::routes);
    }));
}
