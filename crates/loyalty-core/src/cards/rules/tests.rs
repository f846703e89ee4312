use super::*;
use proptest::prelude::*;

fn money(s: &str) -> Money {
    s.parse().expect("valid money")
}

fn rules() -> CardRules {
    CardRules {
        kind: CardKind::StoredValue,
        name: "储值卡".into(),
        description: None,
        theme_colour: Some("#C8A060".into()),
        background_image: None,
        plans: vec![
            TopUpPlan {
                pay: money("100.00"),
                bonus: money("20.00"),
            },
            TopUpPlan {
                pay: money("500.00"),
                bonus: money("150.00"),
            },
        ],
        custom_top_up: Some(AmountRange {
            min: money("10.00"),
            max: money("300.00"),
        }),
        max_balance: Some(money("5000.00")),
        count: None,
        period: None,
    }
}

fn count_card() -> CardRules {
    CardRules {
        kind: CardKind::Count,
        name: "洗剪吹10次卡".into(),
        plans: Vec::new(),
        custom_top_up: None,
        max_balance: None,
        count: Some(CountRules {
            items: vec![crate::kernel::ServiceItemId::new()],
            uses: 10,
            valid_days: Some(365),
            price: money("298.00"),
        }),
        ..rules()
    }
}

#[test]
fn a_count_card_needs_items_uses_and_a_price_and_takes_no_top_up() {
    assert_eq!(count_card().validate(), Ok(()));
    let mut no_count = count_card();
    no_count.count = None;
    assert_eq!(no_count.validate().map_err(|e| e.field), Err("count"));
    let mut topped = count_card();
    topped.plans = rules().plans;
    assert_eq!(topped.validate().map_err(|e| e.field), Err("plans"));
    for (change, field) in [
        (
            (|c: &mut CountRules| c.items.clear()) as fn(&mut CountRules),
            "count.items",
        ),
        (|c: &mut CountRules| c.items.push(c.items[0]), "count.items"),
        (|c: &mut CountRules| c.uses = 0, "count.uses"),
        (|c: &mut CountRules| c.uses = 10_001, "count.uses"),
        (
            |c: &mut CountRules| c.valid_days = Some(0),
            "count.valid_days",
        ),
        (|c: &mut CountRules| c.price = Money::ZERO, "count.price"),
    ] {
        let mut r = count_card();
        change(r.count.as_mut().expect("count"));
        assert_eq!(r.validate().map_err(|e| e.field), Err(field));
    }
    let mut stored = rules();
    stored.count = count_card().count;
    assert_eq!(stored.validate().map_err(|e| e.field), Err("count"));
}

#[test]
fn a_plan_amount_gets_its_bonus_and_another_amount_in_range_gets_none() {
    let r = rules();
    assert_eq!(
        r.top_up(money("100.00")),
        Ok(TopUp {
            principal: money("100.00"),
            bonus: money("20.00")
        })
    );
    assert_eq!(
        r.top_up(money("500.00")),
        Ok(TopUp {
            principal: money("500.00"),
            bonus: money("150.00")
        })
    );
    assert_eq!(
        r.top_up(money("88.80")),
        Ok(TopUp {
            principal: money("88.80"),
            bonus: Money::ZERO
        })
    );
}

#[test]
fn amounts_outside_the_plans_and_the_range_are_not_offered() {
    let r = rules();
    assert_eq!(r.top_up(money("9.99")), Err(NotOffered));
    assert_eq!(r.top_up(money("300.01")), Err(NotOffered));
    let plans_only = CardRules {
        custom_top_up: None,
        ..rules()
    };
    assert_eq!(plans_only.top_up(money("88.80")), Err(NotOffered));
    assert!(plans_only.top_up(money("100.00")).is_ok());
}

#[test]
fn the_range_ends_are_included() {
    let r = rules();
    assert!(r.top_up(money("10.00")).is_ok());
    assert!(r.top_up(money("300.00")).is_ok());
}

#[test]
fn templates_that_cannot_work_are_refused_with_their_field() {
    type Spoiler = Box<dyn Fn(&mut CardRules)>;
    let cases: Vec<(&str, Spoiler)> = vec![
        ("name", Box::new(|r| r.name = "  ".into())),
        ("name", Box::new(|r| r.name = "卡".repeat(41))),
        (
            "theme_colour",
            Box::new(|r| r.theme_colour = Some("red".into())),
        ),
        (
            "background_image",
            Box::new(|r| r.background_image = Some("http://x/y.png".into())),
        ),
        (
            "plans.pay",
            Box::new(|r| {
                r.plans.push(TopUpPlan {
                    pay: Money::ZERO,
                    bonus: Money::ZERO,
                });
            }),
        ),
        (
            "plans",
            Box::new(|r| {
                let first = r.plans[0];
                r.plans.push(first);
            }),
        ),
        (
            "custom_top_up",
            Box::new(|r| {
                r.custom_top_up = Some(AmountRange {
                    min: money("50.00"),
                    max: money("10.00"),
                });
            }),
        ),
        (
            "plans",
            Box::new(|r| {
                r.plans.clear();
                r.custom_top_up = None;
            }),
        ),
        (
            "max_balance",
            Box::new(|r| r.max_balance = Some(money("600.00"))),
        ),
    ];
    for (field, spoil) in cases {
        let mut r = rules();
        spoil(&mut r);
        assert_eq!(r.validate().map_err(|e| e.field), Err(field));
    }
    assert_eq!(rules().validate(), Ok(()));
}

