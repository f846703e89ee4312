//! What members are told, on which channel, with which template: the merchant's notification
//! settings, and the pure rules that turn an event into outbox messages (consent, WeChat
//! one-time subscriptions with an SMS fallback, quiet hours), the retry back-off and SMS
//! billing.

use crate::events::DomainEvent;
use crate::kernel::{InvalidValue, MemberId, MerchantId, MerchantTimeZone, Phone};
use chrono::{DateTime, Duration, NaiveTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Where a message goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    Sms,
    /// A WeChat subscribe message (订阅消息); each send uses one subscription the member
    /// granted for the template.
    Wechat,
}

impl Channel {
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Sms => "sms",
            Self::Wechat => "wechat",
        }
    }

    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        [Self::Sms, Self::Wechat]
            .into_iter()
            .find(|c| c.as_str() == s)
    }
}

/// What a message is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Scene {
    LoginCode,
    PointsEarned,
    PointsSpent,
    PointsExpiringSoon,
    TierUpgraded,
    Birthday,
    CouponReceived,
    CouponExpiringSoon,
    /// To HQ: an item's stock left fell to its alert (a coupon template's, for now).
    StockLow,
    /// Money went onto the member's stored-value card.
    TopUp,
    /// The member's stored-value card paid for an order (余额变动).
    CardPayment,
    /// A use of the member's count card was verified at a store (核销提醒).
    CardUse,
    /// The member's count card's uses lapse, or period card's period ends, soon.
    CardExpiringSoon,
    /// To HQ: the platform approved or rejected a withdrawal from the wallet.
    WithdrawalReviewed,
}

impl Scene {
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::LoginCode => "login_code",
            Self::PointsEarned => "points_earned",
            Self::PointsSpent => "points_spent",
            Self::PointsExpiringSoon => "points_expiring_soon",
            Self::TierUpgraded => "tier_upgraded",
            Self::Birthday => "birthday",
            Self::CouponReceived => "coupon_received",
            Self::CouponExpiringSoon => "coupon_expiring_soon",
            Self::StockLow => "stock_low",
            Self::TopUp => "top_up",
            Self::CardPayment => "card_payment",
            Self::CardUse => "card_use",
            Self::CardExpiringSoon => "card_expiring_soon",
            Self::WithdrawalReviewed => "withdrawal_reviewed",
        }
    }

    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        [
            Self::LoginCode,
            Self::PointsEarned,
            Self::PointsSpent,
            Self::PointsExpiringSoon,
            Self::TierUpgraded,
            Self::Birthday,
            Self::CouponReceived,
            Self::CouponExpiringSoon,
            Self::StockLow,
            Self::TopUp,
            Self::CardPayment,
            Self::CardUse,
            Self::CardExpiringSoon,
            Self::WithdrawalReviewed,
        ]
        .into_iter()
        .find(|c| c.as_str() == s)
    }

    /// Login codes are never held back by quiet hours, nor need marketing consent.
    #[must_use]
    pub const fn is_transactional(self) -> bool {
        matches!(self, Self::LoginCode)
    }

    /// Told to the merchant's HQ (its `hq_phones`, by SMS) rather than to a member.
    #[must_use]
    pub const fn is_for_hq(self) -> bool {
        matches!(self, Self::StockLow | Self::WithdrawalReviewed)
    }
}

/// A template parameter: its name at the provider, and the text it gets, with `{field}`
/// placeholders for the event's values (see [`event_values`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct TemplateParam {
    #[cfg_attr(feature = "openapi", schema(pattern = r"\S", max_length = 32))]
    pub name: String,
    #[cfg_attr(feature = "openapi", schema(max_length = 200))]
    pub value: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SmsTemplate {
    /// The provider's template code (`SMS_123456789`, or Tencent's template id).
    #[cfg_attr(feature = "openapi", schema(pattern = r"\S", max_length = 64))]
    pub template_code: String,
    /// The approved template text with the same placeholders, for counting billable parts.
    #[cfg_attr(feature = "openapi", schema(pattern = r"\S", max_length = 500))]
    pub text: String,
    pub params: Vec<TemplateParam>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct WechatTemplate {
    #[cfg_attr(feature = "openapi", schema(pattern = r"\S", max_length = 128))]
    pub template_id: String,
    /// The mini-program page a tap opens.
    #[serde(default)]
    pub page: Option<String>,
    /// Template keywords (`thing1`, `number2` …) and their values.
    pub data: Vec<TemplateParam>,
}

/// How one scene is told.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SceneSetting {
    pub scene: Scene,
    /// The channels in order of preference: the member is told on the first that reaches
    /// them (`["wechat", "sms"]`: by WeChat while they have a subscription, else by SMS).
    #[cfg_attr(feature = "openapi", schema(min_items = 1, max_items = 2))]
    pub channels: Vec<Channel>,
    #[serde(default)]
    pub sms: Option<SmsTemplate>,
    #[serde(default)]
    pub wechat: Option<WechatTemplate>,
}

