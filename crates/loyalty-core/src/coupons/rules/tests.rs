use super::*;

type Spoiler = Box<dyn Fn(&mut CouponRules)>;

fn money(s: &str) -> Money {
    s.parse().expect("valid money")
}

fn at(rfc3339: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(rfc3339)
        .expect("time")
        .to_utc()
}

fn zone(name: &str) -> MerchantTimeZone {
    MerchantTimeZone::parse(name).expect("zone")
}

fn rules() -> CouponRules {
    CouponRules {
        name: "满100减20".into(),
        description: String::new(),
        benefit: CouponBenefit::AmountOff {
            threshold: money("100.00"),
            amount: money("20.00"),
        },
        scope: CouponScope::default(),
        stacking: Stacking::Exclusive,
        validity: CouponValidity::AfterClaim {
            days: 7,
            from_next_day: false,
        },
        claim_from: None,
        claim_until: None,
        stock: None,
        low_stock_alert: None,
        per_member_limit: None,
        per_day_limit: None,
        claimable: true,
        points_price: None,
    }
}

fn percent(rate: &str, cap: Option<&str>) -> CouponBenefit {
    CouponBenefit::PercentOff {
        rate: rate.parse().expect("decimal"),
        threshold: Money::ZERO,
        cap: cap.map(money),
    }
}

#[test]
fn a_plain_template_and_every_benefit_kind_in_range_are_valid() {
    let benefits = [
        CouponBenefit::AmountOff {
            threshold: money("20.00"),
            amount: money("20.00"),
        },
        percent("0.85", Some("30.00")),
        percent("0.0001", None),
        CouponBenefit::NoThreshold {
            amount: money("5.00"),
        },
        CouponBenefit::FreeItem { quantity: 1 },
        CouponBenefit::FreeItem { quantity: 100 },
    ];
    for benefit in benefits {
        let mut r = rules();
        r.benefit = benefit;
        assert_eq!(r.validate(), Ok(()), "{:?}", r.benefit);
    }
}

