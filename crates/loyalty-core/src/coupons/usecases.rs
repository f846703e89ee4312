//! Coupon templates and coupons: create, claim, exchange for points. Sending to
//! members and segments is in [`crate::usecases::coupon_issue`], verification in
//! [`crate::usecases::verification`], gifts and the scheduled jobs in [`crate::usecases::coupon_jobs`].
//!
//! Stock and limits are exact under concurrency by construction: a grant locks the member
//! (so a member's claims queue and each counts the ones before it), then takes stock with
//! one conditional `UPDATE` (so no number of members can take more than there is).

use super::CouponsService;
use crate::coupons::CouponCode;
use crate::coupons::CouponRules;
use crate::coupons::CouponsTx;
use crate::coupons::coupon_by_code;
use crate::coupons::{Coupon, CouponSource, CouponStatus, CouponTemplate};
use crate::engine::write_once;
use crate::events::DomainEvent;
use crate::events::Notifier;
use crate::kernel::IdempotencyTx;
use crate::kernel::with_retry;
use crate::kernel::{Clock, StoreError, Transaction, TxMode, UnitOfWork};
use crate::kernel::{CouponId, CouponTemplateId, MemberId, MerchantId, StaffId};
use crate::kernel::{Idempotent, Outcome};
use crate::members::Member;
use crate::members::MembersTx;
use crate::merchants::Merchant;
use crate::merchants::StoresTx;
use crate::merchants::merchant_of;
use crate::notifications::NotifyTx;
use crate::notifications::enqueue_for;
use crate::points::PointsTx;
use crate::points::{EntryDraft, debit};
use crate::points::{EntryKind, Source};
use crate::settings::MerchantSettings;
use crate::settings::SettingsTx;
use crate::{Error, Result};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A coupon with the template it came from (its name, benefit and scope).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HeldCoupon {
    pub coupon: Coupon,
    pub template: CouponTemplate,
}

/// A member's request for a coupon: claimed for free or exchanged for points.
#[derive(Debug, Clone)]
pub struct ClaimCoupon {
    pub merchant_id: MerchantId,
    pub member_id: MemberId,
    pub template_id: CouponTemplateId,
    /// Pay the template's points price (积分兑换券) instead of claiming it free.
    pub exchange: bool,
}

/// Why a coupon is granted, for [`grant`].
pub(crate) struct Grant<'a> {
    pub template: &'a CouponTemplate,
    pub member_id: MemberId,
    pub source: CouponSource,
    pub source_ref: Option<String>,
    /// Check the claim window and `claimable` (members claiming themselves).
    pub by_member: bool,
}

/// Grants one coupon of a template to a member inside `tx`, which must hold the member's
/// lock already: checks the template is active (and claimable now, for a member's own
/// claim), the per-member and per-day limits, takes one from the stock, and writes the
/// coupon. Answers the coupon and its events: `CouponIssued`, and `CouponStockLow` when it
/// took the stock to the template's alert.
pub(crate) async fn grant(
    tx: &mut impl crate::coupons::CouponsTx,
    merchant: &Merchant,
    grant: Grant<'_>,
    now: DateTime<Utc>,
) -> Result<(Coupon, Vec<DomainEvent>)> {
    let template = grant.template;
    let rules = &template.rules;
    if !template.active || (grant.by_member && !(rules.claimable && rules.claim_open(now))) {
        return Err(crate::coupons::CouponsError::ClaimClosed.into());
    }
    if let Some(limit) = rules.per_member_limit {
        let held = tx
            .coupons()
            .count_held(merchant.id, template.id, grant.member_id, None)
            .await?;
        if held >= limit {
            return Err(crate::coupons::CouponsError::CouponLimitReached.into());
        }
    }
    if let Some(limit) = rules.per_day_limit {
        let since = merchant.time_zone.start_of_day(now);
        let today = tx
            .coupons()
            .count_held(merchant.id, template.id, grant.member_id, Some(since))
            .await?;
        if today >= limit {
            return Err(crate::coupons::CouponsError::CouponDailyLimitReached.into());
        }
    }
    let coupon = new_coupon(
        merchant,
        template,
        grant.member_id,
        grant.source,
        grant.source_ref,
        now,
    );
    if coupon.valid_until <= now {
        // A fixed window that has ended: such a coupon could never be used.
        return Err(crate::coupons::CouponsError::ClaimClosed.into());
    }
    let Some(alert) = take_stock(tx, merchant.id, template, 1).await? else {
        return Err(crate::coupons::CouponsError::StockExhausted.into());
    };
    insert(tx, std::slice::from_ref(&coupon)).await?;
    let mut events = vec![issued_event(&coupon, template)];
    events.extend(alert);
    Ok((coupon, events))
}

