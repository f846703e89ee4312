//! The member's orders (消费记录): what each cost, its discounts, what was paid (from a card
//! too), the points it earned and spent, and what refunds gave back.

use crate::auth::MemberAuth;
use crate::error::{ApiError, Problem};
use crate::shared::orders::{OrderList, OrdersQuery, orders_of};
use crate::state::AppState;
use actix_web::{HttpResponse, get, web};
use utoipa_actix_web::service_config::ServiceConfig;

/// Registers this module's endpoints in its audience's scope.
pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(my_orders);
}

/// The member's own orders, newest first (days in the merchant's time zone, a status).
#[utoipa::path(tag = "member", params(OrdersQuery), responses((status = 200, body = OrderList), (status = 422, body = Problem)), security(("bearer" = [])))]
#[get("/orders")]
pub async fn my_orders(
    member: MemberAuth,
    state: web::Data<AppState>,
    query: web::Query<OrdersQuery>,
) -> Result<HttpResponse, ApiError> {
    if query.member_id.is_some() || query.store_id.is_some() {
        return Err(ApiError::invalid(
            if query.member_id.is_some() {
                "member_id"
            } else {
                "store_id"
            },
            "a member lists their own orders of every store",
        ));
    }
    let mut listing = query.listing()?;
    listing.member = Some(member.member_id);
    orders_of(&state, member.merchant_id, listing, &query).await
}
