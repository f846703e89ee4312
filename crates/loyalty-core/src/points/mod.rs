mod account;
mod actions;
mod earning;
mod error;
mod expiry;
mod model;
mod ops;
mod ports;
mod reports;
#[cfg(test)]
mod usecase_tests;
mod usecases;

pub use account::{
    LotTake, OpenLot, PointsAccount, ReversalPlan, Shortfall, ShortfallPolicy, plan_consumption,
    plan_reversal, sort_for_consumption,
};
pub(crate) use actions::welcome_bonus;
pub use actions::{ActionAward, MemberAction};
pub use earning::{
    Action, ActionRule, ActionRules, AmountBasis, AppliedFactor, BirthdayBonus, BirthdayScope,
    CapApplied, CodeMultiplier, EarnExplanation, EarnedPoints, EarningPolicy, LineExplanation,
    MemberContext, MemberDay, Multiplier, PointValue, Purchase, PurchaseLine, Rounding, Stacking,
    StoreMultiplier, ThresholdBonus, TierFactor, allocate, earn_points,
};
pub use error::PointsError;
pub use expiry::{ExpiryPolicy, ExpiryRule};
pub use model::{EntryKind, LedgerEntry, Lot, Source};
pub(crate) use ops::{
    EntryDraft, credit, debit, debit_recorded, give_back_spent, lock_and_expire, reverse,
};
#[cfg(any(test, feature = "mocks"))]
pub use ports::MockPointsRepository;
pub use ports::{
    AccountDrift, BalanceChange, ExpiringPoints, LEDGER_SOURCE_KEY, LedgerPage, Liability,
    LotsInReach, PointsRepository, TakenLot, Withdrawal, lots_after, points_expiring_within,
};
pub use ports::{EarnTx, PointsTx};
pub use reports::{PointsLiability, Simulation, StoreSimulation};
pub(crate) use usecases::spent_event;
pub use usecases::{AdjustPoints, LotsPage, PointsSummary, SUMMARY_LOTS, SpendPoints};

crate::engine::service!(
    PointsService,
    points,
    "Points: adjustments, spending, actions, expiry, the ledger and its checks."
);
