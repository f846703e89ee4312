use super::PointsService;
use crate::checkout::OrdersTx;
use crate::coupons::CouponSource;
use crate::events::DomainEvent;
use crate::events::Notifier;
use crate::kernel::with_retry;
use crate::kernel::{Clock, Transaction, TxMode, UnitOfWork};
use crate::kernel::{InvalidValue, MemberId, MerchantId, OrderId, Points};
use crate::members::Member;
use crate::members::MembersTx;
use crate::merchants::Merchant;
use crate::merchants::merchant_of;
use crate::notifications::enqueue_for;
use crate::points::Action;
use crate::points::PointsTx;
use crate::points::{EntryDraft, credit};
use crate::points::{EntryKind, LedgerEntry, Source};
use crate::settings::MerchantSettings;
use crate::settings::SettingsTx;
use crate::tiers::GrowTx;
use crate::tiers::upgrade_on_growth;
use crate::{Error, Result};
use chrono::{DateTime, Utc};

/// Points an action earned.
#[derive(Debug, Clone)]
pub struct ActionAward {
    pub entry: LedgerEntry,
    /// `false` when the same action for the same thing had earned them already.
    pub new: bool,
}

/// Credits `points` for `action` to a member locked (or inserted) in `tx`, with the growth
/// they make and the tier upgrade it may bring. Returns the entry and the events.
#[allow(clippy::too_many_arguments)]
async fn credit_action(
    tx: &mut (impl crate::points::PointsTx + crate::tiers::GrowTx),
    merchant: &Merchant,
    settings: &MerchantSettings,
    member: &Member,
    action: Action,
    source: Source,
    points: Points,
    now: DateTime<Utc>,
) -> Result<(LedgerEntry, Vec<DomainEvent>)> {
    let draft = EntryDraft {
        merchant_id: merchant.id,
        member_id: member.id,
        kind: EntryKind::Earn,
        reason_code: action.reason_code().into(),
        title: action.title().into(),
        store_id: None,
        source: source.clone(),
        operator_id: None,
        policy_version: Some(settings.earning.version),
    };
    let expires_at = settings.expiry.value.expires_at(now, merchant.time_zone);
    let credited = credit(tx, &draft, points, expires_at, now).await?;
    let mut events = vec![DomainEvent::PointsEarned {
        merchant_id: merchant.id,
        member_id: member.id,
        points,
        balance_after: credited.balance_after,
    }];
    events.extend(
        upgrade_on_growth(tx, member, settings.tiers.as_ref(), merchant.time_zone, now).await?,
    );
    enqueue_for(tx, merchant, settings, &events, now).await?;
    Ok((credited.entry, events))
}

/// The registration bonus (注册送积分) and gift coupons for a member just inserted in `tx`
/// (whose row it holds), if the merchant offers them; the member's balance is updated to
/// match.
pub(crate) async fn welcome_bonus(
    tx: &mut impl crate::points::EarnTx,
    member: &mut Member,
    now: DateTime<Utc>,
) -> Result<Vec<DomainEvent>> {
    let settings = tx.settings().settings(member.merchant_id).await?;
    let gifts = &settings.checkout.value.gifts.registration;
    let rule = settings.earning.value.actions.registration;
    if rule.is_none() && gifts.is_empty() {
        return Ok(Vec::new());
    }
    let merchant = merchant_of(&mut *tx, member.merchant_id).await?;
    let mut events = crate::coupons::give_gifts(
        &mut *tx,
        &merchant,
        gifts,
        member.id,
        CouponSource::Registration,
        "registration",
        now,
    )
    .await?;
    enqueue_for(&mut *tx, &merchant, &settings, &events, now).await?;
    let Some(rule) = rule else {
        return Ok(events);
    };
    let source = Source::new(Action::Registration.as_str(), member.id);
    let (entry, earned) = credit_action(
        tx,
        &merchant,
        &settings,
        member,
        Action::Registration,
        source,
        rule.points,
        now,
    )
    .await?;
    member.points_balance = entry.balance_after;
    events.extend(earned);
    Ok(events)
}

/// What a member did: shared something (its reference), or reviewed an order.
#[derive(Debug, Clone)]
pub enum MemberAction {
    Share { reference: String },
    Review { order_id: OrderId },
}

impl MemberAction {
    const fn action(&self) -> Action {
        match self {
            Self::Share { .. } => Action::Share,
            Self::Review { .. } => Action::Review,
        }
    }

