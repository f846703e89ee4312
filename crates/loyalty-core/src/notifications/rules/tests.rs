use super::*;
use crate::kernel::Points;

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).expect("time").to_utc()
}

fn time(h: u32, m: u32) -> NaiveTime {
    NaiveTime::from_hms_opt(h, m, 0).expect("time")
}

struct Granted(Vec<String>);

impl Subscriptions for Granted {
    fn take(&mut self, template_id: &str) -> bool {
        match self.0.iter().position(|t| t == template_id) {
            Some(i) => {
                self.0.remove(i);
                true
            }
            None => false,
        }
    }
}

fn param(name: &str, value: &str) -> TemplateParam {
    TemplateParam {
        name: name.into(),
        value: value.into(),
    }
}

fn settings(channels: Vec<Channel>) -> NotificationSettings {
    NotificationSettings {
        sms_sign_name: Some("演示茶饮".into()),
        scenes: vec![
            SceneSetting {
                scene: Scene::PointsEarned,
                channels,
                sms: Some(SmsTemplate {
                    template_code: "SMS_1".into(),
                    text: "您获得{points}积分，余额{balance}。".into(),
                    params: vec![param("points", "{points}"), param("balance", "{balance}")],
                }),
                wechat: Some(WechatTemplate {
                    template_id: "tpl-earned".into(),
                    page: Some("pages/points/index".into()),
                    data: vec![param("number1", "{points}"), param("thing2", "积分到账")],
                }),
            },
            SceneSetting {
                scene: Scene::LoginCode,
                channels: vec![Channel::Sms],
                sms: Some(SmsTemplate {
                    template_code: "SMS_CODE".into(),
                    text: "验证码{code}，5分钟内有效。".into(),
                    params: vec![param("code", "{code}")],
                }),
                wechat: None,
            },
        ],
        hq_phones: Vec::new(),
        quiet_hours: Some(QuietHours {
            start: time(22, 0),
            end: time(8, 0),
        }),
    }
}

fn earned() -> DomainEvent {
    DomainEvent::PointsEarned {
        merchant_id: MerchantId::new(),
        member_id: MemberId::new(),
        points: Points::new(128),
        balance_after: Points::new(300),
    }
}

fn contact(sms_consent: bool, openid: bool) -> Contact {
    Contact {
        phone: Some(Phone::parse("13800138000").expect("phone")),
        openid: openid.then(|| "o-abc".to_owned()),
        sms_consent,
        wechat_consent: true,
    }
}

fn plan(
    s: &NotificationSettings,
    event: &DomainEvent,
    contact: &Contact,
    granted: &mut Granted,
    now: &str,
) -> Vec<OutboxMessage> {
    plan_messages(
        s,
        Uuid::now_v7(),
        event,
        MerchantId::new(),
        None,
        contact,
        granted,
        at(now),
        MerchantTimeZone::default(),
    )
}

const NOON: &str = "2026-11-23T04:00:00Z"; // 12:00 in Shanghai

#[test]
fn renders_sms_params_and_counts_parts_with_the_signature() {
    let s = settings(vec![Channel::Sms]);
    let out = plan(
        &s,
        &earned(),
        &contact(true, false),
        &mut Granted(vec![]),
        NOON,
    );
    assert_eq!(out.len(), 1);
    let m = &out[0];
    assert_eq!((m.channel, m.template.as_str()), (Channel::Sms, "SMS_1"));
    assert_eq!(
        m.params,
        vec![
            ("points".to_owned(), "128".to_owned()),
            ("balance".to_owned(), "300".to_owned())
        ]
    );
    assert_eq!((m.recipient.as_str(), m.parts), ("13800138000", 1));
    assert_eq!(m.due_at, at(NOON));
}