/// Takes `count` from the template's stock in `tx`: `None` when it is stopped or the stock
/// does not hold them, else the `CouponStockLow` event for HQ when this take crossed the
/// template's low-stock alert.
pub(crate) async fn take_stock(
    tx: &mut impl crate::coupons::CouponsTx,
    merchant_id: MerchantId,
    template: &CouponTemplate,
    count: i64,
) -> Result<Option<Option<DomainEvent>>> {
    let Some(issued) = tx
        .coupons()
        .reserve_stock(merchant_id, template.id, count)
        .await?
    else {
        return Ok(None);
    };
    let alert = template
        .crossed_low_stock(issued, count)
        .then(|| DomainEvent::CouponStockLow {
            merchant_id,
            template_id: template.id,
            name: template.rules.name.clone(),
            remaining: template.rules.stock.map_or(0, |s| s - issued),
            stock: template.rules.stock.unwrap_or_default(),
        });
    Ok(Some(alert))
}

/// A coupon of `template` for `member`, valid by the template's rule from `now`.
pub(crate) fn new_coupon(
    merchant: &Merchant,
    template: &CouponTemplate,
    member_id: MemberId,
    source: CouponSource,
    source_ref: Option<String>,
    now: DateTime<Utc>,
) -> Coupon {
    let (valid_from, valid_until) = template.rules.validity.window(now, merchant.time_zone);
    Coupon {
        id: CouponId::new(),
        merchant_id: merchant.id,
        template_id: template.id,
        member_id,
        code: CouponCode::generate(),
        status: CouponStatus::Available,
        source,
        source_ref,
        valid_from,
        valid_until,
        claimed_at: now,
        used_at: None,
        used_order_id: None,
        used_store_id: None,
    }
}

/// Writes coupons; a code that collides (one in 10¹² per pair) makes the use case run
/// again with new codes.
pub(crate) async fn insert(
    tx: &mut impl crate::coupons::CouponsTx,
    coupons: &[Coupon],
) -> Result<()> {
    match tx.coupons().insert_coupons(coupons).await {
        Err(StoreError::Unique(crate::coupons::COUPON_CODE_KEY)) => Err(Error::Store(
            StoreError::Contention("coupon code collided".into()),
        )),
        Err(StoreError::Unique(crate::coupons::COUPON_SOURCE_KEY)) => Err(Error::AlreadyApplied),
        other => Ok(other?),
    }
}

pub(crate) fn issued_event(coupon: &Coupon, template: &CouponTemplate) -> DomainEvent {
    DomainEvent::CouponIssued {
        merchant_id: coupon.merchant_id,
        member_id: coupon.member_id,
        coupon_id: coupon.id,
        code: coupon.code.clone(),
        name: template.rules.name.clone(),
        valid_until: coupon.valid_until,
    }
}

/// The member's tier code as coupon scopes name it: the ladder's first tier for a member
/// without one of their own.
pub(crate) fn member_tier(settings: &MerchantSettings, member: &Member) -> Option<String> {
    match settings.tiers.as_ref().map(|t| &t.value) {
        Some(ladder) => ladder
            .levels
            .get(ladder.rank(member.tier_code.as_deref()))
            .map(|level| level.code.clone()),
        None => member.tier_code.clone(),
    }
}

