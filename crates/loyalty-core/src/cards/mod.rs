mod counts;
mod error;
mod model;
mod ports;
mod rules;
mod spend;
#[cfg(test)]
mod usecase_tests;
mod usecases;

pub(crate) use counts::sell_in;
pub use counts::{NewServiceItem, ServiceItemPatch, UndoCardUse, UseCard};
pub use error::{CARD, CARD_TEMPLATE, CARD_USE, CardsError, SERVICE_ITEM, TOP_UP};
pub use model::{CardEntry, CardEntryKind, CardTemplate, MemberCard, ServiceItem};
pub use ports::CardsTx;
#[cfg(any(test, feature = "mocks"))]
pub use ports::MockCardRepository;
pub use ports::{CARD_ENTRY_SOURCE_KEY, CardRepository, MEMBER_CARD_KEY, SERVICE_ITEM_CODE_KEY};
pub use rules::{
    AmountRange, CardKind, CardRules, CountRules, NotOffered, PeriodLength, PeriodRules,
    PeriodStart, TopUp, TopUpPlan,
};
pub use spend::{SpendOrder, share_back, split_spend};
pub use usecases::{HeldCard, OpenCard, RefundTopUp, TopUpCard};
pub(crate) use usecases::{card_of, template_of};

crate::engine::service!(
    CardsService,
    cards,
    "Stored-value cards: templates, opening a card, top-ups and their ledgers."
);
