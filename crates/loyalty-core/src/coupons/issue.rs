//! HQ sends a coupon to listed members or to a segment (定向发券).
//!
//! A send can reach many thousands of members, so it runs in batches of
//! [`ISSUE_BATCH`], each its own transaction that locks its members (in id order), skips
//! those at the template's limit or already holding a coupon of this send, takes the stock
//! for the rest with one conditional `UPDATE`, and writes their coupons. The send's
//! reference (`batch`) is part of each coupon's unique key: a send interrupted half way
//! and started again with the same reference gives nobody a second coupon.

use super::CouponsService;
use crate::coupons::CouponSource;
use crate::coupons::CouponsTx;
use crate::coupons::MemberSegment;
use crate::coupons::{issued_event, new_coupon, template_of};
use crate::events::DomainEvent;
use crate::events::Notifier;
use crate::kernel::Transaction;
use crate::kernel::with_retry;
use crate::kernel::{Clock, StoreError, TxMode, UnitOfWork};
use crate::kernel::{CouponTemplateId, InvalidValue, MemberId, MerchantId};
use crate::members::MembersTx;
use crate::merchants::Merchant;
use crate::merchants::merchant_of;
use crate::notifications::NotifyTx;
use crate::notifications::enqueue_for;
use crate::settings::MerchantSettings;
use crate::settings::SettingsTx;
use crate::{Error, Result};

/// Members one transaction of a send covers.
pub const ISSUE_BATCH: usize = 200;

/// Who a send goes to.
#[derive(Debug, Clone)]
pub enum IssueTarget {
    /// These members (at most 10,000; unknown ids are counted, not an error).
    Members(Vec<MemberId>),
    Segment(MemberSegment),
}

#[derive(Debug, Clone)]
pub struct IssueCoupons {
    pub merchant_id: MerchantId,
    pub template_id: CouponTemplateId,
    pub target: IssueTarget,
    /// The send's reference (1–64 visible ASCII): sending again with it gives nobody a
    /// second coupon of this send.
    pub batch: String,
}

/// What a send did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct IssueReport {
    /// Members who got a coupon now.
    pub issued: u64,
    /// Members who had one of this send already (a repeated send).
    pub already_issued: u64,
    /// Members at the template's per-member limit.
    pub at_limit: u64,
    /// Listed ids that are not the merchant's members.
    pub unknown: u64,
    /// Members left without a coupon because the stock ran out.
    pub out_of_stock: u64,
}