/// The template, or `coupon_template_not_found`.
pub(crate) async fn template_of(
    tx: &mut impl crate::coupons::CouponsTx,
    merchant: MerchantId,
    id: CouponTemplateId,
) -> Result<CouponTemplate> {
    tx.coupons()
        .template(merchant, id)
        .await?
        .ok_or(Error::NotFound(crate::coupons::COUPON_TEMPLATE))
}

/// The templates behind these coupons, each with its coupons.
pub(crate) async fn with_templates(
    tx: &mut impl crate::coupons::CouponsTx,
    merchant: MerchantId,
    coupons: Vec<Coupon>,
) -> Result<Vec<HeldCoupon>> {
    let mut templates: Vec<CouponTemplate> = Vec::new();
    let mut held = Vec::with_capacity(coupons.len());
    for coupon in coupons {
        let template = match templates.iter().find(|t| t.id == coupon.template_id) {
            Some(t) => t.clone(),
            None => {
                let t = template_of(&mut *tx, merchant, coupon.template_id).await?;
                templates.push(t.clone());
                t
            }
        };
        held.push(HeldCoupon { coupon, template });
    }
    Ok(held)
}

impl<U, C, N> CouponsService<'_, U, C, N>
where
    U: UnitOfWork<Tx: CouponsTx + IdempotencyTx + NotifyTx + PointsTx + StoresTx>,
    C: Clock,
    N: Notifier,
{
    /// Creates a coupon template (HQ).
    ///
    /// # Errors
    /// `validation_failed`; a store in the scope that is not the merchant's is
    /// `store_not_found`.
    #[tracing::instrument(level = "debug", skip_all, fields(merchant = %merchant_id))]
    pub async fn create_template(
        self,
        merchant_id: MerchantId,
        rules: CouponRules,
        by: Option<StaffId>,
    ) -> Result<CouponTemplate> {
        rules.validate()?;
        let template = CouponTemplate {
            id: CouponTemplateId::new(),
            merchant_id,
            rules,
            issued: 0,
            active: true,
            created_by: by,
            created_at: self.clock.now(),
        };
        let mut tx = self.uow.begin(TxMode::Write).await?;
        crate::merchants::stores_exist(
            &mut tx,
            merchant_id,
            template.rules.scope.store_ids.iter().copied(),
        )
        .await?;
        tx.coupons().insert_template(&template).await?;
        tx.commit().await?;
        Ok(template)
    }

    /// # Errors
    /// `coupon_template_not_found`.
    #[tracing::instrument(level = "debug", skip_all, fields(merchant = %merchant_id, id = %id))]
    pub async fn template(
        self,
        merchant_id: MerchantId,
        id: CouponTemplateId,
    ) -> Result<CouponTemplate> {
        let mut tx = self.uow.begin(TxMode::Lookup).await?;
        template_of(&mut tx, merchant_id, id).await
    }

    /// The merchant's templates, newest first.
    ///
    /// # Errors
    /// Storage failures only.
    #[tracing::instrument(level = "debug", skip_all, fields(merchant = %merchant_id))]
    pub async fn templates(
        self,
        merchant_id: MerchantId,
        before: Option<CouponTemplateId>,
        limit: u64,
    ) -> Result<Vec<CouponTemplate>> {
        let mut tx = self.uow.begin(TxMode::Lookup).await?;
        Ok(tx.coupons().templates(merchant_id, before, limit).await?)
    }

    /// What a member can claim now (领券中心): active, claimable templates whose claim
    /// window is open, with stock left, and the member's tier allowed.
    ///
    /// # Errors
    /// `member_not_found`.
    #[tracing::instrument(level = "debug", skip_all, fields(merchant = %merchant_id, member = %member_id))]
    pub async fn claimable_templates(
        self,
        merchant_id: MerchantId,
        member_id: MemberId,
    ) -> Result<Vec<CouponTemplate>> {
        let now = self.clock.now();
        let mut tx = self.uow.begin(TxMode::Lookup).await?;
        let member = crate::members::member_of(&mut tx, merchant_id, member_id).await?;
        let settings = tx.settings().settings(merchant_id).await?;
        let tier = member_tier(&settings, &member);
        let mut open = Vec::new();
        let mut before = None;
        loop {
            let page = tx.coupons().templates(merchant_id, before, 100).await?;
            before = page.last().map(|t| t.id);
            let done = page.len() < 100;
            open.extend(page.into_iter().filter(|t| {
                t.active
                    && t.rules.claimable
                    && t.rules.claim_open(now)
                    && t.remaining().is_none_or(|r| r > 0)
                    && t.rules.scope.covers_tier(tier.as_deref())
            }));
            if done || open.len() >= 100 {
                break;
            }
        }
        Ok(open)
    }

    /// Starts or stops a template (HQ); a stopped one issues nothing more.
    ///
    /// # Errors
    /// `coupon_template_not_found`.
    #[tracing::instrument(level = "debug", skip_all, fields(merchant = %merchant_id, id = %id))]
    pub async fn set_template_active(
        self,
        merchant_id: MerchantId,
        id: CouponTemplateId,
        active: bool,
    ) -> Result<CouponTemplate> {
        let mut tx = self.uow.begin(TxMode::Write).await?;
        if !tx
            .coupons()
            .set_template_active(merchant_id, id, active)
            .await?
        {
            return Err(Error::NotFound(crate::coupons::COUPON_TEMPLATE));
        }
        let template = template_of(&mut tx, merchant_id, id).await?;
        tx.commit().await?;
        Ok(template)
    }

    /// A member claims a coupon, or exchanges points for one: one transaction takes the
    /// stock, checks the limits under the member's lock, spends the points (soonest-expiring
    /// lots first) and writes the coupon and its notification.
    ///
    /// # Errors
    /// `coupon_template_not_found`, `claim_closed`, `coupon_limit_reached`,
    /// `coupon_daily_limit_reached`, `stock_exhausted`, `not_exchangeable`
    /// (`validation_failed`), `insufficient_points`, `idempotency_key_reused`.
    #[tracing::instrument(level = "debug", skip_all, fields(merchant = %cmd.merchant_id, member = %cmd.member_id))]
    pub async fn claim(
        self,
        cmd: ClaimCoupon,
        idem: Option<&Idempotent>,
    ) -> Result<Outcome<HeldCoupon>> {
        write_once!(
            self,
            idem,
            check: Ok(()),
            prepare |lookup, _now| {
                let merchant = merchant_of(lookup, cmd.merchant_id).await?;
                Ok((merchant, lookup.settings().settings(cmd.merchant_id).await?))
            },
            effect |tx, (merchant, settings), now| {
                let member = tx
                    .members()
                    .lock_member(cmd.merchant_id, cmd.member_id)
                    .await?
                    .ok_or(Error::NotFound(crate::members::MEMBER))?;
                let template = template_of(tx, cmd.merchant_id, cmd.template_id).await?;
                let tier = member_tier(&settings, &member);
                if !template.rules.scope.covers_tier(tier.as_deref()) {
                    return Err(crate::coupons::CouponsError::ClaimClosed.into());
                }
                let price = match (cmd.exchange, template.rules.points_price) {
                    (false, _) => None,
                    (true, Some(price)) => Some(price),
                    (true, None) => {
                        return Err(crate::coupons::CouponsError::NotExchangeable.into());
                    }
                };
                let source = if price.is_some() {
                    CouponSource::Exchange
                } else {
                    CouponSource::Claim
                };
                let (coupon, mut events) = grant(
                    tx,
                    &merchant,
                    Grant {
                        template: &template,
                        member_id: member.id,
                        source,
                        source_ref: None,
                        by_member: true,
                    },
                    now,
                )
                .await?;
                if let Some(price) = price {
                    let draft = EntryDraft {
                        merchant_id: cmd.merchant_id,
                        member_id: member.id,
                        kind: EntryKind::Spend,
                        reason_code: "coupon_exchange".into(),
                        title: format!("积分兑换：{}", template.rules.name),
                        store_id: None,
                        source: Source::new("coupon", coupon.id),
                        operator_id: None,
                        policy_version: None,
                    };
                    let (entry, _expired) = debit(tx, &draft, price, now).await?;
                    events.push(crate::points::spent_event(&entry, price));
                }
                enqueue_for(tx, &merchant, &settings, &events, now).await?;
                let held = HeldCoupon { coupon, template };
                Ok((held, events))
            }
        )
    }

    /// Revokes a coupon that is still usable (HQ: issued by mistake, or abused); a used,
    /// expired or revoked one is refused with its state.
    ///
    /// # Errors
    /// `coupon_not_found`, `coupon_used`, `coupon_expired`, `coupon_revoked`.
    #[tracing::instrument(level = "debug", skip_all, fields(merchant = %merchant_id))]
    pub async fn revoke(self, merchant_id: MerchantId, code: &CouponCode) -> Result<HeldCoupon> {
        with_retry!(self.try_revoke(merchant_id, code))
    }

    async fn try_revoke(self, merchant_id: MerchantId, code: &CouponCode) -> Result<HeldCoupon> {
        let now = self.clock.now();
        let mut tx = self.uow.begin(TxMode::Write).await?;
        let mut coupon = coupon_by_code(&mut tx, merchant_id, code).await?;
        // Lapsed but not yet expired by the job: refused like an expired one.
        if coupon.status.usable() && coupon.valid_until <= now {
            return Err(crate::coupons::CouponsError::CouponExpired.into());
        }
        if !tx.coupons().revoke(merchant_id, coupon.id).await? {
            // Used or expired a moment ago: say which.
            let now_is = coupon_by_code(&mut tx, merchant_id, code).await?;
            return Err(crate::coupons::CouponsError::CouponNotUsable(now_is.status).into());
        }
        let template = template_of(&mut tx, merchant_id, coupon.template_id).await?;
        coupon.status = CouponStatus::Revoked;
        tx.commit().await?;
        Ok(HeldCoupon { coupon, template })
    }

    /// The member's coupons in these states (all when empty), newest first.
    ///
    /// # Errors
    /// Storage failures only.
    #[tracing::instrument(level = "debug", skip_all, fields(merchant = %merchant_id, member = %member_id))]
    pub async fn member_coupons(
        self,
        merchant_id: MerchantId,
        member_id: MemberId,
        statuses: &[CouponStatus],
        before: Option<CouponId>,
        limit: u64,
    ) -> Result<Vec<HeldCoupon>> {
        let mut tx = self.uow.begin(TxMode::Lookup).await?;
        let coupons = tx
            .coupons()
            .member_coupons(merchant_id, member_id, statuses, before, limit)
            .await?;
        with_templates(&mut tx, merchant_id, coupons).await
    }

    /// A coupon by its code, with its template.
    ///
    /// # Errors
    /// `coupon_not_found`.
    #[tracing::instrument(level = "debug", skip_all, fields(merchant = %merchant_id))]
    pub async fn by_code(self, merchant_id: MerchantId, code: &CouponCode) -> Result<HeldCoupon> {
        let mut tx = self.uow.begin(TxMode::Lookup).await?;
        let coupon = tx
            .coupons()
            .coupon_by_code(merchant_id, code)
            .await?
            .ok_or(Error::NotFound(crate::coupons::COUPON))?;
        let template = template_of(&mut tx, merchant_id, coupon.template_id).await?;
        Ok(HeldCoupon { coupon, template })
    }
}