#[test]
fn wechat_uses_a_subscription_and_falls_back_to_sms_without_one() {
    let s = settings(vec![Channel::Wechat, Channel::Sms]);
    let mut granted = Granted(vec!["tpl-earned".into()]);
    let first = plan(&s, &earned(), &contact(true, true), &mut granted, NOON);
    assert_eq!(first[0].channel, Channel::Wechat);
    assert_eq!(first[0].recipient, "o-abc");
    assert_eq!(first[0].extra.as_deref(), Some("pages/points/index"));
    assert!(!first[0].standby);
    // With an SMS in reserve, for when WeChat turns it down.
    assert_eq!(first.len(), 2);
    assert_eq!((first[1].channel, first[1].standby), (Channel::Sms, true));
    assert_eq!(first[1].event_id, fallback_event_id(first[0].event_id));
    assert_ne!(first[1].event_id, first[0].event_id);
    // The one subscription is used up: the next goes by SMS.
    let second = plan(&s, &earned(), &contact(true, true), &mut granted, NOON);
    assert_eq!(second.len(), 1);
    assert_eq!(
        (second[0].channel, second[0].standby),
        (Channel::Sms, false)
    );
    // No SMS consent: no reserve.
    let mut more = Granted(vec!["tpl-earned".into()]);
    let alone = plan(&s, &earned(), &contact(false, true), &mut more, NOON);
    assert_eq!(alone.len(), 1);
    // Without SMS as the second choice, nothing.
    let strict = settings(vec![Channel::Wechat]);
    assert!(plan(&strict, &earned(), &contact(true, true), &mut granted, NOON).is_empty());
}

#[test]
fn a_member_is_told_once_on_the_first_channel_that_reaches_them() {
    let s = settings(vec![Channel::Sms, Channel::Wechat]);
    let mut granted = Granted(vec!["tpl-earned".into()]);
    let out = plan(&s, &earned(), &contact(true, true), &mut granted, NOON);
    assert_eq!(
        out.iter().map(|m| m.channel).collect::<Vec<_>>(),
        vec![Channel::Sms]
    );
    assert_eq!(granted.0.len(), 1, "the subscription was not used");
    // Without SMS consent, the second choice.
    let out = plan(&s, &earned(), &contact(false, true), &mut granted, NOON);
    assert_eq!(out[0].channel, Channel::Wechat);
}

#[test]
fn consent_is_needed_except_for_login_codes() {
    let s = settings(vec![Channel::Sms]);
    assert!(
        plan(
            &s,
            &earned(),
            &contact(false, false),
            &mut Granted(vec![]),
            NOON
        )
        .is_empty()
    );
    let code = DomainEvent::LoginCodeRequested {
        merchant_id: MerchantId::new(),
        phone: Phone::parse("13800138000").expect("phone"),
        code: "123456".into(),
    };
    let out = plan(
        &s,
        &code,
        &contact(false, false),
        &mut Granted(vec![]),
        NOON,
    );
    assert_eq!(
        out[0].params,
        vec![("code".to_owned(), "123456".to_owned())]
    );
}

#[test]
fn quiet_hours_hold_marketing_until_they_end_but_not_login_codes() {
    let s = settings(vec![Channel::Sms]);
    // 23:30 local: held until 08:00 the next morning (00:00Z).
    let late = plan(
        &s,
        &earned(),
        &contact(true, false),
        &mut Granted(vec![]),
        "2026-11-23T15:30:00Z",
    );
    assert_eq!(late[0].due_at, at("2026-11-24T00:00:00Z"));
    // 07:59 local: held one minute.
    let early = plan(
        &s,
        &earned(),
        &contact(true, false),
        &mut Granted(vec![]),
        "2026-11-23T23:59:00Z",
    );
    assert_eq!(early[0].due_at, at("2026-11-24T00:00:00Z"));
    let code = DomainEvent::LoginCodeRequested {
        merchant_id: MerchantId::new(),
        phone: Phone::parse("13800138000").expect("phone"),
        code: "123456".into(),
    };
    let now = "2026-11-23T15:30:00Z";
    let out = plan(&s, &code, &contact(true, false), &mut Granted(vec![]), now);
    assert_eq!(out[0].due_at, at(now));
    // A daytime window (12:00–14:00) works the same.
    let lunch = Some(QuietHours {
        start: time(12, 0),
        end: time(14, 0),
    });
    let tz = MerchantTimeZone::default();
    assert_eq!(
        after_quiet_hours(lunch, at("2026-11-23T04:30:00Z"), tz),
        at("2026-11-23T06:00:00Z")
    );
    assert_eq!(
        after_quiet_hours(lunch, at("2026-11-23T06:00:00Z"), tz),
        at("2026-11-23T06:00:00Z")
    );
}

