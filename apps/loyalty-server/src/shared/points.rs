//! The points ledger, page by page, as a member and staff read it.

use crate::error::ApiError;
use crate::http::pagination::{PageQuery, cursor, position};
use crate::state::AppState;
use actix_web::HttpResponse;
use chrono::{DateTime, Utc};
use loyalty_core::kernel::MemberId;
use loyalty_core::points::LedgerEntry;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

#[derive(Debug, Serialize, ToSchema)]
pub struct LedgerEntryView {
    pub id: Uuid,
    /// 1, 2, 3 … per member in the order applied.
    pub seq: i64,
    /// `earn`, `spend`, `expire`, `adjust`, `reverse` or `return` (spent points given back).
    pub kind: String,
    pub delta: i64,
    pub balance_after: i64,
    pub reason_code: String,
    pub title: String,
    pub store_id: Option<Uuid>,
    pub source_type: String,
    pub source_id: String,
    pub operator_id: Option<Uuid>,
    /// Points that should have been taken back but had been spent.
    pub shortfall: i64,
    /// The earning policy version that computed an earn entry.
    pub policy_version: Option<i64>,
    pub created_at: DateTime<Utc>,
}

impl From<&LedgerEntry> for LedgerEntryView {
    fn from(e: &LedgerEntry) -> Self {
        Self {
            id: e.id.as_uuid(),
            seq: e.seq,
            kind: e.kind.as_str().to_owned(),
            delta: e.delta.value(),
            balance_after: e.balance_after.value(),
            reason_code: e.reason_code.clone(),
            title: e.title.clone(),
            store_id: e.store_id.map(|s| s.as_uuid()),
            source_type: e.source.source_type.clone(),
            source_id: e.source.source_id.clone(),
            operator_id: e.operator_id.map(|s| s.as_uuid()),
            shortfall: e.shortfall.value(),
            policy_version: e.policy_version,
            created_at: e.created_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LedgerPageView {
    pub items: Vec<LedgerEntryView>,
    /// Pass as `cursor` for the next (older) page; absent on the last page.
    pub next_cursor: Option<String>,
}

/// A page of a member's points ledger, newest first.
pub async fn ledger_page(
    state: &AppState,
    merchant: loyalty_core::kernel::MerchantId,
    member: MemberId,
    query: &PageQuery,
) -> Result<HttpResponse, ApiError> {
    let page = state
        .loyalty
        .points()
        .ledger(
            merchant,
            member,
            position("seq", query.cursor.as_deref())?,
            query.limit(),
        )
        .await?;
    Ok(HttpResponse::Ok().json(LedgerPageView {
        items: page.entries.iter().map(Into::into).collect(),
        next_cursor: page.next_before_seq.map(|seq| cursor("seq", seq)),
    }))
}