/// Local hours in which only transactional messages go out (e.g. 22:00–08:00).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct QuietHours {
    #[cfg_attr(feature = "openapi", schema(value_type = String, pattern = r"^([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]$", example = "22:00:00"))]
    pub start: NaiveTime,
    #[cfg_attr(feature = "openapi", schema(value_type = String, pattern = r"^([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]$", example = "08:00:00"))]
    pub end: NaiveTime,
}

/// A merchant's notification settings.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NotificationSettings {
    /// The SMS signature (签名) messages are sent under, e.g. `【演示茶饮】` as `演示茶饮`;
    /// the SMS provider's configured default (`sms.sign_name`) when absent (the server saves
    /// that default here when HQ names none, so billable parts count the real signature).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(pattern = r"\S", max_length = 20))]
    pub sms_sign_name: Option<String>,
    #[serde(default)]
    pub scenes: Vec<SceneSetting>,
    #[serde(default)]
    pub quiet_hours: Option<QuietHours>,
    /// HQ's phones, told of HQ's scenes (`stock_low`, `withdrawal_reviewed`) by SMS; at most five. Left out of the
    /// JSON when empty, so settings saved without it read as before.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[cfg_attr(feature = "openapi", schema(max_items = 5))]
    pub hq_phones: Vec<Phone>,
}

fn text_ok(s: &str, max: usize) -> bool {
    !s.trim().is_empty() && s.chars().count() <= max
}

impl NotificationSettings {
    /// # Errors
    /// The first scene or template that cannot be sent as configured.
    pub fn validate(&self) -> Result<(), InvalidValue> {
        if self
            .sms_sign_name
            .as_deref()
            .is_some_and(|s| !text_ok(s, 20))
        {
            return Err(InvalidValue::new("sms_sign_name", "1 to 20 characters"));
        }
        if self.hq_phones.len() > 5 {
            return Err(InvalidValue::new("hq_phones", "at most five"));
        }
        if self
            .hq_phones
            .iter()
            .enumerate()
            .any(|(i, p)| self.hq_phones[..i].contains(p))
        {
            return Err(InvalidValue::new("hq_phones", "each phone at most once"));
        }
        for (i, scene) in self.scenes.iter().enumerate() {
            if self.scenes[..i].iter().any(|s| s.scene == scene.scene) {
                return Err(InvalidValue::new("scenes", "each scene at most once"));
            }
            if scene.channels.is_empty() || scene.channels.len() > 2 {
                return Err(InvalidValue::new("scenes.channels", "one or two channels"));
            }
            if scene.scene.is_for_hq() && scene.channels != [Channel::Sms] {
                return Err(InvalidValue::new(
                    "scenes.channels",
                    "HQ's scenes go by SMS to hq_phones only",
                ));
            }
            if scene.scene.is_for_hq() && self.hq_phones.is_empty() {
                // An alert is raised once: with nobody to tell, it would be lost for good.
                return Err(InvalidValue::new(
                    "hq_phones",
                    "HQ's scenes need at least one phone to tell",
                ));
            }
            if scene.channels.contains(&Channel::Sms) {
                let Some(sms) = &scene.sms else {
                    return Err(InvalidValue::new(
                        "scenes.sms",
                        "an SMS channel needs an SMS template",
                    ));
                };
                if !text_ok(&sms.template_code, 64) {
                    return Err(InvalidValue::new(
                        "scenes.sms.template_code",
                        "is required (1–64 characters)",
                    ));
                }
                if !text_ok(&sms.text, 500) {
                    return Err(InvalidValue::new(
                        "scenes.sms.text",
                        "is required (1–500 characters)",
                    ));
                }
            }
            if scene.channels.contains(&Channel::Wechat) {
                let Some(wechat) = &scene.wechat else {
                    return Err(InvalidValue::new(
                        "scenes.wechat",
                        "a WeChat channel needs a template",
                    ));
                };
                if !text_ok(&wechat.template_id, 128) {
                    return Err(InvalidValue::new(
                        "scenes.wechat.template_id",
                        "is required (1–128 characters)",
                    ));
                }
            }
            let params = scene
                .sms
                .iter()
                .flat_map(|t| &t.params)
                .chain(scene.wechat.iter().flat_map(|t| &t.data));
            for p in params {
                if !text_ok(&p.name, 32) {
                    return Err(InvalidValue::new("scenes.params.name", "1–32 characters"));
                }
                if p.value.chars().count() > 200 {
                    return Err(InvalidValue::new(
                        "scenes.params.value",
                        "at most 200 characters",
                    ));
                }
            }
        }
        Ok(())
    }