#[test]
fn validation_names_each_refused_field() {
    let long = |n: usize| "x".repeat(n);
    let cases: Vec<(&str, Spoiler)> = vec![
        ("name", Box::new(|r| r.name = String::new())),
        ("name", Box::new(|r| r.name = "   ".into())),
        ("name", Box::new(move |r| r.name = "券".repeat(61))),
        ("description", Box::new(move |r| r.description = long(501))),
        (
            "benefit.threshold",
            Box::new(|r| {
                r.benefit = CouponBenefit::AmountOff {
                    threshold: Money::ZERO,
                    amount: money("5.00"),
                }
            }),
        ),
        (
            "benefit.amount",
            Box::new(|r| {
                r.benefit = CouponBenefit::AmountOff {
                    threshold: money("50.00"),
                    amount: Money::ZERO,
                }
            }),
        ),
        (
            "benefit.amount",
            Box::new(|r| {
                r.benefit = CouponBenefit::NoThreshold {
                    amount: Money::ZERO,
                }
            }),
        ),
        ("benefit.rate", Box::new(|r| r.benefit = percent("0", None))),
        ("benefit.rate", Box::new(|r| r.benefit = percent("1", None))),
        (
            "benefit.rate",
            Box::new(|r| r.benefit = percent("1.2", None)),
        ),
        (
            "benefit.rate",
            Box::new(|r| r.benefit = percent("-0.5", None)),
        ),
        (
            "benefit.rate",
            Box::new(|r| r.benefit = percent("0.12345", None)),
        ),
        (
            "benefit.cap",
            Box::new(|r| r.benefit = percent("0.8", Some("0.00"))),
        ),
        (
            "benefit.quantity",
            Box::new(|r| r.benefit = CouponBenefit::FreeItem { quantity: 0 }),
        ),
        (
            "benefit.quantity",
            Box::new(|r| r.benefit = CouponBenefit::FreeItem { quantity: 101 }),
        ),
        (
            "scope.include_skus",
            Box::new(|r| r.scope.include_skus = vec![String::new()]),
        ),
        (
            "scope.include_categories",
            Box::new(|r| r.scope.include_categories = vec!["has space".into()]),
        ),
        (
            "scope.exclude_skus",
            Box::new(move |r| r.scope.exclude_skus = vec![long(65)]),
        ),
        (
            "scope.exclude_categories",
            Box::new(|r| r.scope.exclude_categories = vec!["咖啡".into()]),
        ),
        (
            "scope.tier_codes",
            Box::new(|r| r.scope.tier_codes = vec!["gold".into(); 201]),
        ),
        (
            "scope.store_ids",
            Box::new(|r| r.scope.store_ids = (0..201).map(|_| StoreId::new()).collect()),
        ),
        (
            "validity.until",
            Box::new(|r| {
                r.validity = CouponValidity::Fixed {
                    from: at("2026-03-10T00:00:00Z"),
                    until: at("2026-03-10T00:00:00Z"),
                }
            }),
        ),
        (
            "validity.days",
            Box::new(|r| {
                r.validity = CouponValidity::AfterClaim {
                    days: 0,
                    from_next_day: false,
                }
            }),
        ),
        (
            "validity.days",
            Box::new(|r| {
                r.validity = CouponValidity::AfterClaim {
                    days: 3651,
                    from_next_day: true,
                }
            }),
        ),
        (
            "claim_until",
            Box::new(|r| {
                r.claim_from = Some(at("2026-03-10T00:00:00Z"));
                r.claim_until = Some(at("2026-03-09T00:00:00Z"));
            }),
        ),
        ("stock", Box::new(|r| r.stock = Some(0))),
        ("stock", Box::new(|r| r.stock = Some(100_000_001))),
        ("low_stock_alert", Box::new(|r| r.low_stock_alert = Some(0))),
        (
            "low_stock_alert",
            Box::new(|r| {
                r.stock = Some(10);
                r.low_stock_alert = Some(10);
            }),
        ),
        (
            "low_stock_alert",
            Box::new(|r| {
                r.stock = Some(10);
                r.low_stock_alert = Some(-1);
            }),
        ),
        (
            "per_member_limit",
            Box::new(|r| r.per_member_limit = Some(0)),
        ),
        ("per_day_limit", Box::new(|r| r.per_day_limit = Some(-1))),
        (
            "points_price",
            Box::new(|r| r.points_price = Some(Points::ZERO)),
        ),
        (
            "points_price",
            Box::new(|r| r.points_price = Some(Points::new(-5))),
        ),
    ];
    for (field, spoil) in cases {
        let mut r = rules();
        spoil(&mut r);
        assert_eq!(r.validate().map_err(|e| e.field), Err(field), "{r:?}");
    }
}

#[test]
fn limits_of_the_ranges_are_accepted() {
    let mut r = rules();
    r.name = "券".repeat(60);
    r.description = "说".repeat(500);
    r.stock = Some(100_000_000);
    r.low_stock_alert = Some(99_999_999);
    r.per_member_limit = Some(1);
    r.per_day_limit = Some(1);
    r.points_price = Some(Points::new(1));
    r.scope.include_skus = vec!["x".repeat(64); 200];
    r.validity = CouponValidity::AfterClaim {
        days: 3650,
        from_next_day: true,
    };
    assert_eq!(r.validate(), Ok(()));
}

const FULL_JSON: &str = r#"{
  "name": "拿铁8.5折",
  "description": "限咖啡类，烟草除外",
  "benefit": {"type": "percent_off", "rate": "0.85", "threshold": "30.00", "cap": "20.00"},
  "scope": {
    "store_ids": ["0195f3c2-7a4e-7c3b-9f1a-1b2c3d4e5f60"],
    "include_skus": ["latte"],
    "include_categories": ["coffee"],
    "exclude_skus": ["latte-big"],
    "exclude_categories": ["tobacco"],
    "tier_codes": ["silver", "gold"]
  },
  "stacking": "stackable",
  "validity": {"mode": "fixed", "from": "2026-03-01T00:00:00Z", "until": "2026-04-01T00:00:00Z"},
  "claim_from": "2026-02-20T00:00:00Z",
  "claim_until": "2026-03-20T00:00:00Z",
  "stock": 1000,
  "per_member_limit": 3,
  "per_day_limit": 1,
  "claimable": false,
  "points_price": 500
}"#;

