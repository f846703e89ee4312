//! The staff endpoints, under `/api/v1/merchant`: HQ (owners and admins) and store staff
//! (store managers and cashiers) of one merchant, named by the staff token.

mod auth;
mod card_uses;
mod cards;
mod coupons;
mod members;
mod notifications;
mod orders;
mod points;
mod privacy;
mod settings;
mod staff;
mod stores;
mod tiers;
mod verifications;
mod wallet;

use utoipa_actix_web::scope;
use utoipa_actix_web::service_config::ServiceConfig;

/// Mounts the staff endpoints, feature by feature.
pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(scope("/api/v1/merchant").configure(|cfg| {
        cfg.configure(auth::routes)
            .configure(staff::routes)
            .configure(stores::routes)
            .configure(members::routes)
            .configure(points::routes)
            .configure(orders::routes)
            .configure(settings::routes)
            .configure(tiers::routes)
            .configure(coupons::routes)
            .configure(verifications::routes)
            .configure(cards::routes)
            .configure(card_uses::routes)
            .configure(wallet::routes)
            .configure(notifications::routes)
            .configure(privacy::routes);
    }));
}
