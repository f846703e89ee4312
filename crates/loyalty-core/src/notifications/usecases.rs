//! Notifications through the outbox: messages are planned and written in the transaction of
//! the change that causes them, and dispatchers send them, retry them with back-off, or give
//! them up for HQ to queue again.

use super::NotificationsService;
use crate::merchants::MerchantsTx;
use crate::notifications::NotificationsError;
use crate::notifications::NotifyTx;
use crate::notifications::OutboxTx;
use crate::settings::SettingsTx;

use crate::events::DomainEvent;
use crate::events::Notifier;
use crate::kernel::with_retry;
use crate::kernel::{Clock, StoreError, Transaction, TxMode, UnitOfWork};
use crate::kernel::{InvalidValue, MemberId, MerchantId, MerchantTimeZone};
use crate::members::Member;
use crate::members::member_of;
use crate::merchants::merchant_of;
use crate::notifications::{
    Channel, NotificationSettings, OutboxMessage, Scene, backoff, fallback_event_id,
};
use crate::notifications::{Contact, Subscriptions, plan_messages, scene_of};
use crate::notifications::{
    DeliveryError, MessageRecord, MessageStatus, OutgoingSms, OutgoingWechat, SmsGateway, SmsUsage,
    WechatGateway,
};
use crate::{Error, Result};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use uuid::Uuid;

/// The most one-time subscriptions of one template a member keeps.
pub const MAX_SUBSCRIPTIONS: u32 = 50;

/// The channels' senders a dispatcher works with.
#[derive(Clone, Copy)]
pub struct Gateways<'a> {
    pub sms: &'a dyn SmsGateway,
    pub wechat: &'a dyn WechatGateway,
}

/// How a dispatcher works.
#[derive(Debug, Clone, Copy)]
pub struct DispatchSettings {
    /// Messages claimed at a time.
    pub batch: u64,
    /// How long a claim holds: a dispatcher that dies leaves its messages to others after it.
    pub lease: Duration,
    /// Attempts before a message is given up.
    pub max_attempts: u32,
}

impl Default for DispatchSettings {
    fn default() -> Self {
        Self {
            batch: 100,
            lease: Duration::seconds(60),
            max_attempts: 5,
        }
    }
}

/// What a dispatch run did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DispatchReport {
    pub sent: u64,
    pub retried: u64,
    pub failed: u64,
    /// Messages whose lease ran out before they were settled (another dispatcher took over).
    pub lost_leases: u64,
    /// Claimed messages handed back unsent because half their lease had passed, or held by
    /// the quiet hours.
    pub deferred: u64,
    /// SMS in reserve put in line because WeChat refused their message's first attempt.
    pub fallbacks: u64,
}

struct Granted(Vec<(String, u32)>);

impl Subscriptions for Granted {
    fn take(&mut self, template_id: &str) -> bool {
        match self
            .0
            .iter_mut()
            .find(|(t, left)| t == template_id && *left > 0)
        {
            Some((_, left)) => {
                *left -= 1;
                true
            }
            None => false,
        }
    }
}

fn contact(member: &Member) -> Contact {
    Contact {
        phone: member.phone.clone(),
        openid: member.openid.clone(),
        sms_consent: member.sms_consent,
        wechat_consent: member.wechat_consent,
    }
}

/// Plans and writes the messages `events` make, in `tx` (before it commits).
pub(crate) async fn enqueue(
    tx: &mut impl crate::notifications::NotifyTx,
    merchant_id: MerchantId,
    events: &[DomainEvent],
    now: DateTime<Utc>,
) -> Result<()> {
    if !events.iter().any(|e| scene_of(e).is_some()) {
        return Ok(());
    }
    let settings = tx
        .settings()
        .settings(merchant_id)
        .await?
        .notifications
        .value;
    if !events
        .iter()
        .any(|e| scene_of(e).is_some_and(|s| settings.scene(s).is_some()))
    {
        return Ok(());
    }
    let tz = merchant_of(&mut *tx, merchant_id).await?.time_zone;
    enqueue_with(tx, merchant_id, &settings, tz, events, now).await
}

