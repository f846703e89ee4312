//! Selling a count card (记次卡) or a period card (周期卡) at the till: an order of the card's price — which earns
//! points by the usual rules and may be paid from a stored-value card — and the card's uses
//! added, in one transaction.

use super::CheckoutService;
use super::orders::commit_in;
use crate::cards::{CardEntry, CardsError, CardsTx};
use crate::checkout::{CardTender, CommitOrder, LineInput, OrderReceipt, OrdersTx};
use crate::engine::write_once;
use crate::events::Notifier;
use crate::kernel::{CardTemplateId, MemberId, MerchantId, Points, StaffId, StoreId};
use crate::kernel::{Clock, IdempotencyTx, UnitOfWork};
use crate::kernel::{Idempotent, Outcome};
use crate::members::MembersTx;
use crate::merchants::{StoresTx, merchant_of};
use crate::points::EarnTx;
use crate::settings::SettingsTx;
use crate::{Error, Result};
use serde::{Deserialize, Serialize};

/// A count card sold to a member at the till.
#[derive(Debug, Clone)]
pub struct SellCard {
    pub merchant_id: MerchantId,
    pub member_id: MemberId,
    pub template_id: CardTemplateId,
    pub store_id: Option<StoreId>,
    /// The till's own order number, unique per merchant when given.
    pub order_no: Option<String>,
    /// Part or all of the price paid from one of the member's stored-value cards.
    pub pay_from: Option<CardTender>,
    pub operator_id: Option<StaffId>,
}

/// The sale: its order, and the card's entry with the uses it added.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CardSale {
    pub receipt: OrderReceipt,
    pub entry: CardEntry,
}

impl<U, C, N> CheckoutService<'_, U, C, N>
where
    U: UnitOfWork<Tx: CardsTx + EarnTx + IdempotencyTx + OrdersTx + StoresTx>,
    C: Clock,
    N: Notifier,
{
    /// Sells a count card: an order of its price (one line, category `card`) that earns
    /// points as any order, and the uses added to the member's card of the template (opened
    /// when they hold none; the validity runs from this sale when that is later).
    ///
    /// # Errors
    /// `member_not_found`, `store_not_found`, `card_template_not_found`,
    /// `card_template_inactive`, `card_kind_mismatch` (not a count card), `order_no_taken`,
    /// and what paying from a stored-value card refuses; `idempotency_key_reused`.
    #[tracing::instrument(level = "debug", skip_all, fields(merchant = %cmd.merchant_id, member = %cmd.member_id))]
    pub async fn sell_card(
        self,
        cmd: SellCard,
        idem: Option<&Idempotent>,
    ) -> Result<Outcome<CardSale>> {
        let cmd = &cmd;
        write_once!(
            self,
            idem,
            check: Ok::<(), Error>(()),
            prepare |lookup, _now| {
                let merchant = merchant_of(lookup, cmd.merchant_id).await?;
                let store =
                    crate::merchants::resolve_store(lookup, cmd.merchant_id, cmd.store_id).await?;
                let settings = lookup.settings().settings(cmd.merchant_id).await?;
                let template =
                    crate::cards::template_of(lookup, cmd.merchant_id, cmd.template_id).await?;
                if !template.active {
                    return Err(CardsError::CardTemplateInactive.into());
                }
                let price = template.rules.price().ok_or(CardsError::CardKindMismatch {
                    what: "only a count or period card is sold",
                })?;
                Ok((merchant, store, settings, template, price))
            },
            effect |tx, (merchant, store, settings, template, price), now| {
                // The member's row first: two sales of one template to a member take turns,
                // so the second adds to the card the first opened.
                tx.members()
                    .lock_member(cmd.merchant_id, cmd.member_id)
                    .await?
                    .ok_or(Error::NotFound(crate::members::MEMBER))?;
                let order = CommitOrder {
                    merchant_id: cmd.merchant_id,
                    store_id: Some(store.id),
                    member_id: cmd.member_id,
                    order_no: cmd.order_no.clone(),
                    amount_paid: Some(price),
                    lines: vec![LineInput {
                        sku: None,
                        category: Some("card".to_owned()),
                        quantity: 1,
                        unit_price: price,
                    }],
                    coupon_codes: Vec::new(),
                    points_to_use: Points::ZERO,
                    card: cmd.pay_from,
                    operator_id: cmd.operator_id,
                };
                order.validate()?;
                let (receipt, events) =
                    commit_in(tx, &order, &merchant, &store, &settings, now).await?;
                let entry = crate::cards::sell_in(
                    tx,
                    &template,
                    cmd.member_id,
                    receipt.order.id,
                    store.id,
                    cmd.operator_id,
                    now,
                )
                .await?;
                Ok((CardSale { receipt, entry }, events))
            }
        )
    }
}
