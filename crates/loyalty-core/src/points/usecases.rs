use super::PointsService;
use crate::Result;
use crate::engine::write_once;
use crate::events::DomainEvent;
use crate::events::Notifier;
use crate::kernel::IdempotencyTx;
use crate::kernel::Transaction;
use crate::kernel::with_retry;
use crate::kernel::{Clock, TxMode, UnitOfWork};
use crate::kernel::{Idempotent, Outcome};
use crate::kernel::{InvalidValue, MemberId, MerchantId, Points, StaffId, StoreId};
use crate::members::Member;
use crate::members::member_of;
use crate::merchants::StoresTx;
use crate::merchants::merchant_of;
use crate::notifications::enqueue_with;
use crate::points::PointsTx;
use crate::points::{AccountDrift, LedgerPage};
use crate::points::{EntryDraft, credit, debit, lock_and_expire};
use crate::points::{EntryKind, LedgerEntry, Source};
use crate::settings::SettingsTx;
use crate::tiers::GrowTx;
use uuid::Uuid;

/// A manual adjustment by HQ: a signed amount and a mandatory reason.
#[derive(Debug, Clone)]
pub struct AdjustPoints {
    pub merchant_id: MerchantId,
    pub member_id: MemberId,
    pub delta: Points,
    pub reason: String,
    pub store_id: Option<StoreId>,
    pub operator_id: Option<StaffId>,
}

impl AdjustPoints {
    fn validate(&self) -> Result<()> {
        if self.delta == Points::ZERO {
            return Err(InvalidValue::new("delta", "must not be zero").into());
        }
        if self.delta.value().unsigned_abs() > 100_000_000 {
            return Err(InvalidValue::new("delta", "must be within ±100000000").into());
        }
        let reason = self.reason.trim();
        if reason.is_empty() || reason.chars().count() > 200 {
            return Err(InvalidValue::new("reason", "is required (1 to 200 characters)").into());
        }
        Ok(())
    }
}

/// What a member sees of their points.
#[derive(Debug, Clone)]
pub struct PointsSummary {
    pub member: Member,
    /// The first [`SUMMARY_LOTS`] open lots, soonest-expiring first (points that expired
    /// but the job has not reached yet are left out).
    pub lots: Vec<crate::points::OpenLot>,
    /// When more lots follow: pass to [`PointsService::lots`] for the next page.
    pub more_lots_after: Option<chrono::DateTime<chrono::Utc>>,
    /// Points that expire before `notice_until`.
    pub expiring_soon: Points,
    /// The end of the merchant's notice period from now (`None`: the merchant tells no one).
    pub notice_until: Option<chrono::DateTime<chrono::Utc>>,
    pub tier: Option<crate::tiers::TierProgress>,
}

/// How many open lots the summary shows: what a member's points page shows first, however
/// many lots the member holds.
pub const SUMMARY_LOTS: u64 = 20;

/// A page of a member's open lots, soonest-expiring first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LotsPage {
    pub lots: Vec<crate::points::OpenLot>,
    /// Pass back to get the next page (the expiry of this page's last lot); `None` on the
    /// last page.
    pub next_after: Option<chrono::DateTime<chrono::Utc>>,
}

/// The member's open lots not due at `now` after `after`, at most `limit`, and whether
/// more follow (one lot more is read to know).
async fn lots_page(
    tx: &mut impl PointsTx,
    merchant_id: MerchantId,
    member_id: MemberId,
    now: chrono::DateTime<chrono::Utc>,
    after: Option<chrono::DateTime<chrono::Utc>>,
    limit: u64,
) -> Result<LotsPage> {
    let mut lots = tx
        .points()
        .lots_page(merchant_id, member_id, now, after, limit.saturating_add(1))
        .await?;
    let more = lots.len() as u64 > limit;
    lots.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
    // The lot that never expires comes last: nothing follows it.
    let next_after = if more {
        lots.last().and_then(|lot| lot.expires_at)
    } else {
        None
    };
    Ok(LotsPage { lots, next_after })
}

/// Spending points for a business source (a redemption, points as cash).
#[derive(Debug, Clone)]
pub struct SpendPoints {
    pub merchant_id: MerchantId,
    pub member_id: MemberId,
    pub amount: Points,
    pub reason_code: String,
    pub title: String,
    pub store_id: Option<StoreId>,
    pub source: Source,
    pub operator_id: Option<StaffId>,
}

