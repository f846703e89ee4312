use crate::cards::{CardEntry, CardTemplate, MemberCard, ServiceItem};
use crate::kernel::StoreError;
use crate::kernel::{CardId, CardTemplateId, MemberId, MerchantId, ServiceItemId};
use crate::kernel::{MoneyDrift, UniqueKey};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use uuid::Uuid;

/// The member holds a card of this template already.
pub const MEMBER_CARD_KEY: UniqueKey = UniqueKey::new("member_card", "card_exists");
/// A service item of this code exists in the merchant's list.
pub const SERVICE_ITEM_CODE_KEY: UniqueKey =
    UniqueKey::new("service_item_code", "service_item_code_taken");
/// A card ledger entry of this kind for this source exists: it moved the card already.
pub const CARD_ENTRY_SOURCE_KEY: UniqueKey = UniqueKey::new("card_entry_source", "already_applied");

/// Card templates, member cards and their ledger.
///
/// A card's balance changes only by a conditional statement: there is no way to write a
/// balance that was read.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait CardRepository: Send {
    /// # Errors
    /// [`StoreError::Backend`] on failure.
    async fn insert_card_template(&mut self, template: &CardTemplate) -> Result<(), StoreError>;

    /// # Errors
    /// [`StoreError::Backend`] on failure.
    async fn card_template(
        &mut self,
        merchant: MerchantId,
        id: CardTemplateId,
    ) -> Result<Option<CardTemplate>, StoreError>;

    /// The merchant's templates, newest first, before `before`, at most `limit`.
    ///
    /// # Errors
    /// [`StoreError::Backend`] on failure.
    async fn card_templates(
        &mut self,
        merchant: MerchantId,
        before: Option<CardTemplateId>,
        limit: u64,
    ) -> Result<Vec<CardTemplate>, StoreError>;

    /// Starts or stops opening cards from a template; `false` for no such template.
    ///
    /// # Errors
    /// [`StoreError::Backend`] on failure.
    async fn set_card_template_active(
        &mut self,
        merchant: MerchantId,
        id: CardTemplateId,
        active: bool,
    ) -> Result<bool, StoreError>;

    /// # Errors
    /// [`StoreError::Unique`] with [`crate::cards::MEMBER_CARD_KEY`] when the member holds a
    /// card of this template already; [`StoreError::Backend`] otherwise.
    async fn insert_card(&mut self, card: &MemberCard) -> Result<(), StoreError>;

    /// The member's card `id`; `None` for another member's or another merchant's.
    ///
    /// # Errors
    /// [`StoreError::Backend`] on failure.
    async fn card(
        &mut self,
        merchant: MerchantId,
        member: MemberId,
        id: CardId,
    ) -> Result<Option<MemberCard>, StoreError>;

    /// The member's cards, oldest first.
    ///
    /// # Errors
    /// [`StoreError::Backend`] on failure.
    async fn member_cards(
        &mut self,
        merchant: MerchantId,
        member: MemberId,
    ) -> Result<Vec<MemberCard>, StoreError>;

    /// Adds `principal` and `bonus` fen (≥ 0) to the card in one conditional update, only if
    /// its balance then stays at most `max_balance` fen. Answers the card's principal and
    /// bonus after it, or `None` when refused (nothing changes then).
    ///
    /// # Errors
    /// [`StoreError::Backend`] on failure.
    async fn add_to_card(
        &mut self,
        merchant: MerchantId,
        card: CardId,
        principal: i64,
        bonus: i64,
        max_balance: Option<i64>,
    ) -> Result<Option<(i64, i64)>, StoreError>;

    /// Takes `principal` and `bonus` fen (≥ 0) off the member's card in one conditional
    /// update, only if it holds at least that much of each. Answers the card's principal and
    /// bonus after it, or `None` when it holds less (nothing changes then) or is not the
    /// member's.
    ///
    /// # Errors
    /// [`StoreError::Backend`] on failure.
    async fn take_from_card(
        &mut self,
        merchant: MerchantId,
        member: MemberId,
        card: CardId,
        principal: i64,
        bonus: i64,
    ) -> Result<Option<(i64, i64)>, StoreError>;

    /// # Errors
    /// [`StoreError::Unique`] with [`CARD_ENTRY_SOURCE_KEY`] when the entry's
    /// source moved the card already; [`StoreError::Backend`] otherwise.
    async fn insert_card_entry(&mut self, entry: &CardEntry) -> Result<(), StoreError>;

    /// # Errors
    /// [`StoreError::Unique`] with [`SERVICE_ITEM_CODE_KEY`] when the code is taken;
    /// [`StoreError::Backend`] otherwise.
    async fn insert_service_item(&mut self, item: &ServiceItem) -> Result<(), StoreError>;

    /// # Errors
    /// [`StoreError::Backend`] on failure.
    async fn service_item(
        &mut self,
        merchant: MerchantId,
        id: ServiceItemId,
    ) -> Result<Option<ServiceItem>, StoreError>;

    /// The merchant's service items, newest first, before `before`, at most `limit`.
    ///
    /// # Errors
    /// [`StoreError::Backend`] on failure.
    async fn service_items(
        &mut self,
        merchant: MerchantId,
        before: Option<ServiceItemId>,
        limit: u64,
    ) -> Result<Vec<ServiceItem>, StoreError>;

    /// Writes an item's name, price and whether it is active; `false` for no such item.
    ///
    /// # Errors
    /// [`StoreError::Backend`] on failure.
    async fn update_service_item(&mut self, item: &ServiceItem) -> Result<bool, StoreError>;

    /// Adds `uses` to a count card and sets when they lapse, in one update. Answers the uses
    /// left after it, or `None` for no such card.
    ///
    /// # Errors
    /// [`StoreError::Backend`] on failure.
    async fn add_uses(
        &mut self,
        merchant: MerchantId,
        card: CardId,
        uses: i64,
        expires_at: Option<DateTime<Utc>>,
    ) -> Result<Option<i64>, StoreError>;

    /// Takes one use off the member's count card in one conditional update, only while it
    /// has uses left and they have not lapsed at `now`. Answers the uses left after it, or
    /// `None` when refused (nothing changes then).
    ///
    /// # Errors
    /// [`StoreError::Backend`] on failure.
    async fn take_use(
        &mut self,
        merchant: MerchantId,
        member: MemberId,
        card: CardId,
        now: DateTime<Utc>,
    ) -> Result<Option<i64>, StoreError>;

    /// Gives one use back to a count card. Answers the uses left after it, or `None` for no
    /// such count card.
    ///
    /// # Errors
    /// [`StoreError::Backend`] on failure.
    async fn give_use_back(
        &mut self,
        merchant: MerchantId,
        card: CardId,
    ) -> Result<Option<i64>, StoreError>;

    /// The merchant's card entry of `kind` for `source_ref` (its unique business key).
    ///
    /// # Errors
    /// [`StoreError::Backend`] on failure.
    async fn card_entry_by_source(
        &mut self,
        merchant: MerchantId,
        kind: crate::cards::CardEntryKind,
        source_ref: &str,
    ) -> Result<Option<CardEntry>, StoreError>;

    /// Sets a period card's period: when it started, when it ends, and the periods bought
    /// that start at the first use. Called under the member's lock. `false` for no such card.
    ///
    /// # Errors
    /// [`StoreError::Backend`] on failure.
    async fn set_period(
        &mut self,
        merchant: MerchantId,
        card: CardId,
        starts_at: Option<DateTime<Utc>>,
        expires_at: Option<DateTime<Utc>>,
        periods_pending: i64,
    ) -> Result<bool, StoreError>;

    /// Marks at most `limit` of the merchant's cards whose end falls after `now` and at or
    /// before `horizon`, and whose members were not told of that end yet, as told; answers
    /// them. Two runs at once mark each card once.
    ///
    /// # Errors
    /// [`StoreError::Backend`] on failure.
    async fn announce_expiring_cards(
        &mut self,
        merchant: MerchantId,
        now: DateTime<Utc>,
        horizon: DateTime<Utc>,
        limit: u64,
    ) -> Result<Vec<MemberCard>, StoreError>;

    /// The uses of the card at or after `since`, less those undone.
    ///
    /// # Errors
    /// [`StoreError::Backend`] on failure.
    async fn uses_since(
        &mut self,
        merchant: MerchantId,
        card: CardId,
        since: DateTime<Utc>,
    ) -> Result<i64, StoreError>;

    /// The card's entry `id`; `None` for another card's or another merchant's.
    ///
    /// # Errors
    /// [`StoreError::Backend`] on failure.
    async fn card_entry(
        &mut self,
        merchant: MerchantId,
        card: CardId,
        id: Uuid,
    ) -> Result<Option<CardEntry>, StoreError>;

    /// Every card whose principal or bonus, or a count card whose uses left, is not the sum
    /// of its ledger.
    ///
    /// # Errors
    /// [`StoreError::Backend`] on failure.
    async fn card_drifts(&mut self) -> Result<Vec<MoneyDrift>, StoreError>;

    /// Every order paid from a card whose card part (paid less given back, principal and
    /// bonus apart) is not what its `payment` entry and its refunds' `refund` entries moved.
    ///
    /// # Errors
    /// [`StoreError::Backend`] on failure.
    async fn card_order_drifts(&mut self) -> Result<Vec<MoneyDrift>, StoreError>;

    /// The card's entries, newest first, before `before`, at most `limit`.
    ///
    /// # Errors
    /// [`StoreError::Backend`] on failure.
    async fn card_entries(
        &mut self,
        merchant: MerchantId,
        card: CardId,
        before: Option<Uuid>,
        limit: u64,
    ) -> Result<Vec<CardEntry>, StoreError>;
}

/// A transaction that reaches card templates, cards and their ledger.
pub trait CardsTx: crate::kernel::Transaction {
    fn cards(&mut self) -> &mut dyn CardRepository;
}