/// [`enqueue`] with the merchant's notification settings and time zone already at hand.
/// Nothing is read when the merchant tells members of none of these events.
pub(crate) async fn enqueue_with(
    tx: &mut impl crate::notifications::NotifyTx,
    merchant_id: MerchantId,
    settings: &NotificationSettings,
    tz: MerchantTimeZone,
    events: &[DomainEvent],
    now: DateTime<Utc>,
) -> Result<()> {
    let wanted: Vec<&DomainEvent> = events
        .iter()
        .filter(|e| scene_of(e).is_some_and(|s| settings.scene(s).is_some()))
        .collect();
    for event in wanted {
        if scene_of(event).is_some_and(Scene::is_for_hq) {
            enqueue_hq(tx, merchant_id, settings, tz, event, now).await?;
        } else {
            enqueue_one(tx, merchant_id, settings, tz, None, event, now).await?;
        }
    }
    Ok(())
}

/// Plans and writes the messages of an HQ scene: an SMS to each of the merchant's
/// `hq_phones`, each as its own event (the outbox holds one message per event, and its id is
/// the provider's dedup key for that message). HQ chose the phones: no consent to check.
async fn enqueue_hq(
    tx: &mut impl crate::notifications::NotifyTx,
    merchant_id: MerchantId,
    settings: &NotificationSettings,
    tz: MerchantTimeZone,
    event: &DomainEvent,
    now: DateTime<Utc>,
) -> Result<()> {
    let mut messages = Vec::new();
    for phone in &settings.hq_phones {
        let contact = Contact {
            phone: Some(phone.clone()),
            openid: None,
            sms_consent: true,
            wechat_consent: false,
        };
        messages.extend(plan_messages(
            settings,
            Uuid::now_v7(),
            event,
            merchant_id,
            None,
            &contact,
            &mut Granted(Vec::new()),
            now,
            tz,
        ));
    }
    if !messages.is_empty() {
        tx.outbox().enqueue(&messages).await?;
    }
    Ok(())
}

/// [`enqueue_with`] for a merchant and its settings as a use case holds them.
pub(crate) async fn enqueue_for(
    tx: &mut impl crate::notifications::NotifyTx,
    merchant: &crate::merchants::Merchant,
    settings: &crate::settings::MerchantSettings,
    events: &[DomainEvent],
    now: DateTime<Utc>,
) -> Result<()> {
    enqueue_with(
        tx,
        merchant.id,
        &settings.notifications.value,
        merchant.time_zone,
        events,
        now,
    )
    .await
}

/// Plans and writes the messages of one event; `false` when it makes none, or when
/// `known_id` names an event that has its messages already (a greeting planned earlier).
pub(crate) async fn enqueue_one(
    tx: &mut impl crate::notifications::NotifyTx,
    merchant_id: MerchantId,
    settings: &NotificationSettings,
    tz: MerchantTimeZone,
    known_id: Option<Uuid>,
    event: &DomainEvent,
    now: DateTime<Utc>,
) -> Result<bool> {
    let event_id = match known_id {
        Some(id) if tx.outbox().has_event(merchant_id, id).await? => return Ok(false),
        Some(id) => id,
        None => Uuid::now_v7(),
    };
    let (member_id, contact, mut granted) = match event {
        DomainEvent::LoginCodeRequested { phone, .. } => {
            let contact = Contact {
                phone: Some(phone.clone()),
                openid: None,
                sms_consent: true,
                wechat_consent: false,
            };
            (None, contact, Granted(Vec::new()))
        }
        other => {
            let Some(id) = other.member_id() else {
                return Ok(false);
            };
            let Some(member) = tx.members().member(merchant_id, id).await? else {
                return Ok(false);
            };
            let granted = if member.openid.is_some() && member.wechat_consent {
                Granted(tx.outbox().subscriptions(merchant_id, id).await?)
            } else {
                Granted(Vec::new())
            };
            (Some(id), contact(&member), granted)
        }
    };
    let messages = plan_messages(
        settings,
        event_id,
        event,
        merchant_id,
        member_id,
        &contact,
        &mut granted,
        now,
        tz,
    );
    for m in messages.iter().filter(|m| m.channel == Channel::Wechat) {
        let used = match member_id {
            Some(id) => {
                tx.outbox()
                    .take_subscription(merchant_id, id, &m.template)
                    .await?
            }
            None => false,
        };
        if !used {
            // Used up by a concurrent message since it was read: plan again.
            return Err(Error::Store(StoreError::Contention(
                "a subscription was used meanwhile".into(),
            )));
        }
    }
    if messages.is_empty() {
        return Ok(false);
    }
    let added = tx.outbox().enqueue(&messages).await?;
    if known_id.is_some() && added < messages.len() as u64 {
        // Planned concurrently by another run, which committed first: run again, see it.
        return Err(Error::Store(StoreError::Contention(
            "the event was planned meanwhile".into(),
        )));
    }
    Ok(true)
}

