//! Tier ladders.

use loyalty_core::points::Multiplier;
use loyalty_core::tiers::{
    DowngradeMode, GrowthBasis, GrowthWindow, TierBenefits, TierLevel, TierPolicy,
};

/// An earning multiplier written as a decimal, e.g. `"1.5"`.
pub fn multiplier(s: &str) -> Multiplier {
    Multiplier::new(s.parse().expect("decimal")).expect("multiplier")
}

/// Spend over a rolling 12 months: normal from 0, silver (points ×1.2) from 500.00, gold
/// (×1.5) from 2,000.00; 3 months of protection after a change.
pub fn ladder(downgrade: DowngradeMode) -> TierPolicy {
    let level = |code: &str, threshold: i64, m: &str| TierLevel {
        code: code.into(),
        name: code.to_uppercase(),
        threshold,
        benefits: TierBenefits {
            earning_multiplier: multiplier(m),
            ..TierBenefits::default()
        },
    };
    TierPolicy {
        basis: GrowthBasis::Spend,
        window: GrowthWindow::RollingMonths { months: 12 },
        levels: vec![
            level("normal", 0, "1"),
            level("silver", 50_000, "1.2"),
            level("gold", 200_000, "1.5"),
        ],
        protection_months: 3,
        downgrade,
    }
}