impl<U, C, N> PointsService<'_, U, C, N>
where
    U: UnitOfWork<Tx: GrowTx + IdempotencyTx + PointsTx + StoresTx>,
    C: Clock,
    N: Notifier,
{
    /// Adds or takes points by hand. Added points form a lot that expires by the merchant's
    /// policy; taken points come from the soonest-expiring lots.
    ///
    /// # Errors
    /// `validation_failed`, `member_not_found`, `insufficient_points`, `idempotency_key_reused`.
    #[tracing::instrument(level = "debug", skip_all, fields(merchant = %cmd.merchant_id, member = %cmd.member_id))]
    pub async fn adjust(
        self,
        cmd: AdjustPoints,
        idem: Option<&Idempotent>,
    ) -> Result<Outcome<LedgerEntry>> {
        let adjustment_id = Uuid::now_v7();
        let draft = EntryDraft {
            merchant_id: cmd.merchant_id,
            member_id: cmd.member_id,
            kind: EntryKind::Adjust,
            reason_code: "manual".into(),
            title: cmd.reason.trim().to_owned(),
            store_id: cmd.store_id,
            source: Source::new("adjustment", adjustment_id),
            operator_id: cmd.operator_id,
            policy_version: None,
        };
        write_once!(
            self,
            idem,
            check: cmd.validate(),
            prepare |lookup, now| {
                crate::merchants::stores_exist(lookup, cmd.merchant_id, cmd.store_id).await?;
                if !cmd.delta.is_positive() {
                    return Ok(None);
                }
                let merchant = merchant_of(lookup, cmd.merchant_id).await?;
                let settings = lookup.settings().settings(cmd.merchant_id).await?;
                Ok(settings.expiry.value.expires_at(now, merchant.time_zone))
            },
            effect |tx, expires_at, now| {
                let entry = if cmd.delta.is_positive() {
                    credit(tx, &draft, cmd.delta, expires_at, now).await?.entry
                } else {
                    debit(tx, &draft, Points::new(-cmd.delta.value()), now)
                        .await?
                        .0
                };
                let event = DomainEvent::PointsAdjusted {
                    merchant_id: entry.merchant_id,
                    member_id: entry.member_id,
                    delta: entry.delta,
                    balance_after: entry.balance_after,
                };
                Ok((entry, vec![event]))
            }
        )
    }

    /// Spends points for `cmd.source`; a source spends once.
    ///
    /// # Errors
    /// `member_not_found`, `insufficient_points`, `already_applied`.
    #[tracing::instrument(level = "debug", skip_all, fields(merchant = %cmd.merchant_id, member = %cmd.member_id))]
    pub async fn spend(self, cmd: SpendPoints) -> Result<LedgerEntry> {
        if !cmd.amount.is_positive() {
            return Err(InvalidValue::new("amount", "must be more than 0").into());
        }
        let entry = with_retry!(self.try_spend(&cmd))?;
        self.publish(&[spent_event(&entry, cmd.amount)]).await;
        Ok(entry)
    }

    async fn try_spend(self, cmd: &SpendPoints) -> Result<LedgerEntry> {
        let now = self.clock.now();
        // What telling the member needs is looked up (through the cache) before the write.
        let (notifications, tz) = {
            let mut lookup = self.uow.begin(TxMode::Lookup).await?;
            let settings = lookup.settings().settings(cmd.merchant_id).await?;
            let tz = merchant_of(&mut lookup, cmd.merchant_id).await?.time_zone;
            (settings.notifications.value, tz)
        };
        let mut tx = self.uow.begin(TxMode::Write).await?;
        let draft = EntryDraft {
            merchant_id: cmd.merchant_id,
            member_id: cmd.member_id,
            kind: EntryKind::Spend,
            reason_code: cmd.reason_code.clone(),
            title: cmd.title.clone(),
            store_id: cmd.store_id,
            source: cmd.source.clone(),
            operator_id: cmd.operator_id,
            policy_version: None,
        };
        let (entry, _expired) = debit(&mut tx, &draft, cmd.amount, now).await?;
        enqueue_with(
            &mut tx,
            cmd.merchant_id,
            &notifications,
            tz,
            &[spent_event(&entry, cmd.amount)],
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(entry)
    }

    /// Expires the lots of up to `batch` members that are due now; safe to run in several
    /// processes at once (each lot expires once, under the member's lock). Returns the
    /// expire entries written.
    ///
    /// # Errors
    /// Storage failures.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn expire_due(self, batch: u64) -> Result<Vec<LedgerEntry>> {
        let now = self.clock.now();
        let members = {
            let mut tx = self.uow.begin(TxMode::Lookup).await?;
            tx.points().members_with_due_lots(now, batch).await?
        };
        let mut written = Vec::new();
        for (merchant_id, member_id) in members {
            let expired = with_retry!(self.try_expire(merchant_id, member_id))?;
            let events: Vec<DomainEvent> = expired
                .iter()
                .map(|e| DomainEvent::PointsExpired {
                    merchant_id,
                    member_id,
                    points: Points::new(-e.delta.value()),
                    balance_after: e.balance_after,
                })
                .collect();
            self.publish(&events).await;
            written.extend(expired);
        }
        Ok(written)
    }

    async fn try_expire(
        self,
        merchant_id: MerchantId,
        member_id: MemberId,
    ) -> Result<Vec<LedgerEntry>> {
        let now = self.clock.now();
        let mut tx = self.uow.begin(TxMode::Write).await?;
        let (_, expired) =
            lock_and_expire(&mut tx, merchant_id, member_id, Points::ZERO, now).await?;
        tx.commit().await?;
        Ok(expired)
    }

    /// A page of the member's points history, newest first.
    ///
    /// # Errors
    /// `member_not_found`, `validation_failed` for a limit outside 1..=100.
    #[tracing::instrument(level = "debug", skip_all, fields(merchant = %merchant_id, member = %member_id))]
    pub async fn ledger(
        self,
        merchant_id: MerchantId,
        member_id: MemberId,
        before_seq: Option<i64>,
        limit: u64,
    ) -> Result<LedgerPage> {
        if !(1..=100).contains(&limit) {
            return Err(InvalidValue::new("limit", "must be between 1 and 100").into());
        }
        let mut tx = self.uow.begin(TxMode::Lookup).await?;
        member_of(&mut tx, merchant_id, member_id).await?;
        Ok(tx
            .points()
            .ledger_page(merchant_id, member_id, before_seq, limit)
            .await?)
    }

    /// A page of the member's open lots, soonest-expiring first, after the lot expiring at
    /// `after` (a previous page's `next_after`).
    ///
    /// # Errors
    /// `member_not_found`, `validation_failed` for a limit outside 1..=100.
    #[tracing::instrument(level = "debug", skip_all, fields(merchant = %merchant_id, member = %member_id))]
    pub async fn lots(
        self,
        merchant_id: MerchantId,
        member_id: MemberId,
        after: Option<chrono::DateTime<chrono::Utc>>,
        limit: u64,
    ) -> Result<LotsPage> {
        if !(1..=100).contains(&limit) {
            return Err(InvalidValue::new("limit", "must be between 1 and 100").into());
        }
        let now = self.clock.now();
        let mut tx = self.uow.begin(TxMode::Lookup).await?;
        member_of(&mut tx, merchant_id, member_id).await?;
        lots_page(&mut tx, merchant_id, member_id, now, after, limit).await
    }

    /// The member's balance, the lots still open (soonest-expiring first), what expires
    /// within the merchant's notice period, and the tier with the way to the next one.
    ///
    /// # Errors
    /// `member_not_found`.
    #[tracing::instrument(level = "debug", skip_all, fields(merchant = %merchant_id, member = %member_id))]
    pub async fn summary(
        self,
        merchant_id: MerchantId,
        member_id: MemberId,
    ) -> Result<PointsSummary> {
        let now = self.clock.now();
        let mut tx = self.uow.begin(TxMode::Read).await?;
        let merchant = merchant_of(&mut tx, merchant_id).await?;
        let member = member_of(&mut tx, merchant_id, member_id).await?;
        let LotsPage { lots, next_after } =
            lots_page(&mut tx, merchant_id, member_id, now, None, SUMMARY_LOTS).await?;
        let settings = tx.settings().settings(merchant_id).await?;
        let expiry = settings.expiry.value;
        let notice_until = (expiry.notify_days_before > 0)
            .then(|| now + chrono::Duration::days(i64::from(expiry.notify_days_before)));
        let expiring_soon = match notice_until {
            Some(until) => {
                tx.points()
                    .expiring_within(merchant_id, member_id, now, until)
                    .await?
            }
            None => Points::ZERO,
        };
        let tier = crate::tiers::progress_of(
            &mut tx,
            &member,
            settings.tiers.as_ref(),
            merchant.time_zone,
            now,
        )
        .await?;
        Ok(PointsSummary {
            member,
            lots,
            more_lots_after: next_after,
            expiring_soon,
            notice_until,
            tier,
        })
    }

    /// Every account whose balance, ledger and lots disagree (empty when all is well).
    ///
    /// # Errors
    /// Storage failures.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn verify_ledger(self) -> Result<Vec<AccountDrift>> {
        let mut tx = self.uow.begin(TxMode::Lookup).await?;
        Ok(tx.points().drifts().await?)
    }
}

pub(crate) fn spent_event(entry: &LedgerEntry, amount: Points) -> DomainEvent {
    DomainEvent::PointsSpent {
        merchant_id: entry.merchant_id,
        member_id: entry.member_id,
        points: amount,
        balance_after: entry.balance_after,
    }
}