#[test]
fn billable_parts_are_70_then_67_a_part() {
    let text = |n: usize| "积".repeat(n);
    let cases = [
        (0, 0),
        (1, 1),
        (70, 1),
        (71, 2),
        (134, 2),
        (135, 3),
        (201, 3),
        (202, 4),
    ];
    for (chars, parts) in cases {
        assert_eq!(billable_parts(&text(chars)), parts, "{chars} characters");
    }
}

#[test]
fn backoff_doubles_to_an_hour_with_jitter_from_the_id() {
    let id = Uuid::now_v7();
    for attempts in 1..30 {
        let wait = backoff(id, attempts);
        let base = (30_i64 << (attempts - 1).min(20)).min(3_600);
        assert!(wait >= Duration::seconds(base / 2), "{attempts}");
        assert!(wait <= Duration::seconds(base), "{attempts}");
    }
    assert_eq!(backoff(id, 3), backoff(id, 3));
}

#[test]
fn settings_refuse_a_channel_without_its_template() {
    let mut s = settings(vec![Channel::Sms]);
    assert!(s.validate().is_ok());
    s.scenes[0].sms = None;
    assert!(s.validate().is_err());
    let mut w = settings(vec![Channel::Wechat]);
    w.scenes[0].wechat = None;
    assert!(w.validate().is_err());
    let mut unsigned = settings(vec![Channel::Sms]);
    unsigned.sms_sign_name = None;
    assert!(
        unsigned.validate().is_ok(),
        "the provider's default signature"
    );
    let mut twice = settings(vec![Channel::Sms]);
    twice.scenes.push(twice.scenes[0].clone());
    assert!(twice.validate().is_err());
}

fn stock_low() -> DomainEvent {
    DomainEvent::CouponStockLow {
        merchant_id: MerchantId::new(),
        template_id: crate::kernel::CouponTemplateId::new(),
        name: "无门槛5元".into(),
        remaining: 3,
        stock: 10,
    }
}

#[test]
fn hq_scenes_go_by_sms_to_at_most_five_distinct_phones() {
    let mut s = settings(vec![Channel::Sms]);
    let mut hq = s.scenes[1].clone();
    hq.scene = Scene::StockLow;
    s.scenes.push(hq);
    s.hq_phones = (1..=5)
        .map(|i| Phone::parse(&format!("1390000000{i}")).expect("phone"))
        .collect();
    assert_eq!(s.validate(), Ok(()));
    let mut by_wechat = s.clone();
    by_wechat.scenes[2].channels = vec![Channel::Wechat, Channel::Sms];
    by_wechat.scenes[2].wechat = s.scenes[0].wechat.clone();
    assert_eq!(
        by_wechat.validate().map_err(|e| e.field),
        Err("scenes.channels")
    );
    let mut six = s.clone();
    six.hq_phones
        .push(Phone::parse("13900000006").expect("phone"));
    assert_eq!(six.validate().map_err(|e| e.field), Err("hq_phones"));
    let mut twice = s.clone();
    twice.hq_phones[4] = twice.hq_phones[0].clone();
    assert_eq!(twice.validate().map_err(|e| e.field), Err("hq_phones"));
    // Nobody to tell: an alert raised once would be lost for good.
    let mut nobody = s;
    nobody.hq_phones.clear();
    assert_eq!(nobody.validate().map_err(|e| e.field), Err("hq_phones"));
}

#[test]
fn settings_saved_without_hq_phones_are_written_as_before() {
    // Older binaries read these settings with `deny_unknown_fields`.
    let json = serde_json::to_value(settings(vec![Channel::Sms])).expect("json");
    assert!(json.get("hq_phones").is_none(), "{json}");
}

