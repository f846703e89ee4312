use super::PrivacyService;
use crate::cards::{CARD_TEMPLATE, CardEntry, CardsTx, HeldCard};
use crate::coupons::{COUPON_TEMPLATE, Coupon, CouponStatus, CouponsTx, HeldCoupon};
use crate::events::Notifier;
use crate::kernel::{Clock, MemberId, MerchantId, Money, Transaction, TxMode, UnitOfWork};
use crate::members::{MEMBER, Member, MembersTx};
use crate::notifications::OutboxTx;
use crate::points::{LedgerEntry, PointsTx};
use crate::privacy::PrivacyError;
use crate::tiers::{GrowthTx, TierChange};
use crate::{Error, Result};

/// Pages read at a time while gathering an export.
const EXPORT_PAGE: u64 = 200;

/// Everything the engine holds about one member, for the member or for HQ to hand over.
#[derive(Debug, Clone)]
pub struct MemberExport {
    pub member: Member,
    /// The points ledger, newest first.
    pub points_ledger: Vec<LedgerEntry>,
    /// The member's coupons in every status, newest first.
    pub coupons: Vec<HeldCoupon>,
    /// Each card with its ledger, newest entry first.
    pub cards: Vec<(HeldCard, Vec<CardEntry>)>,
    /// Tier changes, newest first.
    pub tier_history: Vec<TierChange>,
}

impl<U, C, N> PrivacyService<'_, U, C, N>
where
    U: UnitOfWork<Tx: MembersTx + PointsTx + CouponsTx + CardsTx + GrowthTx + OutboxTx>,
    C: Clock,
    N: Notifier,
{
    /// One member's data, read in one snapshot: profile, points ledger, coupons, cards and
    /// their ledgers, tier history.
    ///
    /// # Errors
    /// `member_not_found`.
    #[tracing::instrument(level = "debug", skip_all, fields(merchant = %merchant_id, member = %member_id))]
    pub async fn export(
        self,
        merchant_id: MerchantId,
        member_id: MemberId,
    ) -> Result<MemberExport> {
        let mut tx = self.uow.begin(TxMode::Read).await?;
        let member = tx
            .members()
            .member(merchant_id, member_id)
            .await?
            .ok_or(Error::NotFound(MEMBER))?;
        let mut points_ledger = Vec::new();
        let mut before = None;
        loop {
            let page = tx
                .points()
                .ledger_page(merchant_id, member_id, before, EXPORT_PAGE)
                .await?;
            points_ledger.extend(page.entries);
            match page.next_before_seq {
                Some(seq) => before = Some(seq),
                None => break,
            }
        }
        let mut coupons: Vec<Coupon> = Vec::new();
        loop {
            let page = tx
                .coupons()
                .member_coupons(
                    merchant_id,
                    member_id,
                    &CouponStatus::ALL,
                    coupons.last().map(|c| c.id),
                    EXPORT_PAGE,
                )
                .await?;
            let full = page.len() as u64 == EXPORT_PAGE;
            coupons.extend(page);
            if !full {
                break;
            }
        }
        let mut held_coupons = Vec::with_capacity(coupons.len());
        let mut coupon_templates = std::collections::HashMap::new();
        for coupon in coupons {
            let template = match coupon_templates.get(&coupon.template_id) {
                Some(t) => Clone::clone(t),
                None => {
                    let t = tx
                        .coupons()
                        .template(merchant_id, coupon.template_id)
                        .await?
                        .ok_or(Error::NotFound(COUPON_TEMPLATE))?;
                    coupon_templates.insert(coupon.template_id, t.clone());
                    t
                }
            };
            held_coupons.push(HeldCoupon { coupon, template });
        }
        let mut cards = Vec::new();
        for card in tx.cards().member_cards(merchant_id, member_id).await? {
            let template = tx
                .cards()
                .card_template(merchant_id, card.template_id)
                .await?
                .ok_or(Error::NotFound(CARD_TEMPLATE))?;
            let mut entries: Vec<CardEntry> = Vec::new();
            loop {
                let page = tx
                    .cards()
                    .card_entries(
                        merchant_id,
                        card.id,
                        entries.last().map(|e| e.id),
                        EXPORT_PAGE,
                    )
                    .await?;
                let full = page.len() as u64 == EXPORT_PAGE;
                entries.extend(page);
                if !full {
                    break;
                }
            }
            cards.push((HeldCard { card, template }, entries));
        }
        let tier_history = tx
            .growth()
            .tier_history(merchant_id, member_id, u64::from(u32::MAX))
            .await?;
        tx.commit().await?;
        Ok(MemberExport {
            member,
            points_ledger,
            coupons: held_coupons,
            cards,
            tier_history,
        })
    }

    /// Erases the member's personal data (the member asks, or HQ on the member's request):
    /// phone, WeChat identity, name and birthday go, both consents end, every token stops
    /// working, unsent messages are dropped and sent ones lose their recipient. Points,
    /// lots, ledgers, orders, coupons and cards stay on the anonymised member. Erasing an
    /// erased member answers it as it is.
    ///
    /// # Errors
    /// `member_not_found`; `member_holds_stored_value` while a card holds money.
    #[tracing::instrument(level = "debug", skip_all, fields(merchant = %merchant_id, member = %member_id))]
    pub async fn erase(self, merchant_id: MerchantId, member_id: MemberId) -> Result<Member> {
        let mut tx = self.uow.begin(TxMode::Write).await?;
        let member = tx
            .members()
            .lock_member(merchant_id, member_id)
            .await?
            .ok_or(Error::NotFound(MEMBER))?;
        if member.erased_at.is_some() {
            tx.commit().await?;
            return Ok(member);
        }
        let held: i64 = tx
            .cards()
            .member_cards(merchant_id, member_id)
            .await?
            .iter()
            .map(|c| c.balance().fen())
            .sum();
        if held > 0 {
            let amount = Money::from_fen(held).unwrap_or(Money::ZERO).to_string();
            return Err(PrivacyError::HoldsStoredValue { amount }.into());
        }
        tx.members()
            .erase_member(merchant_id, member_id, self.clock.now())
            .await?;
        tx.outbox().forget_member(merchant_id, member_id).await?;
        let erased = tx
            .members()
            .member(merchant_id, member_id)
            .await?
            .ok_or(Error::NotFound(MEMBER))?;
        tx.commit().await?;
        Ok(erased)
    }
}
