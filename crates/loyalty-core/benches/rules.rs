//! The pure rules in process: how many earn decisions and lot plans a core does per second.
//! (Pricing joins these when checkout lands.)

use chrono::{Duration, TimeZone, Utc};
use criterion::{Criterion, criterion_group, criterion_main};
use loyalty_core::account::{OpenLot, ShortfallPolicy, plan_consumption, plan_reversal};
use loyalty_core::earning::{EarningPolicy, Rounding, earn_points};
use loyalty_core::types::{LotId, Money, Points};
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
    let policy = EarningPolicy::new(
        1,
        "10.00".parse().expect("money"),
        Rounding::HalfUp,
        Some(365),
    )
    .expect("policy");
    let amount: Money = "128.80".parse().expect("money");
    c.bench_function("earn_points (ratio, rounding, explanation)", |b| {
        b.iter(|| earn_points(black_box(&policy), black_box(amount)))
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