    fn source(&self, member_id: MemberId) -> Source {
        match self {
            // Shares are once per member and shared thing.
            Self::Share { reference } => {
                Source::new(Action::Share.as_str(), format!("{member_id}:{reference}"))
            }
            Self::Review { order_id } => Source::new(Action::Review.as_str(), order_id),
        }
    }
}

impl<U, C, N> PointsService<'_, U, C, N>
where
    U: UnitOfWork<Tx: GrowTx + OrdersTx + PointsTx>,
    C: Clock,
    N: Notifier,
{
    /// Awards the points the merchant gives for an action, once per shared thing or reviewed
    /// order (asking again answers the first award), at most the action's daily cap a local
    /// day.
    ///
    /// # Errors
    /// `validation_failed`, `action_not_offered`, `order_not_found` (not this member's),
    /// `daily_cap_reached`.
    #[tracing::instrument(level = "debug", skip_all, fields(merchant = %merchant_id, member = %member_id))]
    pub async fn award_action(
        self,
        merchant_id: MerchantId,
        member_id: MemberId,
        action: MemberAction,
    ) -> Result<ActionAward> {
        if let MemberAction::Share { reference } = &action {
            let ok = !reference.is_empty()
                && reference.len() <= 64
                && reference.chars().all(|c| c.is_ascii_graphic());
            if !ok {
                return Err(InvalidValue::new(
                    "reference",
                    "must be 1 to 64 visible ASCII characters",
                )
                .into());
            }
        }
        let source = action.source(member_id);
        match with_retry!(self.try_award(merchant_id, member_id, &action, &source)) {
            // A concurrent request for the same thing committed first.
            Err(Error::AlreadyApplied) => {
                let mut tx = self.uow.begin(TxMode::Lookup).await?;
                let entry = tx
                    .points()
                    .entry_by_source(merchant_id, EntryKind::Earn, &source)
                    .await?
                    .ok_or(Error::AlreadyApplied)?;
                Ok(ActionAward { entry, new: false })
            }
            Err(other) => Err(other),
            Ok((award, events)) => {
                self.publish(&events).await;
                Ok(award)
            }
        }
    }

    async fn try_award(
        self,
        merchant_id: MerchantId,
        member_id: MemberId,
        action: &MemberAction,
        source: &Source,
    ) -> Result<(ActionAward, Vec<DomainEvent>)> {
        let now = self.clock.now();
        let (merchant, settings) = {
            let mut lookup = self.uow.begin(TxMode::Lookup).await?;
            // Another member's order is not found, before anything of its review is read.
            if let MemberAction::Review { order_id } = action {
                let order = lookup.orders().order(merchant_id, *order_id).await?;
                if order.is_none_or(|o| o.member_id != member_id) {
                    return Err(Error::NotFound(crate::checkout::ORDER));
                }
            }
            if let Some(entry) = lookup
                .points()
                .entry_by_source(merchant_id, EntryKind::Earn, source)
                .await?
            {
                return Ok((ActionAward { entry, new: false }, Vec::new()));
            }
            let merchant = merchant_of(&mut lookup, merchant_id).await?;
            let settings = lookup.settings().settings(merchant_id).await?;
            (merchant, settings)
        };
        let rule = settings
            .earning
            .value
            .actions
            .rule(action.action())
            .ok_or(crate::points::PointsError::ActionNotOffered)?;
        let mut tx = self.uow.begin(TxMode::Write).await?;
        let member = tx
            .members()
            .lock_member(merchant_id, member_id)
            .await?
            .ok_or(Error::NotFound(crate::members::MEMBER))?;
        // Under the lock, look again: a request for the same thing may have written its
        // award since the lookup (on SQLite, into the same group commit, not yet visible
        // outside it). Answer it once this transaction is durable.
        if let Some(entry) = tx
            .points()
            .entry_by_source(merchant_id, EntryKind::Earn, source)
            .await?
        {
            tx.commit().await?;
            return Ok((ActionAward { entry, new: false }, Vec::new()));
        }
        let earned_today = match rule.daily_cap {
            Some(_) => {
                tx.points()
                    .earned_since(
                        merchant_id,
                        member_id,
                        action.action().reason_code(),
                        merchant.time_zone.start_of_day(now),
                    )
                    .await?
            }
            None => Points::ZERO,
        };
        let points = rule.points_after_cap(earned_today);
        if !points.is_positive() {
            return Err(crate::points::PointsError::DailyCapReached.into());
        }
        let (entry, events) = credit_action(
            &mut tx,
            &merchant,
            &settings,
            &member,
            action.action(),
            source.clone(),
            points,
            now,
        )
        .await?;
        tx.commit().await?;
        Ok((ActionAward { entry, new: true }, events))
    }
}
