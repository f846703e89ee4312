//! The coupons' scheduled work and gifts: birthday coupons, expiring-soon notices, expiry;
//! and the gifts a registration or a birthday gives.

use super::CouponsService;
use crate::Result;
use crate::coupons::CouponSource;
use crate::coupons::CouponsError;
use crate::coupons::CouponsTx;
use crate::coupons::{Grant, grant, with_templates};
use crate::events::DomainEvent;
use crate::events::Notifier;
use crate::kernel::with_retry;
use crate::kernel::{Clock, Transaction, TxMode, UnitOfWork};
use crate::kernel::{CouponTemplateId, MemberId};
use crate::members::MembersTx;
use crate::merchants::Merchant;
use crate::merchants::MerchantsTx;
use crate::notifications::NotifyTx;
use crate::notifications::enqueue_for;
use crate::settings::SettingsTx;
use crate::settings::{MerchantSettings, SettingKind};
use chrono::{DateTime, Utc};

impl<U, C, N> CouponsService<'_, U, C, N>
where
    U: UnitOfWork<Tx: CouponsTx + NotifyTx>,
    C: Clock,
    N: Notifier,
{
    /// Gives the birthday gift coupons of merchants that set them up to the members whose
    /// local birthday it is (a 29 February birthday on 28 February in other years): once a
    /// year per member and template, however often and wherever it runs (the year is the
    /// coupons' reference). Returns how many coupons were given.
    ///
    /// # Errors
    /// Storage failures.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn give_birthday_coupons(self, batch: u64) -> Result<u64> {
        let merchants = {
            let mut tx = self.uow.begin(TxMode::Lookup).await?;
            tx.settings().merchants_with(SettingKind::Checkout).await?
        };
        let mut given = 0;
        for merchant_id in merchants {
            let (merchant, settings) = {
                let mut tx = self.uow.begin(TxMode::Lookup).await?;
                let Some(merchant) = tx.merchants().merchant(merchant_id).await? else {
                    continue;
                };
                (merchant, tx.settings().settings(merchant_id).await?)
            };
            if settings.checkout.value.gifts.birthday.is_empty() {
                continue;
            }
            let today = merchant.time_zone.local_date(self.clock.now());
            let year = chrono::Datelike::year(&today).to_string();
            let mut after = None;
            while let Some(page) =
                crate::members::birthdays(&self.uow, merchant_id, today, after, batch).await?
            {
                after = Some(page.last);
                for member in &page.celebrants {
                    let events = with_retry!(
                        self.try_birthday_gift(&merchant, &settings, member.id, &year)
                    )?;
                    given += events
                        .iter()
                        .filter(|e| matches!(e, DomainEvent::CouponIssued { .. }))
                        .count() as u64;
                    self.publish(&events).await;
                }
                if !page.more {
                    break;
                }
            }
        }
        Ok(given)
    }

    async fn try_birthday_gift(
        self,
        merchant: &Merchant,
        settings: &MerchantSettings,
        member_id: MemberId,
        year: &str,
    ) -> Result<Vec<DomainEvent>> {
        let now = self.clock.now();
        let mut tx = self.uow.begin(TxMode::Write).await?;
        if tx
            .members()
            .lock_member(merchant.id, member_id)
            .await?
            .is_none()
        {
            return Ok(Vec::new());
        }
        let events = give_gifts(
            &mut tx,
            merchant,
            &settings.checkout.value.gifts.birthday,
            member_id,
            CouponSource::Birthday,
            year,
            now,
        )
        .await?;
        enqueue_for(&mut tx, merchant, settings, &events, now).await?;
        tx.commit().await?;
        Ok(events)
    }

    /// Tells members of the coupons whose window ends within the merchant's
    /// `coupon_notice_days`, for merchants that set up the `coupon_expiring_soon` scene: each
    /// coupon once, however often and wherever it runs (the mark and the message commit
    /// together). Returns how many coupons were announced.
    ///
    /// # Errors
    /// Storage failures.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn announce_expiring(self, batch: u64) -> Result<u64> {
        let merchants = crate::notifications::merchants_telling(
            &self.uow,
            crate::notifications::Scene::CouponExpiringSoon,
        )
        .await?;
        let mut announced = 0;
        for (merchant, settings) in merchants {
            let days = settings.checkout.value.coupon_notice_days;
            if days == 0 {
                continue;
            }
            loop {
                let events =
                    with_retry!(self.try_announce_coupons(&merchant, &settings, days, batch))?;
                announced += events.len() as u64;
                self.publish(&events).await;
                if (events.len() as u64) < batch.max(1) {
                    break;
                }
            }
        }
        Ok(announced)
    }

    async fn try_announce_coupons(
        self,
        merchant: &Merchant,
        settings: &MerchantSettings,
        days: u32,
        batch: u64,
    ) -> Result<Vec<DomainEvent>> {
        let now = self.clock.now();
        let horizon = now + chrono::Duration::days(i64::from(days));
        let mut tx = self.uow.begin(TxMode::Write).await?;
        let coupons = tx
            .coupons()
            .announce_expiring(merchant.id, now, horizon, batch.max(1))
            .await?;
        let held = with_templates(&mut tx, merchant.id, coupons).await?;
        let events: Vec<DomainEvent> = held
            .iter()
            .map(|h| DomainEvent::CouponExpiringSoon {
                merchant_id: merchant.id,
                member_id: h.coupon.member_id,
                coupon_id: h.coupon.id,
                code: h.coupon.code.clone(),
                name: h.template.rules.name.clone(),
                valid_until: h.coupon.valid_until,
            })
            .collect();
        enqueue_for(&mut tx, merchant, settings, &events, now).await?;
        tx.commit().await?;
        Ok(events)
    }

    /// Expires every usable coupon whose window has ended (the scheduled job; two processes
    /// may run it at once: each coupon expires once).
    ///
    /// # Errors
    /// Storage failures only.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn expire_due(self) -> Result<u64> {
        let now = self.clock.now();
        let mut total = 0;
        loop {
            let mut tx = self.uow.begin(TxMode::Write).await?;
            let expired = tx.coupons().expire_due(now, 500).await?;
            tx.commit().await?;
            total += expired;
            if expired < 500 {
                return Ok(total);
            }
        }
    }
}