    #[must_use]
    pub fn scene(&self, scene: Scene) -> Option<&SceneSetting> {
        self.scenes.iter().find(|s| s.scene == scene)
    }
}

/// What the engine knows of a member's reachability.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contact {
    pub phone: Option<Phone>,
    pub openid: Option<String>,
    /// Marketing by SMS allowed (login codes go regardless).
    pub sms_consent: bool,
    /// WeChat messages allowed.
    pub wechat_consent: bool,
}

/// One message to send: the outbox row the dispatcher works through.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxMessage {
    pub id: Uuid,
    pub merchant_id: MerchantId,
    pub member_id: Option<MemberId>,
    /// The event it tells of; with the channel, unique.
    pub event_id: Uuid,
    pub scene: Scene,
    pub channel: Channel,
    /// A phone number (SMS) or an openid (WeChat).
    pub recipient: String,
    pub template: String,
    /// SMS: the signature; WeChat: the page.
    pub extra: Option<String>,
    pub params: Vec<(String, String)>,
    /// Billable SMS parts (0 for WeChat).
    pub parts: u32,
    pub created_at: DateTime<Utc>,
    /// Not before (quiet hours, back-off).
    pub due_at: DateTime<Utc>,
    /// An SMS kept in reserve for the event's WeChat message (its event id is
    /// [`fallback_event_id`] of that one's): sent only if WeChat turns that message down on
    /// its first attempt (the member has no subscription left there, errcode 43101),
    /// dropped when it is sent or fails otherwise.
    pub standby: bool,
}

/// The event id of the SMS kept in reserve for the WeChat message of `event_id`: derived, so
/// planning the event again finds it.
#[must_use]
pub fn fallback_event_id(event_id: Uuid) -> Uuid {
    Uuid::new_v5(&event_id, b"sms-fallback")
}

/// The values an event offers to templates, by name (`{points}`, `{balance}`, `{code}` …).
/// Times are the merchant's local time.
#[must_use]
pub fn event_values(event: &DomainEvent, tz: MerchantTimeZone) -> Vec<(&'static str, String)> {
    let local = |t: &DateTime<Utc>| {
        t.with_timezone(&tz.tz())
            .format("%Y-%m-%d %H:%M")
            .to_string()
    };
    match event {
        DomainEvent::LoginCodeRequested { code, .. } => vec![("code", code.clone())],
        DomainEvent::PointsEarned {
            points,
            balance_after,
            ..
        }
        | DomainEvent::PointsSpent {
            points,
            balance_after,
            ..
        } => vec![
            ("points", points.to_string()),
            ("balance", balance_after.to_string()),
        ],
        DomainEvent::PointsExpiringSoon {
            points, expires_at, ..
        } => vec![
            ("points", points.to_string()),
            ("expires_at", local(expires_at)),
        ],
        DomainEvent::TierUpgraded { to_tier, .. } => vec![("tier", to_tier.clone())],
        DomainEvent::Birthday { name, .. } => {
            vec![("name", name.clone().unwrap_or_else(|| "会员".to_owned()))]
        }
        DomainEvent::CouponIssued {
            name,
            code,
            valid_until,
            ..
        }
        | DomainEvent::CouponExpiringSoon {
            name,
            code,
            valid_until,
            ..
        } => vec![
            ("name", name.clone()),
            ("code", code.to_string()),
            ("valid_until", local(valid_until)),
        ],
        DomainEvent::CouponStockLow {
            name,
            remaining,
            stock,
            ..
        } => vec![
            ("name", name.clone()),
            ("remaining", remaining.to_string()),
            ("stock", stock.to_string()),
        ],
        DomainEvent::CardToppedUp {
            name,
            amount,
            bonus,
            balance_after,
            ..
        } => vec![
            ("name", name.clone()),
            ("amount", amount.to_string()),
            ("bonus", bonus.to_string()),
            ("balance", balance_after.to_string()),
        ],
        DomainEvent::CardPaid {
            name,
            amount,
            balance_after,
            ..
        } => vec![
            ("name", name.clone()),
            ("amount", amount.to_string()),
            ("balance", balance_after.to_string()),
        ],
        DomainEvent::CardUsed {
            name,
            item,
            uses_left,
            ..
        } => vec![
            ("name", name.clone()),
            ("item", item.clone()),
            (
                "uses_left",
                uses_left.map_or_else(|| "不限".to_owned(), |n| n.to_string()),
            ),
        ],
        DomainEvent::CardExpiringSoon {
            name,
            expires_at,
            uses_left,
            ..
        } => vec![
            ("name", name.clone()),
            ("expires_at", local(expires_at)),
            (
                "uses_left",
                uses_left.map_or_else(|| "不限".to_owned(), |n| n.to_string()),
            ),
        ],
        DomainEvent::WithdrawalReviewed {
            amount,
            approved,
            note,
            ..
        } => vec![
            ("amount", amount.to_string()),
            (
                "result",
                if *approved { "已通过" } else { "已驳回" }.to_owned(),
            ),
            ("note", note.clone().unwrap_or_else(|| "无".to_owned())),
        ],
        _ => Vec::new(),
    }
}

