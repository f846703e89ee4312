mod model;
mod rules;
mod usecases;

pub use model::{TierChange, TierChangeReason};
pub use rules::{
    DowngradeMode, GrowthBasis, GrowthWindow, NextTier, TierBenefits, TierLevel, TierMove,
    TierPolicy, TierProgress,
};
pub use usecases::TierReview;
pub(crate) use usecases::{progress_of, upgrade_on_growth};
mod ports;
pub use ports::GrowthRepository;
pub use ports::GrowthTx;
#[cfg(any(test, feature = "mocks"))]
pub use ports::MockGrowthRepository;

crate::engine::service!(
    TiersService,
    tiers,
    "Tiers: progress, history and the scheduled review."
);
