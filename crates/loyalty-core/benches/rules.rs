//! The pure rules in process: how many earn decisions and lot plans a core does per second.
//! (Pricing joins these when checkout lands.)

use chrono::{Duration, NaiveDate, TimeZone, Utc};
use criterion::{Criterion, criterion_group, criterion_main};
use loyalty_core::kernel::{LotId, MerchantTimeZone, Money, Points, StoreId};
use loyalty_core::points::{
    BirthdayBonus, BirthdayScope, CodeMultiplier, EarningPolicy, MemberContext, MemberDay,
    Multiplier, Purchase, PurchaseLine, Rounding, StoreMultiplier, ThresholdBonus, TierFactor,
    earn_points,
};
use loyalty_core::points::{OpenLot, ShortfallPolicy, plan_consumption, plan_reversal};
use std::hint::black_box;

fn lots(n: i64) -> Vec<OpenLot> {
    let start = Utc
        .with_ymd_and_hms(2026, 1, 1, 0, 0, 0)
        .single()
        .expect("valid time");
    (0..n)
        .map(|i| OpenLot {
            id: LotId::new(),
            remaining: Points::new(50 + i),
            earned_at: start + Duration::days(i),
            expires_at: (i % 5 != 0).then(|| start + Duration::days(365 - i * 3)),
        })
        .collect()
}

fn rules(c: &mut Criterion) {
    let money = |s: &str| -> Money { s.parse().expect("money") };
    let multiplier = |s: &str| Multiplier::new(s.parse().expect("decimal")).expect("multiplier");
    let base = EarningPolicy::base(1, money("10.00"), Rounding::HalfUp);
    let amount = money("128.80");
    let at = Utc
        .with_ymd_and_hms(2026, 3, 8, 4, 0, 0)
        .single()
        .expect("valid time");
    let store_id = StoreId::new();
    let whole = Purchase {
        store_id,
        at,
        lines: &[],
        amount_paid: amount,
        amount_gross: amount,
    };
    let nobody = MemberContext::default();
    let tz = MerchantTimeZone::default();
    c.bench_function("earn_points (ratio, rounding, explanation)", |b| {
        b.iter(|| earn_points(black_box(&base), black_box(&whole), &nobody, tz))
    });

    // A full policy over a five-line order: member day, birthday, store, category and item
    // multipliers, an exclusion, a threshold and both caps.
    let full = EarningPolicy {
        member_day: Some(MemberDay {
            days_of_month: vec![8],
            days_of_week: vec![],
            multiplier: multiplier("2"),
        }),
        birthday: Some(BirthdayBonus {
            scope: BirthdayScope::Month,
            multiplier: multiplier("1.5"),
        }),
        store_multipliers: vec![StoreMultiplier {
            store_id,
            multiplier: multiplier("1.1"),
        }],
        category_multipliers: vec![CodeMultiplier {
            code: "coffee".into(),
            multiplier: multiplier("2"),
        }],
        item_multipliers: vec![CodeMultiplier {
            code: "latte".into(),
            multiplier: multiplier("1.2"),
        }],
        excluded_categories: vec!["tobacco".into()],
        thresholds: vec![ThresholdBonus {
            min_amount: money("100.00"),
            bonus: Points::new(10),
        }],
        cap_per_order: Some(Points::new(2_000)),
        cap_per_day: Some(Points::new(5_000)),
        ..EarningPolicy::default()
    };
    let line = |sku: &str, category: &str, paid: &str| PurchaseLine {
        sku: Some(sku.into()),
        category: Some(category.into()),
        gross: money(paid),
        paid: money(paid),
    };
    let lines = [
        line("latte", "coffee", "32.00"),
        line("americano", "coffee", "24.00"),
        line("bagel", "bakery", "18.80"),
        line("cigs", "tobacco", "30.00"),
        line("water", "drinks", "24.00"),
    ];
    let basket = Purchase {
        store_id,
        at,
        lines: &lines,
        amount_paid: money("128.80"),
        amount_gross: money("128.80"),
    };
    let gold = MemberContext {
        birthday: NaiveDate::from_ymd_opt(1990, 3, 2),
        tier: Some(TierFactor {
            code: "gold".into(),
            multiplier: multiplier("1.5"),
            birthday_multiplier: None,
        }),
        earned_today: Points::new(100),
    };
    c.bench_function("earn_points (full policy, 5 lines, tier, caps)", |b| {
        b.iter(|| earn_points(black_box(&full), black_box(&basket), &gold, tz))
    });

    let twenty = lots(20);
    c.bench_function("plan_consumption over 20 lots", |b| {
        b.iter(|| plan_consumption(black_box(&twenty), black_box(Points::new(500))))
    });
    let own = twenty[7].id;
    c.bench_function("plan_reversal over 20 lots", |b| {
        b.iter(|| {
            plan_reversal(
                black_box(&twenty),
                Some(own),
                black_box(Points::new(300)),
                ShortfallPolicy::ClawBackToZero,
            )
        })
    });
}

criterion_group!(benches, rules);
criterion_main!(benches);
