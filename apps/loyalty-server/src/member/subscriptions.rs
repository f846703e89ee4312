//! The member's one-time WeChat subscriptions (订阅消息).

use crate::auth::MemberAuth;
use crate::error::{ApiError, Problem};
use crate::http::json::Json;
use crate::state::AppState;
use actix_web::{HttpResponse, post, web};
use loyalty_core::kernel::schema::WechatTemplateId;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

/// Registers this module's endpoints in its audience's scope.
pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(subscriptions);
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SubscriptionsRequest {
    /// The template ids the member accepted in `wx.requestSubscribeMessage` (one send each).
    #[schema(value_type = Vec<WechatTemplateId>, max_items = 20)]
    pub template_ids: Vec<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SubscriptionView {
    pub template_id: String,
    pub remaining: u32,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SubscriptionsView {
    pub items: Vec<SubscriptionView>,
}

/// Counts the one-time subscriptions the member just accepted; each WeChat message uses one.
#[utoipa::path(tag = "member", request_body = SubscriptionsRequest, responses((status = 200, body = SubscriptionsView), (status = 401, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
#[post("/notifications/subscriptions")]
pub async fn subscriptions(
    member: MemberAuth,
    state: web::Data<AppState>,
    body: Json<SubscriptionsRequest>,
) -> Result<HttpResponse, ApiError> {
    let left = state
        .loyalty
        .notifications()
        .add_subscriptions(member.merchant_id, member.member_id, &body.template_ids)
        .await?;
    Ok(HttpResponse::Ok().json(SubscriptionsView {
        items: left
            .into_iter()
            .map(|(template_id, remaining)| SubscriptionView {
                template_id,
                remaining,
            })
            .collect(),
    }))
}