#[test]
fn a_template_with_every_field_round_trips_through_json() {
    let parsed: CouponRules = serde_json::from_str(FULL_JSON).expect("parses");
    assert_eq!(parsed.validate(), Ok(()));
    assert_eq!(parsed.stacking, Stacking::Stackable);
    assert!(!parsed.claimable);
    assert_eq!(parsed.points_price, Some(Points::new(500)));
    assert_eq!(parsed.scope.tier_codes, ["silver", "gold"]);
    assert_eq!(parsed.benefit, percent_with_threshold());
    let json = serde_json::to_string(&parsed).expect("serialises");
    let again: CouponRules = serde_json::from_str(&json).expect("parses back");
    assert_eq!(again, parsed);
}

fn percent_with_threshold() -> CouponBenefit {
    CouponBenefit::PercentOff {
        rate: "0.85".parse().expect("decimal"),
        threshold: money("30.00"),
        cap: Some(money("20.00")),
    }
}

#[test]
fn a_minimal_template_takes_the_documented_defaults() {
    let json = r#"{"name": "赠饮", "benefit": {"type": "free_item"},
                   "validity": {"mode": "after_claim", "days": 7}}"#;
    let parsed: CouponRules = serde_json::from_str(json).expect("parses");
    assert_eq!(parsed.benefit, CouponBenefit::FreeItem { quantity: 1 });
    assert_eq!(parsed.stacking, Stacking::Exclusive);
    assert_eq!(parsed.scope, CouponScope::default());
    assert!(parsed.claimable);
    assert_eq!(
        parsed.validity,
        CouponValidity::AfterClaim {
            days: 7,
            from_next_day: false
        }
    );
    assert_eq!((parsed.stock, parsed.points_price), (None, None));
    assert_eq!(parsed.validate(), Ok(()));
}

#[test]
fn unknown_fields_are_refused_at_every_level() {
    let spoiled = [
        FULL_JSON.replace("\"stock\"", "\"stok\""),
        FULL_JSON.replace("\"cap\"", "\"limit\""),
        FULL_JSON.replace("\"include_skus\"", "\"skus\""),
        FULL_JSON.replace("\"mode\": \"fixed\",", "\"mode\": \"fixed\", \"days\": 3,"),
        FULL_JSON.replace("percent_off", "percentage"),
        FULL_JSON.replace("\"stackable\"", "\"combinable\""),
    ];
    for json in spoiled {
        assert!(
            serde_json::from_str::<CouponRules>(&json).is_err(),
            "{json}"
        );
    }
}

#[test]
fn excluded_skus_and_categories_win_over_inclusions() {
    let scope = CouponScope {
        include_skus: vec!["bagel".into()],
        include_categories: vec!["coffee".into()],
        exclude_skus: vec!["latte-big".into()],
        exclude_categories: vec!["tobacco".into()],
        ..CouponScope::default()
    };
    let cases = [
        (Some("latte"), Some("coffee"), true),
        (Some("bagel"), Some("bakery"), true),
        (Some("bagel"), Some("tobacco"), false),
        (Some("latte-big"), Some("coffee"), false),
        (Some("muffin"), Some("bakery"), false),
        (None, None, false),
        (None, Some("coffee"), true),
    ];
    for (sku, category, covered) in cases {
        assert_eq!(
            scope.covers_line(sku, category),
            covered,
            "{sku:?} {category:?}"
        );
    }
    let open = CouponScope {
        exclude_skus: vec!["cigs".into()],
        ..CouponScope::default()
    };
    assert!(open.covers_line(None, None));
    assert!(open.covers_line(Some("latte"), None));
    assert!(!open.covers_line(Some("cigs"), Some("tobacco")));
}

