//! The merchant wallet's movements and withdrawals, as HQ and the platform see them;
//! withdrawals page by page.

use super::fen;
use crate::error::ApiError;
use crate::http::pagination::Page;
use crate::state::AppState;
use actix_web::HttpResponse;
use chrono::{DateTime, Utc};
use loyalty_core::kernel::{MerchantId, WithdrawalId};
use loyalty_core::wallet::{WalletEntry, WalletWithdrawal, WithdrawalStatus};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// One movement of a merchant's wallet.
#[derive(Debug, Serialize, ToSchema)]
pub struct WalletEntryView {
    pub id: Uuid,
    /// `payment`, `withdrawal_held`, `withdrawal_paid` or `withdrawal_returned`.
    pub kind: String,
    /// Signed changes.
    #[schema(example = "-100.00")]
    pub available_change: String,
    #[schema(example = "100.00")]
    pub pending_change: String,
    pub available_after: String,
    pub pending_after: String,
    /// The payment's reference at the provider, or the withdrawal's id.
    pub source_ref: String,
    pub created_at: DateTime<Utc>,
}

impl From<&WalletEntry> for WalletEntryView {
    fn from(e: &WalletEntry) -> Self {
        Self {
            id: e.id,
            kind: e.kind.as_str().to_owned(),
            available_change: fen(e.available_delta),
            pending_change: fen(e.pending_delta),
            available_after: e.available_after.to_string(),
            pending_after: e.pending_after.to_string(),
            source_ref: e.source_ref.clone(),
            created_at: e.created_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct WithdrawalView {
    pub id: Uuid,
    pub merchant_id: Uuid,
    #[schema(example = "500.00")]
    pub amount: String,
    /// `pending`, `approved` (paid out) or `rejected` (back in the wallet).
    pub status: String,
    /// HQ's note for the platform.
    pub note: Option<String>,
    pub requested_by: Option<Uuid>,
    pub requested_at: DateTime<Utc>,
    pub reviewed_at: Option<DateTime<Utc>>,
    /// The platform's reason.
    pub review_note: Option<String>,
}

impl From<&WalletWithdrawal> for WithdrawalView {
    fn from(w: &WalletWithdrawal) -> Self {
        Self {
            id: w.id.as_uuid(),
            merchant_id: w.merchant_id.as_uuid(),
            amount: w.amount.to_string(),
            status: w.status.as_str().to_owned(),
            note: w.note.clone(),
            requested_by: w.requested_by.map(|s| s.as_uuid()),
            requested_at: w.requested_at,
            reviewed_at: w.reviewed_at,
            review_note: w.review_note.clone(),
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct WithdrawalQuery {
    /// `pending`, `approved` or `rejected`; any when absent.
    #[param(pattern = "^(pending|approved|rejected)$")]
    pub status: Option<String>,
    /// One merchant's only.
    pub merchant_id: Option<Uuid>,
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<u64>,
    pub cursor: Option<String>,
}

/// The merchant's own withdrawals: [`WithdrawalQuery`] without another merchant to name.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct OwnWithdrawalQuery {
    /// `pending`, `approved` or `rejected`; any when absent.
    #[param(pattern = "^(pending|approved|rejected)$")]
    pub status: Option<String>,
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<u64>,
    pub cursor: Option<String>,
}

impl From<OwnWithdrawalQuery> for WithdrawalQuery {
    fn from(q: OwnWithdrawalQuery) -> Self {
        Self {
            status: q.status,
            merchant_id: None,
            limit: q.limit,
            cursor: q.cursor,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct WithdrawalList {
    pub items: Vec<WithdrawalView>,
    pub next_cursor: Option<String>,
}

/// A page of withdrawals, newest first: one merchant's, or (for the platform, `None`)
/// every merchant's.
pub async fn withdrawals(
    state: &AppState,
    merchant: Option<MerchantId>,
    query: &WithdrawalQuery,
) -> Result<HttpResponse, ApiError> {
    let status = match query.status.as_deref() {
        None => None,
        Some(s) => Some(
            WithdrawalStatus::parse(s)
                .ok_or_else(|| ApiError::invalid("status", "one of pending, approved, rejected"))?,
        ),
    };
    let page = Page::<WithdrawalId>::checked("withdrawal", query.limit, query.cursor.as_deref())?;
    let items = state
        .loyalty
        .wallet()
        .withdrawals(merchant, status, page.before, page.limit)
        .await?;
    Ok(HttpResponse::Ok().json(WithdrawalList {
        items: items.iter().map(WithdrawalView::from).collect(),
        next_cursor: page.next(&items, |w| w.id),
    }))
}