async fn send(gateways: &Gateways<'_>, m: &OutboxMessage) -> Result<Option<String>, DeliveryError> {
    match m.channel {
        Channel::Sms => {
            gateways
                .sms
                .send_sms(&OutgoingSms {
                    phone: &m.recipient,
                    sign_name: m.extra.as_deref().unwrap_or_default(),
                    template_code: &m.template,
                    params: &m.params,
                    dedup_key: m.event_id,
                })
                .await
        }
        Channel::Wechat => gateways
            .wechat
            .send_subscribe(&OutgoingWechat {
                openid: &m.recipient,
                template_id: &m.template,
                page: m.extra.as_deref(),
                data: &m.params,
            })
            .await
            .map(|()| None),
    }
}

/// The first instant of `month` (1–12) of `year` in the merchant's zone.
fn month_start(year: i32, month: u32, tz: MerchantTimeZone) -> Option<DateTime<Utc>> {
    tz.instant_of(NaiveDate::from_ymd_opt(year, month, 1)?.and_hms_opt(0, 0, 0)?)
}

/// The id of a member's birthday greeting in `year`: the same in every process and run, so
/// the greeting is planned once.
fn birthday_event_id(member: MemberId, year: i32) -> Uuid {
    Uuid::new_v5(&member.as_uuid(), format!("birthday-{year}").as_bytes())
}