#[test]
fn store_and_tier_lists_restrict_only_when_set() {
    let here = StoreId::new();
    let open = CouponScope::default();
    assert!(open.covers_store(here) && open.covers_tier(None) && open.covers_tier(Some("x")));
    let scoped = CouponScope {
        store_ids: vec![here],
        tier_codes: vec!["gold".into()],
        ..CouponScope::default()
    };
    assert!(scoped.covers_store(here));
    assert!(!scoped.covers_store(StoreId::new()));
    assert!(scoped.covers_tier(Some("gold")));
    assert!(!scoped.covers_tier(Some("silver")));
    assert!(
        !scoped.covers_tier(None),
        "no tier matches no non-empty list"
    );
}

#[test]
fn a_coupon_claimed_in_shanghai_runs_through_whole_local_days() {
    let sh = MerchantTimeZone::default();
    let claimed = at("2026-03-10T07:00:00Z"); // 15:00 local
    let seven = |from_next_day| CouponValidity::AfterClaim {
        days: 7,
        from_next_day,
    };
    assert_eq!(
        seven(false).window(claimed, sh),
        (claimed, at("2026-03-16T16:00:00Z")) // 2026-03-17 00:00 local
    );
    assert_eq!(
        seven(true).window(claimed, sh),
        (at("2026-03-10T16:00:00Z"), at("2026-03-17T16:00:00Z"))
    );
    // Claimed at 23:30 local for one day: valid for the rest of that day only.
    let late = at("2026-03-10T15:30:00Z");
    let one = CouponValidity::AfterClaim {
        days: 1,
        from_next_day: false,
    };
    assert_eq!(one.window(late, sh), (late, at("2026-03-10T16:00:00Z")));
}

#[test]
fn days_follow_local_midnights_across_a_daylight_saving_change() {
    let ny = zone("America/New_York"); // clocks go forward on 2026-03-08 at 02:00
    let claimed = at("2026-03-07T17:00:00Z"); // 12:00 EST
    let two = CouponValidity::AfterClaim {
        days: 2,
        from_next_day: false,
    };
    // Until 2026-03-09 00:00 EDT (UTC-4): 35 hours, not 36.
    assert_eq!(
        two.window(claimed, ny),
        (claimed, at("2026-03-09T04:00:00Z"))
    );
    let next_day = CouponValidity::AfterClaim {
        days: 1,
        from_next_day: true,
    };
    // 2026-03-08 00:00 EST to 2026-03-09 00:00 EDT: a 23-hour day.
    assert_eq!(
        next_day.window(claimed, ny),
        (at("2026-03-08T05:00:00Z"), at("2026-03-09T04:00:00Z"))
    );
}

#[test]
fn a_fixed_window_is_the_same_for_every_claim() {
    let fixed = CouponValidity::Fixed {
        from: at("2026-03-01T00:00:00Z"),
        until: at("2026-04-01T00:00:00Z"),
    };
    let window = (at("2026-03-01T00:00:00Z"), at("2026-04-01T00:00:00Z"));
    for claimed in ["2026-02-01T00:00:00Z", "2026-03-15T12:00:00Z"] {
        assert_eq!(
            fixed.window(at(claimed), MerchantTimeZone::default()),
            window
        );
    }
}

#[test]
fn claiming_is_open_from_claim_from_until_just_before_claim_until() {
    let mut r = rules();
    r.claim_from = Some(at("2026-03-01T00:00:00Z"));
    r.claim_until = Some(at("2026-03-10T00:00:00Z"));
    assert!(!r.claim_open(at("2026-02-28T23:59:59Z")));
    assert!(r.claim_open(at("2026-03-01T00:00:00Z")));
    assert!(r.claim_open(at("2026-03-09T23:59:59Z")));
    assert!(!r.claim_open(at("2026-03-10T00:00:00Z")));
    r.claim_from = None;
    r.claim_until = None;
    assert!(
        r.claim_open(at("2030-01-01T00:00:00Z")),
        "no window is always open"
    );
}