/// The scene an event belongs to, if anyone (members, or HQ) is told of it at all.
#[must_use]
pub const fn scene_of(event: &DomainEvent) -> Option<Scene> {
    match event {
        DomainEvent::LoginCodeRequested { .. } => Some(Scene::LoginCode),
        DomainEvent::PointsEarned { .. } => Some(Scene::PointsEarned),
        DomainEvent::PointsSpent { .. } => Some(Scene::PointsSpent),
        DomainEvent::PointsExpiringSoon { .. } => Some(Scene::PointsExpiringSoon),
        DomainEvent::TierUpgraded { .. } => Some(Scene::TierUpgraded),
        DomainEvent::Birthday { .. } => Some(Scene::Birthday),
        DomainEvent::CouponIssued { .. } => Some(Scene::CouponReceived),
        DomainEvent::CouponExpiringSoon { .. } => Some(Scene::CouponExpiringSoon),
        DomainEvent::CouponStockLow { .. } => Some(Scene::StockLow),
        DomainEvent::CardToppedUp { .. } => Some(Scene::TopUp),
        DomainEvent::CardPaid { .. } => Some(Scene::CardPayment),
        DomainEvent::CardUsed { .. } => Some(Scene::CardUse),
        DomainEvent::CardExpiringSoon { .. } => Some(Scene::CardExpiringSoon),
        DomainEvent::WithdrawalReviewed { .. } => Some(Scene::WithdrawalReviewed),
        _ => None,
    }
}