#[test]
fn a_low_stock_alert_offers_the_name_and_what_is_left() {
    let event = stock_low();
    assert_eq!(scene_of(&event), Some(Scene::StockLow));
    assert!(Scene::StockLow.is_for_hq() && !Scene::StockLow.is_transactional());
    assert_eq!(Scene::parse("stock_low"), Some(Scene::StockLow));
    assert_eq!(
        event_values(&event, MerchantTimeZone::default()),
        vec![
            ("name", "无门槛5元".to_owned()),
            ("remaining", "3".to_owned()),
            ("stock", "10".to_owned()),
        ]
    );
    assert_eq!(event.member_id(), None);
}

fn money(s: &str) -> crate::kernel::Money {
    s.parse().expect("money")
}

#[test]
fn a_top_up_tells_the_member_the_amount_the_bonus_and_the_balance() {
    let member = MemberId::new();
    let event = DomainEvent::CardToppedUp {
        merchant_id: MerchantId::new(),
        member_id: member,
        card_id: crate::kernel::CardId::new(),
        name: "储值卡".into(),
        amount: money("100.00"),
        bonus: money("20.00"),
        balance_after: money("150.50"),
    };
    assert_eq!(scene_of(&event), Some(Scene::TopUp));
    assert!(!Scene::TopUp.is_for_hq() && !Scene::TopUp.is_transactional());
    assert_eq!(Scene::parse("top_up"), Some(Scene::TopUp));
    assert_eq!(event.member_id(), Some(member));
    assert_eq!(
        event_values(&event, MerchantTimeZone::default()),
        vec![
            ("name", "储值卡".to_owned()),
            ("amount", "100.00".to_owned()),
            ("bonus", "20.00".to_owned()),
            ("balance", "150.50".to_owned()),
        ]
    );
}

#[test]
fn a_reviewed_withdrawal_tells_hq_the_amount_the_result_and_the_reason() {
    let review = |approved: bool, note: Option<&str>| DomainEvent::WithdrawalReviewed {
        merchant_id: MerchantId::new(),
        withdrawal_id: crate::kernel::WithdrawalId::new(),
        amount: money("300.00"),
        approved,
        note: note.map(str::to_owned),
    };
    let approved = review(true, None);
    assert_eq!(scene_of(&approved), Some(Scene::WithdrawalReviewed));
    assert!(Scene::WithdrawalReviewed.is_for_hq());
    assert_eq!(
        Scene::parse("withdrawal_reviewed"),
        Some(Scene::WithdrawalReviewed)
    );
    assert_eq!(approved.member_id(), None);
    let tz = MerchantTimeZone::default();
    assert_eq!(
        event_values(&approved, tz),
        vec![
            ("amount", "300.00".to_owned()),
            ("result", "已通过".to_owned()),
            ("note", "无".to_owned()),
        ]
    );
    assert_eq!(
        event_values(&review(false, Some("账户有误")), tz)[1..],
        [
            ("result", "已驳回".to_owned()),
            ("note", "账户有误".to_owned()),
        ]
    );
}

#[test]
fn a_card_payment_tells_the_member_what_the_card_paid_and_holds() {
    let member = MemberId::new();
    let event = DomainEvent::CardPaid {
        merchant_id: MerchantId::new(),
        member_id: member,
        card_id: crate::kernel::CardId::new(),
        name: "储值卡".into(),
        amount: money("60.00"),
        balance_after: money("60.50"),
    };
    assert_eq!(scene_of(&event), Some(Scene::CardPayment));
    assert!(!Scene::CardPayment.is_for_hq() && !Scene::CardPayment.is_transactional());
    assert_eq!(Scene::parse("card_payment"), Some(Scene::CardPayment));
    assert_eq!(event.member_id(), Some(member));
    assert_eq!(
        event_values(&event, MerchantTimeZone::default()),
        vec![
            ("name", "储值卡".to_owned()),
            ("amount", "60.00".to_owned()),
            ("balance", "60.50".to_owned()),
        ]
    );
}