#[test]
fn a_fixed_validity_closes_claiming_when_the_coupons_would_be_dead() {
    let mut r = rules();
    r.validity = CouponValidity::Fixed {
        from: at("2026-03-01T00:00:00Z"),
        until: at("2026-04-01T00:00:00Z"),
    };
    assert!(
        r.claim_open(at("2026-02-15T00:00:00Z")),
        "before use starts is fine"
    );
    assert!(r.claim_open(at("2026-03-31T23:59:59Z")));
    assert!(!r.claim_open(at("2026-04-01T00:00:00Z")));
}

#[test]
fn benefit_kinds_have_their_serde_names() {
    let kinds = [
        (rules().benefit, "amount_off"),
        (percent("0.9", None), "percent_off"),
        (
            CouponBenefit::NoThreshold {
                amount: money("1.00"),
            },
            "no_threshold",
        ),
        (CouponBenefit::FreeItem { quantity: 2 }, "free_item"),
    ];
    for (benefit, kind) in kinds {
        assert_eq!(benefit.kind(), kind);
        let json = serde_json::to_value(&benefit).expect("serialises");
        assert_eq!(json["type"], kind);
    }
}

fn watched(stock: i64, alert: i64) -> crate::coupons::CouponTemplate {
    let mut r = rules();
    r.stock = Some(stock);
    r.low_stock_alert = Some(alert);
    crate::coupons::CouponTemplate {
        id: crate::kernel::CouponTemplateId::new(),
        merchant_id: crate::kernel::MerchantId::new(),
        rules: r,
        issued: 0,
        active: true,
        created_by: None,
        created_at: at("2026-03-01T00:00:00Z"),
    }
}

#[test]
fn the_take_that_reaches_the_alert_line_crosses_it_and_no_other() {
    // Stock 10, told at 3 left: the 7th coupon leaves 3.
    let t = watched(10, 3);
    let crossing: Vec<i64> = (1..=10).filter(|n| t.crossed_low_stock(*n, 1)).collect();
    assert_eq!(crossing, vec![7]);
    // A send of 5 from 5 issued (5 left) to 10 (none left) jumps over the line: it crosses.
    assert!(t.crossed_low_stock(10, 5));
    // One from 8 left to 7 left is still above it.
    assert!(!t.crossed_low_stock(3, 1));
    // Told when it runs out.
    let out = watched(2, 0);
    assert_eq!(
        (out.crossed_low_stock(1, 1), out.crossed_low_stock(2, 1)),
        (false, true)
    );
    // Not watched, or unlimited: never.
    let mut quiet = watched(10, 3);
    quiet.rules.low_stock_alert = None;
    assert!(!quiet.crossed_low_stock(7, 1));
    quiet.rules.stock = None;
    assert!(!quiet.crossed_low_stock(7, 1));
}

proptest::proptest! {
    /// However the stock is taken (claims of one, sends of many), exactly one take crosses
    /// the alert line, so HQ is told once.
    #[test]
    fn any_sequence_of_takes_that_empties_the_stock_crosses_once(
        stock in 1_i64..200,
        alert_share in 0.0_f64..1.0,
        takes in proptest::collection::vec(1_i64..20, 1..400),
    ) {
        #[allow(clippy::cast_possible_truncation, clippy::cast_precision_loss)]
        let alert = ((stock as f64) * alert_share) as i64 % stock;
        let t = watched(stock, alert);
        let mut issued = 0;
        let mut crossings = 0;
        for take in takes {
            let take = take.min(stock - issued);
            if take == 0 {
                break;
            }
            issued += take;
            crossings += i32::from(t.crossed_low_stock(issued, take));
        }
        let reached = stock - issued <= alert;
        proptest::prop_assert_eq!(crossings, i32::from(reached));
    }
}

#[test]
fn rules_without_a_low_stock_alert_are_written_as_before() {
    // Older binaries read stored rules with `deny_unknown_fields`.
    let json = serde_json::to_value(rules()).expect("json");
    assert!(json.get("low_stock_alert").is_none(), "{json}");
    let mut watched = rules();
    watched.stock = Some(10);
    watched.low_stock_alert = Some(2);
    let back: CouponRules =
        serde_json::from_value(serde_json::to_value(&watched).expect("json")).expect("rules");
    assert_eq!(back.low_stock_alert, Some(2));
}