impl<U, C, N> CouponsService<'_, U, C, N>
where
    U: UnitOfWork<Tx: CouponsTx + NotifyTx>,
    C: Clock,
    N: Notifier,
{
    /// Sends a template's coupons to members or a segment (HQ). The template's claim window
    /// and `claimable` flag are for members' own claims; stock and per-member limit hold.
    ///
    /// # Errors
    /// `validation_failed`, `coupon_template_not_found`, `claim_closed` (a stopped
    /// template).
    #[tracing::instrument(level = "debug", skip_all, fields(merchant = %cmd.merchant_id))]
    pub async fn issue(self, cmd: IssueCoupons) -> Result<IssueReport> {
        let batch = cmd.batch.trim();
        if batch.is_empty() || batch.len() > 64 || !batch.chars().all(|c| c.is_ascii_graphic()) {
            return Err(
                InvalidValue::new("batch", "must be 1 to 64 visible ASCII characters").into(),
            );
        }
        let (merchant, settings, template) = {
            let mut lookup = self.uow.begin(TxMode::Lookup).await?;
            let merchant = merchant_of(&mut lookup, cmd.merchant_id).await?;
            let settings = lookup.settings().settings(cmd.merchant_id).await?;
            let template = template_of(&mut lookup, cmd.merchant_id, cmd.template_id).await?;
            (merchant, settings, template)
        };
        let now = self.clock.now();
        if !template.active || template.rules.validity.window(now, merchant.time_zone).1 <= now {
            return Err(crate::coupons::CouponsError::ClaimClosed.into());
        }
        let mut report = IssueReport::default();
        match &cmd.target {
            IssueTarget::Members(ids) => {
                if ids.len() > 10_000 {
                    return Err(InvalidValue::new("member_ids", "at most 10000 a send").into());
                }
                let mut ids = ids.clone();
                ids.sort_unstable();
                ids.dedup();
                for chunk in ids.chunks(ISSUE_BATCH) {
                    let part = with_retry!(self.issue_batch(
                        &merchant,
                        &settings,
                        cmd.template_id,
                        batch,
                        chunk
                    ))?;
                    report = add(report, part);
                }
            }
            IssueTarget::Segment(segment) => {
                let mut after = None;
                loop {
                    let members = {
                        let mut lookup = self.uow.begin(TxMode::Lookup).await?;
                        lookup
                            .coupons()
                            .segment_members(cmd.merchant_id, segment, after, ISSUE_BATCH as u64)
                            .await?
                    };
                    let Some(last) = members.last().copied() else {
                        break;
                    };
                    after = Some(last);
                    let part = with_retry!(self.issue_batch(
                        &merchant,
                        &settings,
                        cmd.template_id,
                        batch,
                        &members
                    ))?;
                    report = add(report, part);
                    if members.len() < ISSUE_BATCH {
                        break;
                    }
                }
            }
        }
        Ok(report)
    }

    async fn issue_batch(
        self,
        merchant: &Merchant,
        settings: &MerchantSettings,
        template_id: CouponTemplateId,
        batch: &str,
        members: &[MemberId],
    ) -> Result<IssueReport> {
        let now = self.clock.now();
        let mut tx = self.uow.begin(TxMode::Write).await?;
        let present = tx.members().lock_members(merchant.id, members).await?;
        let mut report = IssueReport {
            unknown: (members.len() - present.len()) as u64,
            ..IssueReport::default()
        };
        // Read under the locks: the stock and the holdings are what they are until commit.
        let template = template_of(&mut tx, merchant.id, template_id).await?;
        if !template.active {
            return Err(crate::coupons::CouponsError::ClaimClosed.into());
        }
        let holders = tx
            .coupons()
            .holders_of(
                merchant.id,
                template.id,
                CouponSource::Issue,
                batch,
                &present,
            )
            .await?;
        let counts = match template.rules.per_member_limit {
            Some(_) => {
                tx.coupons()
                    .counts_held(merchant.id, template.id, &present)
                    .await?
            }
            None => Vec::new(),
        };
        let mut wanted = Vec::with_capacity(present.len());
        for member in present {
            if holders.contains(&member) {
                report.already_issued += 1;
            } else if template
                .rules
                .per_member_limit
                .is_some_and(|limit| counts.iter().any(|(m, n)| *m == member && *n >= limit))
            {
                report.at_limit += 1;
            } else {
                wanted.push(member);
            }
        }
        let count = match template.remaining() {
            Some(left) => wanted.len().min(usize::try_from(left).unwrap_or(0)),
            None => wanted.len(),
        };
        report.out_of_stock = (wanted.len() - count) as u64;
        wanted.truncate(count);
        let mut events: Vec<DomainEvent> = Vec::new();
        if !wanted.is_empty() {
            let Some(alert) =
                crate::coupons::take_stock(&mut tx, merchant.id, &template, count as i64).await?
            else {
                // Members' claims took stock since it was read (it has no lock of its own:
                // the conditional update decides); read it again.
                return Err(Error::Store(StoreError::Contention(
                    "coupon stock moved during a send".into(),
                )));
            };
            let coupons: Vec<_> = wanted
                .iter()
                .map(|m| {
                    new_coupon(
                        merchant,
                        &template,
                        *m,
                        CouponSource::Issue,
                        Some(batch.to_owned()),
                        now,
                    )
                })
                .collect();
            crate::coupons::insert(&mut tx, &coupons).await?;
            events.extend(coupons.iter().map(|c| issued_event(c, &template)));
            events.extend(alert);
            enqueue_for(&mut tx, merchant, settings, &events, now).await?;
            report.issued = coupons.len() as u64;
        }
        tx.commit().await?;
        self.publish(&events).await;
        Ok(report)
    }
}

fn add(a: IssueReport, b: IssueReport) -> IssueReport {
    IssueReport {
        issued: a.issued + b.issued,
        already_issued: a.already_issued + b.already_issued,
        at_limit: a.at_limit + b.at_limit,
        unknown: a.unknown + b.unknown,
        out_of_stock: a.out_of_stock + b.out_of_stock,
    }
}