impl<U, C, N> NotificationsService<'_, U, C, N>
where
    U: UnitOfWork<Tx: NotifyTx>,
    C: Clock,
    N: Notifier,
{
    /// Greets the members whose birthday it is today in their merchant's time zone (a
    /// 29 February birthday on 28 February in other years), for merchants that set up the
    /// `birthday` scene; once a year per member, however often and wherever it runs. Returns
    /// how many greetings were queued.
    ///
    /// # Errors
    /// Storage failures.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn greet_birthdays(self, batch: u64) -> Result<u64> {
        let merchants = merchants_telling(&self.uow, crate::notifications::Scene::Birthday).await?;
        let mut greeted = 0;
        for (merchant, settings) in merchants {
            let (merchant_id, tz, settings) = (
                merchant.id,
                merchant.time_zone,
                settings.notifications.value,
            );
            let today = tz.local_date(self.clock.now());
            let mut after = None;
            while let Some(page) =
                crate::members::birthdays(&self.uow, merchant_id, today, after, batch).await?
            {
                after = Some(page.last);
                for member in &page.celebrants {
                    let event = DomainEvent::Birthday {
                        merchant_id,
                        member_id: member.id,
                        name: member.name.clone(),
                    };
                    let id = birthday_event_id(member.id, chrono::Datelike::year(&today));
                    let queued = with_retry!(self.try_greet(&settings, tz, id, &event))?;
                    if queued {
                        greeted += 1;
                        self.publish(std::slice::from_ref(&event)).await;
                    }
                }
                if !page.more {
                    break;
                }
            }
        }
        Ok(greeted)
    }
    async fn try_greet(
        self,
        settings: &NotificationSettings,
        tz: MerchantTimeZone,
        id: Uuid,
        event: &DomainEvent,
    ) -> Result<bool> {
        let DomainEvent::Birthday { merchant_id, .. } = event else {
            return Ok(false);
        };
        let now = self.clock.now();
        let mut tx = self.uow.begin(TxMode::Write).await?;
        let queued = enqueue_one(&mut tx, *merchant_id, settings, tz, Some(id), event, now).await?;
        tx.commit().await?;
        Ok(queued)
    }

    /// Sends the messages that are due, batch after batch, until none is left: each is marked
    /// sent, put back with back-off (retryable failures, throttling), or given up (a rejection,
    /// or the last attempt). Several dispatchers may run at once, in one process or many: a
    /// message is leased to one of them at a time.
    ///
    /// # Errors
    /// Storage failures (the messages stay in the outbox).
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn dispatch(
        self,
        gateways: &Gateways<'_>,
        settings: DispatchSettings,
    ) -> Result<DispatchReport> {
        let mut report = DispatchReport::default();
        loop {
            let fallbacks_before = report.fallbacks;
            let now = self.clock.now();
            let claimed = {
                let mut tx = self.uow.begin(TxMode::Write).await?;
                let claimed = tx
                    .outbox()
                    .claim(now, now + settings.lease, settings.batch.max(1))
                    .await?;
                tx.commit().await?;
                claimed
            };
            let full = claimed.len() as u64 >= settings.batch.max(1);
            // Sends stop at half the lease, so no message is sent after its claim could have
            // passed to another dispatcher; what is left goes back at once.
            let deadline = now + settings.lease / 2;
            let mut claimed = claimed.into_iter();
            while let Some(c) = claimed.next() {
                if self.clock.now() >= deadline {
                    let left: Vec<_> = std::iter::once(c).chain(claimed).collect();
                    let mut tx = self.uow.begin(TxMode::Write).await?;
                    for c in &left {
                        tx.outbox().release(c.message.id, c.lease, None).await?;
                    }
                    tx.commit().await?;
                    report.deferred += left.len() as u64;
                    break;
                }
                // Queued before the quiet hours began (a backlog, a dispatcher that was
                // down): held until they end, with no attempt counted.
                let at = self
                    .not_in_quiet_hours(&c.message, self.clock.now())
                    .await?;
                if at > self.clock.now() {
                    let mut tx = self.uow.begin(TxMode::Write).await?;
                    let kept = tx.outbox().release(c.message.id, c.lease, Some(at)).await?;
                    tx.commit().await?;
                    if kept {
                        report.deferred += 1;
                    } else {
                        report.lost_leases += 1;
                    }
                    continue;
                }
                let result = send(gateways, &c.message).await;
                let now = self.clock.now();
                let attempts = c.attempts + 1;
                let id = c.message.id;
                let give_up = result.as_ref().is_err_and(DeliveryError::is_final)
                    || (result.is_err() && attempts >= settings.max_attempts);
                // When a retry is due is read before the write transaction (which, on
                // SQLite, holds the process's one writer).
                let retry_at = match &result {
                    Err(error) if !give_up => {
                        let mut wait = backoff(id, attempts);
                        if let DeliveryError::Throttled {
                            retry_after: Some(after),
                            ..
                        } = error
                        {
                            wait = wait.max(Duration::from_std(*after).unwrap_or(wait));
                        }
                        Some(self.not_in_quiet_hours(&c.message, now + wait).await?)
                    }
                    _ => None,
                };
                // A WeChat message turned down on its first attempt hands over to its SMS in
                // reserve. After an earlier attempt that failed unclearly (a timeout, a lost
                // answer) WeChat may have delivered it already — a refusal then may only mean
                // that attempt used the subscription — so the reserve is dropped instead, as
                // it is when the attempts run out or the message is sent.
                let wechat = c.message.channel == Channel::Wechat;
                let hand_over = wechat
                    && c.attempts == 0
                    && result.as_ref().is_err_and(DeliveryError::is_final);
                let reserve_due = if hand_over {
                    Some(self.not_in_quiet_hours(&c.message, now).await?)
                } else {
                    None
                };
                let mut tx = self.uow.begin(TxMode::Write).await?;
                let kept = match (&result, retry_at) {
                    (Ok(provider_id), _) => {
                        tx.outbox()
                            .mark_sent(id, c.lease, provider_id.clone(), now)
                            .await?
                    }
                    (Err(error), Some(due)) => {
                        tx.outbox()
                            .mark_retry(id, c.lease, attempts, due, &error.to_string())
                            .await?
                    }
                    (Err(error), None) => {
                        let reason = match error {
                            DeliveryError::Rejected(reason)
                            | DeliveryError::NoSubscription(reason) => reason.clone(),
                            other => other.to_string(),
                        };
                        tx.outbox()
                            .mark_failed(id, c.lease, attempts, &reason)
                            .await?
                    }
                };
                if let (true, Some(member), Err(DeliveryError::NoSubscription(_))) =
                    (kept, c.message.member_id, &result)
                {
                    // WeChat has none left: the next messages go straight to the next channel.
                    tx.outbox()
                        .clear_subscriptions(c.message.merchant_id, member, &c.message.template)
                        .await?;
                }
                if kept && wechat && (result.is_ok() || retry_at.is_none()) {
                    let reserve = fallback_event_id(c.message.event_id);
                    let handed_over = tx
                        .outbox()
                        .settle_standby(c.message.merchant_id, reserve, reserve_due)
                        .await?;
                    if handed_over && reserve_due.is_some() {
                        report.fallbacks += 1;
                    }
                }
                tx.commit().await?;
                if kept {
                    // Counted once settled: a message whose lease ran out is another's.
                    match (&result, retry_at) {
                        (Ok(_), _) => report.sent += 1,
                        (Err(_), Some(_)) => report.retried += 1,
                        (Err(_), None) => report.failed += 1,
                    }
                } else {
                    report.lost_leases += 1;
                    tracing::warn!(message = %id, "a notification's lease ran out before it was settled");
                }
                if let Err(error) = &result {
                    tracing::warn!(message = %id, channel = c.message.channel.as_str(), %error, attempts, "notification not sent");
                }
            }
            // SMS handed over just now go in this run too.
            if !full && report.fallbacks == fallbacks_before {
                return Ok(report);
            }
        }
    }

    /// `at`, or the end of the merchant's quiet hours when `at` falls in them (login codes
    /// are never held).
    async fn not_in_quiet_hours(
        self,
        message: &OutboxMessage,
        at: DateTime<Utc>,
    ) -> Result<DateTime<Utc>> {
        if message.scene.is_transactional() {
            return Ok(at);
        }
        let mut tx = self.uow.begin(TxMode::Lookup).await?;
        let quiet = tx
            .settings()
            .settings(message.merchant_id)
            .await?
            .notifications
            .value
            .quiet_hours;
        let tz = merchant_of(&mut tx, message.merchant_id).await?.time_zone;
        Ok(crate::notifications::after_quiet_hours(quiet, at, tz))
    }

    /// The merchant's messages in `status`, newest first.
    ///
    /// # Errors
    /// `validation_failed` for a limit outside 1..=100.
    #[tracing::instrument(level = "debug", skip_all, fields(merchant = %merchant_id))]
    pub async fn messages(
        self,
        merchant_id: MerchantId,
        status: MessageStatus,
        before: Option<Uuid>,
        limit: u64,
    ) -> Result<Vec<MessageRecord>> {
        if !(1..=100).contains(&limit) {
            return Err(InvalidValue::new("limit", "must be between 1 and 100").into());
        }
        let mut tx = self.uow.begin(TxMode::Lookup).await?;
        Ok(tx
            .outbox()
            .messages(merchant_id, status, before, limit)
            .await?)
    }

    /// Queues a failed message again: now, or when the merchant's quiet hours end (login
    /// codes never wait).
    ///
    /// # Errors
    /// `message_not_found` when the merchant has no failed message with that id;
    /// `message_replaced` for a WeChat message whose SMS in reserve went in its place.
    #[tracing::instrument(level = "debug", skip_all, fields(merchant = %merchant_id))]
    pub async fn requeue(self, merchant_id: MerchantId, id: Uuid) -> Result<()> {
        let mut lookup = self.uow.begin(TxMode::Lookup).await?;
        let failed = lookup.outbox().message(merchant_id, id).await?;
        let Some(failed) = failed.filter(|r| r.status == MessageStatus::Failed) else {
            return Err(Error::NotFound(crate::notifications::MESSAGE));
        };
        if failed.message.channel == Channel::Wechat {
            let reserve = lookup
                .outbox()
                .message_of_event(merchant_id, fallback_event_id(failed.message.event_id))
                .await?;
            if reserve.is_some_and(|r| r.status != MessageStatus::Standby) {
                // Its SMS in reserve went in its place: sending both would tell twice.
                return Err(crate::notifications::NotificationsError::MessageReplaced.into());
            }
        }
        drop(lookup);
        let due = self
            .not_in_quiet_hours(&failed.message, self.clock.now())
            .await?;
        let mut tx = self.uow.begin(TxMode::Write).await?;
        if !tx.outbox().requeue(merchant_id, id, due).await? {
            return Err(Error::NotFound(crate::notifications::MESSAGE));
        }
        if failed.message.channel == Channel::Wechat {
            // A reserve still waiting (left by a dispatcher that knew none) goes: the attempts
            // before cannot be told apart now, and one may have delivered the message.
            tx.outbox()
                .settle_standby(
                    merchant_id,
                    fallback_event_id(failed.message.event_id),
                    None,
                )
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// SMS sent in a month (the merchant's local month): messages and billable parts.
    ///
    /// # Errors
    /// `validation_failed` for a month that does not exist.
    #[tracing::instrument(level = "debug", skip_all, fields(merchant = %merchant_id))]
    pub async fn sms_usage(
        self,
        merchant_id: MerchantId,
        year: i32,
        month: u32,
    ) -> Result<SmsUsage> {
        let mut tx = self.uow.begin(TxMode::Lookup).await?;
        let tz = merchant_of(&mut tx, merchant_id).await?.time_zone;
        let bad = || InvalidValue::new("month", "must be YYYY-MM");
        let from = month_start(year, month, tz).ok_or_else(bad)?;
        let (next_year, next_month) = if month == 12 {
            (year + 1, 1)
        } else {
            (year, month + 1)
        };
        let to = month_start(next_year, next_month, tz).ok_or_else(bad)?;
        Ok(tx.outbox().sms_usage(merchant_id, from, to).await?)
    }

    /// Counts the one-time subscriptions a member accepted in the mini-program
    /// (`wx.requestSubscribeMessage`): one per template id of the merchant's notification
    /// settings (an id named twice counts once), at most [`MAX_SUBSCRIPTIONS`] kept.
    ///
    /// # Errors
    /// `validation_failed` for more than 20 ids, an empty or long one, or one that is not a
    /// template of the merchant's; `member_not_found`.
    #[tracing::instrument(level = "debug", skip_all, fields(merchant = %merchant_id, member = %member_id))]
    pub async fn add_subscriptions(
        self,
        merchant_id: MerchantId,
        member_id: MemberId,
        template_ids: &[String],
    ) -> Result<Vec<(String, u32)>> {
        let ok = template_ids.len() <= 20
            && template_ids.iter().all(|t| {
                !t.is_empty() && t.len() <= 128 && t.chars().all(|c| c.is_ascii_graphic())
            });
        if !ok {
            return Err(InvalidValue::new(
                "template_ids",
                "1 to 20 template ids of 1–128 visible ASCII characters",
            )
            .into());
        }
        // One acceptance per template a call, of the merchant's own templates only, and at
        // most MAX_SUBSCRIPTIONS kept per template.
        let mut ids: Vec<String> = template_ids.to_vec();
        ids.sort_unstable();
        ids.dedup();
        let settings = {
            let mut lookup = self.uow.begin(TxMode::Lookup).await?;
            lookup
                .settings()
                .settings(merchant_id)
                .await?
                .notifications
                .value
        };
        let known = |id: &String| {
            settings
                .scenes
                .iter()
                .filter_map(|s| s.wechat.as_ref())
                .any(|t| &t.template_id == id)
        };
        if let Some(unknown) = ids.iter().find(|id| !known(id)) {
            return Err(NotificationsError::TemplateNotOffered(unknown.clone()).into());
        }
        let mut tx = self.uow.begin(TxMode::Write).await?;
        member_of(&mut tx, merchant_id, member_id).await?;
        let held = tx.outbox().subscriptions(merchant_id, member_id).await?;
        ids.retain(|id| {
            held.iter()
                .find(|(t, _)| t == id)
                .is_none_or(|(_, left)| *left < MAX_SUBSCRIPTIONS)
        });
        tx.outbox()
            .add_subscriptions(merchant_id, member_id, &ids)
            .await?;
        let left = tx.outbox().subscriptions(merchant_id, member_id).await?;
        tx.commit().await?;
        Ok(left)
    }
}

/// The merchants that set up `scene`, each with its settings: whom a scheduled job that
/// tells members (or HQ) of something goes through.
///
/// # Errors
/// Storage failures.
pub(crate) async fn merchants_telling<U>(
    uow: &U,
    scene: crate::notifications::Scene,
) -> Result<
    Vec<(
        crate::merchants::Merchant,
        crate::settings::MerchantSettings,
    )>,
>
where
    U: UnitOfWork<Tx: NotifyTx>,
{
    let mut tx = uow.begin(TxMode::Lookup).await?;
    let ids = tx
        .settings()
        .merchants_with(crate::settings::SettingKind::Notifications)
        .await?;
    let mut telling = Vec::with_capacity(ids.len());
    for id in ids {
        let settings = tx.settings().settings(id).await?;
        if settings.notifications.value.scene(scene).is_none() {
            continue;
        }
        if let Some(merchant) = tx.merchants().merchant(id).await? {
            telling.push((merchant, settings));
        }
    }
    Ok(telling)
}
