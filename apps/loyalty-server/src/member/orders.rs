//! The member's orders (消费记录): what each cost, its discounts, what was paid (from a card
//! too), the points it earned and spent, and what refunds gave back.

use crate::auth::MemberAuth;
use crate::error::{ApiError, Problem};
use crate::shared::orders::{MyOrdersQuery, OrderList, orders_of};
use crate::state::AppState;
use actix_web::{HttpResponse, get, web};
use utoipa_actix_web::service_config::ServiceConfig;

/// Registers this module's endpoints in its audience's scope.
pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(my_orders);
}

/// The member's own orders, newest first (days in the merchant's time zone, a status).
#[utoipa::path(tag = "member", params(MyOrdersQuery), responses((status = 200, body = OrderList), (status = 422, body = Problem)), security(("bearer" = [])))]
#[get("/orders")]
pub async fn my_orders(
    member: MemberAuth,
    state: web::Data<AppState>,
    query: web::Query<MyOrdersQuery>,
) -> Result<HttpResponse, ApiError> {
    let page = query.query();
    let mut listing = page.listing()?;
    listing.member = Some(member.member_id);
    orders_of(&state, member.merchant_id, listing, &page).await
}