/// Gives the member the gift coupons of `templates` once (the reference makes a replay or
/// a second run give nothing more); a template out of stock, stopped or at its limit gives
/// nothing, and the rest still go. The caller holds the member's lock.
pub(crate) async fn give_gifts(
    tx: &mut impl crate::coupons::CouponsTx,
    merchant: &Merchant,
    templates: &[CouponTemplateId],
    member_id: MemberId,
    source: CouponSource,
    source_ref: &str,
    now: DateTime<Utc>,
) -> Result<Vec<DomainEvent>> {
    let mut events = Vec::new();
    // In id order, whatever the settings' order: two gifts at once take the templates' rows
    // in one order and never deadlock.
    let mut ids = templates.to_vec();
    ids.sort_unstable();
    ids.dedup();
    for id in &ids {
        let Some(template) = tx.coupons().template(merchant.id, *id).await? else {
            continue;
        };
        let held = tx
            .coupons()
            .holders_of(merchant.id, template.id, source, source_ref, &[member_id])
            .await?;
        if !held.is_empty() {
            continue;
        }
        let gift = Grant {
            template: &template,
            member_id,
            source,
            source_ref: Some(source_ref.to_owned()),
            by_member: false,
        };
        match grant(&mut *tx, merchant, gift, now).await {
            Ok((_, told)) => events.extend(told),
            Err(refused)
                if matches!(
                    refused.refusal::<CouponsError>(),
                    Some(
                        CouponsError::ClaimClosed
                            | CouponsError::StockExhausted
                            | CouponsError::CouponLimitReached
                            | CouponsError::CouponDailyLimitReached
                    )
                ) =>
            {
                tracing::info!(template = %template.id, "gift coupon not given: template closed, out of stock or at its limit");
            }
            Err(other) => return Err(other),
        }
    }
    Ok(events)
}
