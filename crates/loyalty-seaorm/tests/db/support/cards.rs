//! Stored-value card templates, the cards members open from them, and their top-ups.

use super::{World, done, money};
use loyalty_core::Error;
use loyalty_core::cards::{CardEntry, CardRules, CardTemplate, OpenCard, TopUpCard};
use loyalty_core::kernel::{CardId, CardTemplateId, MoneyDrift};
use loyalty_core::members::Member;
use loyalty_core::merchants::Merchant;
use serde_json::json;

/// 金卡储值, paying 100.00 for 20.00 of bonus or 500.00 for 150.00, with the fields of
/// `extra` put over it (each replacing the whole field).
pub fn card_rules(extra: serde_json::Value) -> CardRules {
    let mut base = json!({
        "kind": "stored_value",
        "name": "金卡储值",
        "plans": [{"pay": "100.00", "bonus": "20.00"}, {"pay": "500.00", "bonus": "150.00"}],
    });
    if let (Some(base), Some(extra)) = (base.as_object_mut(), extra.as_object()) {
        base.extend(extra.clone());
    }
    serde_json::from_value(base).expect("card rules")
}

/// A card template of the merchant with the rules of [`card_rules`].
pub async fn card_template(
    w: &World,
    merchant: &Merchant,
    extra: serde_json::Value,
) -> CardTemplate {
    w.loyalty
        .cards()
        .create_template(merchant.id, card_rules(extra), None)
        .await
        .expect("card template created")
}

/// Opening a card of `template` for the member, by the till of the default store.
pub fn open_card(merchant: &Merchant, m: &Member, template: CardTemplateId) -> OpenCard {
    OpenCard {
        merchant_id: merchant.id,
        member_id: m.id,
        template_id: template,
        store_id: None,
        operator_id: None,
    }
}

/// A new template of [`card_rules`] and the member's card of it.
pub async fn card(w: &World, merchant: &Merchant, m: &Member, extra: serde_json::Value) -> CardId {
    let template = card_template(w, merchant, extra).await;
    w.loyalty
        .cards()
        .open(open_card(merchant, m, template.id))
        .await
        .expect("card opened")
        .card
        .id
}

/// A top-up of `amount` to the member's card, with the payment's reference if given.
pub fn top_up(m: &Member, card: CardId, amount: &str, payment_ref: Option<&str>) -> TopUpCard {
    TopUpCard {
        merchant_id: m.merchant_id,
        member_id: m.id,
        card_id: card,
        amount: money(amount),
        payment_ref: payment_ref.map(str::to_owned),
        store_id: None,
        operator_id: None,
    }
}

/// Tops up by `cmd` (no idempotency key, so never a replay).
pub async fn topped(w: &World, cmd: TopUpCard) -> Result<CardEntry, Error> {
    w.loyalty.cards().top_up(cmd, None).await.map(done)
}

/// Every card and wallet whose amounts disagree with its ledger.
pub async fn money_drifts(w: &World) -> Vec<MoneyDrift> {
    let mut drifts = w.loyalty.cards().drifts().await.expect("verified");
    drifts.extend(w.loyalty.wallet().drifts().await.expect("verified"));
    drifts
}

/// A service item of the merchant, and a card template serving it: a count or period card
/// with the rules of `rules` (its `count` or `period` without `items`, which get the item).
pub async fn item_and_template(
    w: &World,
    merchant: &Merchant,
    code: &str,
    name: &str,
    rules: serde_json::Value,
) -> (loyalty_core::cards::ServiceItem, CardTemplate) {
    let item = w
        .loyalty
        .cards()
        .create_service_item(
            merchant.id,
            loyalty_core::cards::NewServiceItem {
                code: code.into(),
                name: name.into(),
                price: None,
            },
        )
        .await
        .expect("service item");
    let mut rules = rules;
    for part in ["count", "period"] {
        if let Some(part) = rules.get_mut(part).and_then(|p| p.as_object_mut()) {
            part.insert("items".into(), json!([item.id]));
        }
    }
    let template = w
        .loyalty
        .cards()
        .create_template(
            merchant.id,
            serde_json::from_value(rules).expect("card rules"),
            None,
        )
        .await
        .expect("card template");
    (item, template)
}

/// Sells a card of `template` to the member at the default store (no key, never a replay).
pub async fn sell(
    w: &World,
    m: &Member,
    template: CardTemplateId,
) -> loyalty_core::checkout::CardSale {
    w.loyalty
        .checkout()
        .sell_card(
            loyalty_core::checkout::SellCard {
                merchant_id: m.merchant_id,
                member_id: m.id,
                template_id: template,
                store_id: None,
                order_no: None,
                pay_from: None,
                operator_id: None,
            },
            None,
        )
        .await
        .map(done)
        .expect("sold")
}
