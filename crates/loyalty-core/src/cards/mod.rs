mod model;
mod ports;
mod rules;
#[cfg(test)]
mod usecase_tests;
mod usecases;

pub use model::{CardEntry, CardEntryKind, CardTemplate, MemberCard};
#[cfg(any(test, feature = "mocks"))]
pub use ports::MockCardRepository;
pub use ports::{CardRepository, MoneyDrift};
pub use rules::{AmountRange, CardKind, CardRules, NotOffered, TopUp, TopUpPlan};
pub use usecases::{HeldCard, OpenCard, TopUpCard};
