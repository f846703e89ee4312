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
#[cfg(any(test, feature = "mocks"))]
pub use ports::MockGrowthRepository;
pub use ports::{GrowTx, GrowthTx};

crate::engine::service!(
    TiersService,
    tiers,
    "Tiers: progress, history and the scheduled review."
);
