//! A member's data as the privacy endpoints hand it over (the member, or HQ on request).

use crate::shared::cards::{CardEntryView, CardView};
use crate::shared::coupons::CouponView;
use crate::shared::members::{MemberView, TierChangeView};
use crate::shared::points::LedgerEntryView;
use chrono::{DateTime, Utc};
use loyalty_core::privacy::MemberExport;
use serde::Serialize;
use utoipa::ToSchema;

/// Everything the engine holds about one member.
#[derive(Debug, Serialize, ToSchema)]
pub struct MemberExportView {
    pub member: MemberView,
    /// When the member's personal data was erased; absent while it is kept.
    pub erased_at: Option<DateTime<Utc>>,
    /// The points ledger, newest first.
    pub points_ledger: Vec<LedgerEntryView>,
    /// Coupons in every status, newest first.
    pub coupons: Vec<CouponView>,
    pub cards: Vec<ExportedCardView>,
    /// Tier changes, newest first.
    pub tier_history: Vec<TierChangeView>,
}

/// A card with its whole ledger, newest entry first.
#[derive(Debug, Serialize, ToSchema)]
pub struct ExportedCardView {
    pub card: CardView,
    pub ledger: Vec<CardEntryView>,
}

impl From<&MemberExport> for MemberExportView {
    fn from(e: &MemberExport) -> Self {
        Self {
            member: (&e.member).into(),
            erased_at: e.member.erased_at,
            points_ledger: e.points_ledger.iter().map(Into::into).collect(),
            coupons: e.coupons.iter().map(Into::into).collect(),
            cards: e
                .cards
                .iter()
                .map(|(card, entries)| ExportedCardView {
                    card: card.into(),
                    ledger: entries.iter().map(Into::into).collect(),
                })
                .collect(),
            tier_history: e.tier_history.iter().map(Into::into).collect(),
        }
    }
}