/// `value` with every `{name}` replaced by the event's value of that name.
#[must_use]
pub fn render(value: &str, values: &[(&'static str, String)]) -> String {
    values.iter().fold(value.to_owned(), |text, (name, v)| {
        text.replace(&format!("{{{name}}}"), v)
    })
}

/// How many SMS a text is billed as: up to 70 characters (the signature `【…】` included)
/// is one; longer texts go in parts of 67.
#[must_use]
pub fn billable_parts(text: &str) -> u32 {
    let chars = u32::try_from(text.chars().count()).unwrap_or(u32::MAX);
    match chars {
        0 => 0,
        1..=70 => 1,
        n => n.div_ceil(67),
    }
}

/// When a message held by quiet hours may go: `now` outside them, else their local end.
#[must_use]
pub fn after_quiet_hours(
    quiet: Option<QuietHours>,
    now: DateTime<Utc>,
    tz: MerchantTimeZone,
) -> DateTime<Utc> {
    let Some(q) = quiet else { return now };
    let local = now.with_timezone(&tz.tz());
    let time = local.time();
    let inside = if q.start <= q.end {
        time >= q.start && time < q.end
    } else {
        time >= q.start || time < q.end
    };
    if !inside {
        return now;
    }
    let mut end_date = local.date_naive();
    if time >= q.end {
        end_date = end_date.succ_opt().unwrap_or(end_date);
    }
    tz.instant_of(end_date.and_time(q.end)).unwrap_or(now)
}

/// Whether a WeChat subscription for the template could be used (and was, by the caller).
pub trait Subscriptions {
    /// Uses one of the member's subscriptions to `template_id`; `false` when none is left.
    fn take(&mut self, template_id: &str) -> bool;
}

/// The message an event makes under `settings` for a member reachable as `contact`: on the
/// scene's first channel that reaches them (SMS: a phone and consent, or a login code;
/// WeChat: an openid, consent and a subscription left for the template, which it uses), and
/// after a WeChat message, the SMS in reserve when SMS comes after WeChat and reaches them.
#[allow(clippy::too_many_arguments)]
#[must_use]
pub fn plan_messages(
    settings: &NotificationSettings,
    event_id: Uuid,
    event: &DomainEvent,
    merchant_id: MerchantId,
    member_id: Option<MemberId>,
    contact: &Contact,
    subscriptions: &mut dyn Subscriptions,
    now: DateTime<Utc>,
    tz: MerchantTimeZone,
) -> Vec<OutboxMessage> {
    let Some(scene) = scene_of(event) else {
        return Vec::new();
    };
    let Some(setting) = settings.scene(scene) else {
        return Vec::new();
    };
    let values = event_values(event, tz);
    let due_at = if scene.is_transactional() {
        now
    } else {
        after_quiet_hours(settings.quiet_hours, now, tz)
    };
    let message =
        |channel, recipient: String, template: &str, extra, params: Vec<_>, parts| OutboxMessage {
            id: Uuid::now_v7(),
            merchant_id,
            member_id,
            event_id,
            scene,
            channel,
            recipient,
            template: template.to_owned(),
            extra,
            params,
            parts,
            created_at: now,
            due_at,
            standby: false,
        };
    let sms = |setting: &SceneSetting| {
        let template = setting.sms.as_ref()?;
        let phone = contact.phone.as_ref()?;
        if !(contact.sms_consent || scene.is_transactional()) {
            return None;
        }
        // No signature of the merchant's own: the provider's configured default.
        let sign = settings.sms_sign_name.clone();
        let text = format!(
            "【{}】{}",
            sign.as_deref().unwrap_or("签名"),
            render(&template.text, &values)
        );
        let params = template
            .params
            .iter()
            .map(|p| (p.name.clone(), render(&p.value, &values)))
            .collect();
        Some(message(
            Channel::Sms,
            phone.as_str().to_owned(),
            &template.template_code,
            sign,
            params,
            billable_parts(&text),
        ))
    };
    for (i, channel) in setting.channels.iter().enumerate() {
        let planned = match channel {
            Channel::Sms => sms(setting),
            Channel::Wechat => {
                let reachable = contact.wechat_consent && contact.openid.is_some();
                match setting.wechat.as_ref() {
                    Some(t) if reachable && subscriptions.take(&t.template_id) => Some(message(
                        Channel::Wechat,
                        contact.openid.clone().unwrap_or_default(),
                        &t.template_id,
                        t.page.clone(),
                        t.data
                            .iter()
                            .map(|p| (p.name.clone(), render(&p.value, &values)))
                            .collect(),
                        0,
                    )),
                    _ => None,
                }
            }
        };
        if let Some(m) = planned {
            // WeChat first and SMS allowed after it: an SMS waits in reserve, for when WeChat
            // turns the message down (the member's subscriptions there ran out before ours).
            let reserve = (m.channel == Channel::Wechat
                && setting.channels[i + 1..].contains(&Channel::Sms))
            .then(|| sms(setting))
            .flatten()
            .map(|s| OutboxMessage {
                event_id: fallback_event_id(event_id),
                standby: true,
                ..s
            });
            return std::iter::once(m).chain(reserve).collect();
        }
    }
    Vec::new()
}

/// When a message that failed `attempts` times (≥ 1) is tried again: 30 s doubling to at
/// most an hour, times a jitter between ½ and 1 taken from the message id (so messages that
/// failed together do not retry together, and a retry is reproducible).
#[must_use]
pub fn backoff(message_id: Uuid, attempts: u32) -> Duration {
    let base = 30_i64.saturating_mul(1_i64 << attempts.saturating_sub(1).min(20));
    let capped = base.min(3_600);
    let jitter = (message_id.as_u128() & 0xffff) as i64; // 0..65535
    Duration::milliseconds(capped * 1_000 / 2 + capped * 1_000 / 2 * jitter / 65_535)
}

#[cfg(test)]
mod tests;
