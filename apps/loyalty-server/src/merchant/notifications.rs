//! The notification outbox as HQ sees it: messages by status, queueing a failed one again,
//! and SMS usage.

use crate::auth::StaffAuth;
use crate::error::{ApiError, Problem};
use crate::http::pagination::Page;
use crate::state::AppState;
use actix_web::{HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use loyalty_core::notifications::{MessageRecord, MessageStatus};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

/// Registers this module's endpoints in its audience's scope.
pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(list_messages)
        .service(retry_message)
        .service(usage);
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct MessagesQuery {
    /// `failed` (default), `pending`, `sent` or `standby` (SMS kept in reserve for a WeChat
    /// message: sent only if WeChat refuses that one's first attempt).
    #[param(pattern = "^(failed|pending|sent|standby)$")]
    pub status: Option<String>,
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<u64>,
    pub cursor: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MessageView {
    pub id: Uuid,
    /// The event it tells of (the provider's de-duplication key).
    pub event_id: Uuid,
    pub member_id: Option<Uuid>,
    pub scene: String,
    pub channel: String,
    /// The phone (masked) or the openid.
    pub recipient: String,
    pub template: String,
    pub status: String,
    pub attempts: u32,
    pub last_error: Option<String>,
    /// Billable SMS parts.
    pub parts: u32,
    pub created_at: DateTime<Utc>,
    pub due_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
}

impl From<&MessageRecord> for MessageView {
    fn from(r: &MessageRecord) -> Self {
        let m = &r.message;
        let recipient = match m.channel {
            loyalty_core::notifications::Channel::Sms => {
                loyalty_core::kernel::Phone::parse(&m.recipient)
                    .map_or_else(|_| "***".to_owned(), |p| p.masked())
            }
            loyalty_core::notifications::Channel::Wechat => m.recipient.clone(),
        };
        Self {
            id: m.id,
            event_id: m.event_id,
            member_id: m.member_id.map(|id| id.as_uuid()),
            scene: m.scene.as_str().to_owned(),
            channel: m.channel.as_str().to_owned(),
            recipient,
            template: m.template.clone(),
            status: r.status.as_str().to_owned(),
            attempts: r.attempts,
            last_error: r.last_error.clone(),
            parts: m.parts,
            created_at: m.created_at,
            due_at: m.due_at,
            sent_at: r.sent_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MessagePageView {
    pub items: Vec<MessageView>,
    pub next_cursor: Option<String>,
}

/// The merchant's notifications by status, newest first: HQ watches the failed ones here
/// (HQ only).
#[utoipa::path(tag = "merchant", params(MessagesQuery), responses((status = 200, body = MessagePageView), (status = 403, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
#[get("/notifications")]
pub async fn list_messages(
    staff: StaffAuth,
    state: web::Data<AppState>,
    query: web::Query<MessagesQuery>,
) -> Result<HttpResponse, ApiError> {
    staff.require_headquarters()?;
    let status = match query.status.as_deref() {
        None => MessageStatus::Failed,
        Some(s) => MessageStatus::parse(s).ok_or_else(|| {
            ApiError::invalid("status", "must be failed, pending, sent or standby")
        })?,
    };
    let page = Page::<Uuid>::with_limit("msg", query.limit.unwrap_or(20), query.cursor.as_deref())?;
    let records = state
        .loyalty
        .notifications()
        .messages(staff.merchant_id, status, page.before, page.limit)
        .await?;
    Ok(HttpResponse::Ok().json(MessagePageView {
        items: records.iter().map(Into::into).collect(),
        next_cursor: page.next(&records, |r| r.message.id),
    }))
}

/// Queues a failed notification again, to be sent now (HQ only).
#[utoipa::path(tag = "merchant", params(("id" = Uuid, Path)), responses((status = 204), (status = 403, body = Problem), (status = 404, body = Problem, description = "message_not_found"), (status = 409, body = Problem, description = "message_replaced: a WeChat message whose SMS in reserve went instead")), security(("bearer" = [])))]
#[post("/notifications/{id}/retry")]
pub async fn retry_message(
    staff: StaffAuth,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    staff.require_headquarters()?;
    state
        .loyalty
        .notifications()
        .requeue(staff.merchant_id, id.into_inner())
        .await?;
    state.doorbell.notify_one();
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct UsageQuery {
    /// `YYYY-MM`, a month in the merchant's time zone.
    #[param(pattern = "^[0-9]{4}-(0[1-9]|1[0-2])$", example = "2026-12")]
    pub month: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UsageView {
    pub month: String,
    /// SMS sent.
    pub messages: u64,
    /// What they are billed as: 70 characters for one, 67 a part when longer.
    pub billable_parts: u64,
}

/// SMS sent in a month and their billable parts (HQ only).
#[utoipa::path(tag = "merchant", params(UsageQuery), responses((status = 200, body = UsageView), (status = 403, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
#[get("/notifications/usage")]
pub async fn usage(
    staff: StaffAuth,
    state: web::Data<AppState>,
    query: web::Query<UsageQuery>,
) -> Result<HttpResponse, ApiError> {
    staff.require_headquarters()?;
    let bad = || ApiError::invalid("month", "must be YYYY-MM");
    let (year, month) = query.month.split_once('-').ok_or_else(bad)?;
    let (year, month): (i32, u32) = (
        year.parse().map_err(|_| bad())?,
        month.parse().map_err(|_| bad())?,
    );
    let used = state
        .loyalty
        .notifications()
        .sms_usage(staff.merchant_id, year, month)
        .await?;
    Ok(HttpResponse::Ok().json(UsageView {
        month: query.month.clone(),
        messages: used.messages,
        billable_parts: used.parts,
    }))
}