#[test]
fn rules_read_from_json_refuse_unknown_kinds_and_fields() {
    let ok = r#"{"kind":"stored_value","name":"卡","plans":[{"pay":"100.00","bonus":"20.00"}]}"#;
    let parsed: CardRules = serde_json::from_str(ok).expect("parses");
    assert_eq!(parsed.plans[0].bonus, money("20.00"));
    let kind = r#"{"kind":"points","name":"卡","plans":[]}"#;
    assert!(serde_json::from_str::<CardRules>(kind).is_err());
    let field = r#"{"kind":"stored_value","name":"卡","plans":[],"price":"1.00"}"#;
    assert!(serde_json::from_str::<CardRules>(field).is_err());
}

proptest! {
    /// A top-up never puts less than was paid, and only a plan's amount earns a bonus.
    #[test]
    fn a_top_up_puts_what_was_paid_and_only_plans_give_bonus(fen in 1_i64..100_000) {
        let r = rules();
        let pay = Money::from_fen(fen).expect("money");
        if let Ok(t) = r.top_up(pay) {
            prop_assert_eq!(t.principal, pay);
            let plan = r.plans.iter().find(|p| p.pay == pay);
            prop_assert_eq!(t.bonus, plan.map_or(Money::ZERO, |p| p.bonus));
        } else {
            prop_assert!(r.plans.iter().all(|p| p.pay != pay));
        }
    }
}

#[test]
fn a_period_ends_a_calendar_month_season_or_year_or_some_days_later() {
    use chrono::TimeZone;
    let start = chrono::Utc
        .with_ymd_and_hms(2027, 1, 31, 10, 0, 0)
        .single()
        .expect("a time");
    let at = |y, m, d| {
        chrono::Utc
            .with_ymd_and_hms(y, m, d, 10, 0, 0)
            .single()
            .expect("a time")
    };
    assert_eq!(PeriodLength::Month.end(start, 1), at(2027, 2, 28));
    assert_eq!(PeriodLength::Month.end(start, 2), at(2027, 3, 31));
    assert_eq!(PeriodLength::Season.end(start, 1), at(2027, 4, 30));
    assert_eq!(PeriodLength::Year.end(start, 1), at(2028, 1, 31));
    assert_eq!(
        PeriodLength::Days { days: 10 }.end(start, 3),
        at(2027, 3, 2)
    );
}

#[test]
fn a_period_card_needs_items_a_length_and_a_price_and_sane_limits() {
    let period = || CardRules {
        kind: CardKind::Period,
        name: "游泳月卡".into(),
        plans: Vec::new(),
        custom_top_up: None,
        max_balance: None,
        period: Some(PeriodRules {
            items: vec![crate::kernel::ServiceItemId::new()],
            length: PeriodLength::Month,
            starts: PeriodStart::OnFirstUse,
            uses_per_day: Some(1),
            uses_per_week: Some(5),
            price: money("199.00"),
        }),
        ..rules()
    };
    assert_eq!(period().validate(), Ok(()));
    let mut none = period();
    none.period = None;
    assert_eq!(none.validate().map_err(|e| e.field), Err("period"));
    let mut both = period();
    both.count = count_card().count;
    assert_eq!(both.validate().map_err(|e| e.field), Err("count"));
    for (change, field) in [
        (
            (|p: &mut PeriodRules| p.items.clear()) as fn(&mut PeriodRules),
            "period.items",
        ),
        (
            |p: &mut PeriodRules| p.length = PeriodLength::Days { days: 0 },
            "period.length.days",
        ),
        (
            |p: &mut PeriodRules| p.uses_per_day = Some(0),
            "period.uses_per_day",
        ),
        (
            |p: &mut PeriodRules| p.uses_per_week = Some(701),
            "period.uses_per_week",
        ),
        (|p: &mut PeriodRules| p.price = Money::ZERO, "period.price"),
    ] {
        let mut r = period();
        change(r.period.as_mut().expect("period"));
        assert_eq!(r.validate().map_err(|e| e.field), Err(field));
    }
    let json = r#"{"kind":"period","name":"月卡","period":{"items":["01939d8e-0000-7000-8000-000000000001"],"length":{"unit":"days","days":30},"price":"99.00"}}"#;
    let parsed: CardRules = serde_json::from_str(json).expect("parses");
    assert_eq!(
        parsed.period.map(|p| (p.length, p.starts)),
        Some((PeriodLength::Days { days: 30 }, PeriodStart::OnSale))
    );
}
