//! What the clients do: a merchant with N members, then orders that earn (`earn`), manual
//! deductions (`spend`, with enough points credited first), a mix of both with reads, price
//! previews of a three-line order with points as cash (`quote`), the same order
//! committed (`checkout`), an order paid wholly from the member's stored-value card
//! (`card checkout`), and a use of the member's count card at a store (`count-card use`).

use crate::server::PLATFORM_KEY;
use anyhow::{Context, bail};
use futures::StreamExt;
use reqwest::Client;
use serde_json::{Value, json};
use std::sync::Arc;

pub struct Fixture {
    pub client: Client,
    pub base: String,
    pub token: String,
    /// The login's merchant and staff account.
    pub merchant_id: String,
    pub staff_id: String,
    pub members: Vec<String>,
    /// Each member's stored-value card, once [`Fixture::open_cards`] has opened them.
    pub cards: std::sync::OnceLock<Vec<String>>,
    /// Each member's count card, its service item and the store it is used at, once
    /// [`Fixture::sell_count_cards`] has sold them.
    pub count_cards: std::sync::OnceLock<CountCards>,
}

/// The count cards the `count-card use` scenario uses.
pub struct CountCards {
    pub cards: Vec<String>,
    pub item: String,
    pub store: String,
}

async fn post(client: &Client, url: String, token: &str, body: Value) -> anyhow::Result<Value> {
    let response = client
        .post(url)
        .bearer_auth(token)
        .json(&body)
        .send()
        .await?;
    let status = response.status();
    let body: Value = response.json().await?;
    if !status.is_success() {
        bail!("{status}: {body}");
    }
    Ok(body)
}

/// Creates merchant `code` with `members` members, each credited `credit` points.
pub async fn setup(
    base: &str,
    code: &str,
    members: usize,
    credit: i64,
) -> anyhow::Result<Arc<Fixture>> {
    let client = Client::builder().pool_max_idle_per_host(256).build()?;
    let body = json!({ "code": code, "name": "Bench", "owner_password": "bench-password", "earning": { "points_per_unit": 1, "unit": "1.00", "rounding": "floor" }, "points_expiry": { "rule": { "mode": "rolling", "days": 365 } } });
    post(
        &client,
        format!("{base}/api/v1/platform/merchants"),
        PLATFORM_KEY,
        body,
    )
    .await
    .context("create merchant")?;
    let login = client
        .post(format!("{base}/api/v1/merchant/auth/login"))
        .json(&json!({ "merchant_code": code, "username": "owner", "password": "bench-password" }))
        .send()
        .await?
        .json::<Value>()
        .await?;
    let token = login["token"].as_str().context("no token")?.to_owned();
    let merchant_id = login["merchant"]["id"]
        .as_str()
        .context("no merchant")?
        .to_owned();
    let staff_id = login["staff"]["id"]
        .as_str()
        .context("no staff")?
        .to_owned();
    let saved = client
        .put(format!("{base}/api/v1/merchant/settings/checkout"))
        .bearer_auth(&token)
        .json(&json!({ "points_as_cash": { "points": 100, "money": "1.00", "max_share": "0.5" } }))
        .send()
        .await?;
    if !saved.status().is_success() {
        bail!("checkout settings: {}", saved.status());
    }
    let ids: Vec<anyhow::Result<String>> = futures::stream::iter(0..members)
        .map(|i| {
            let (client, token) = (client.clone(), token.clone());
            let base = base.to_owned();
            async move {
                let phone = format!("{}", 13_000_000_000_u64 + i as u64);
                let member = post(
                    &client,
                    format!("{base}/api/v1/merchant/members"),
                    &token,
                    json!({ "phone": phone }),
                )
                .await?;
                let id = member["id"].as_str().context("no id")?.to_owned();
                if credit > 0 {
                    let url = format!("{base}/api/v1/merchant/members/{id}/points/adjustments");
                    post(
                        &client,
                        url,
                        &token,
                        json!({ "delta": credit, "reason": "bench credit" }),
                    )
                    .await?;
                }
                Ok(id)
            }
        })
        .buffer_unordered(16)
        .collect()
        .await;
    let members = ids.into_iter().collect::<anyhow::Result<Vec<_>>>()?;
    Ok(Arc::new(Fixture {
        client,
        base: base.to_owned(),
        token,
        merchant_id,
        staff_id,
        members,
        cards: std::sync::OnceLock::new(),
        count_cards: std::sync::OnceLock::new(),
    }))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scenario {
    Earn,
    Spend,
    Mix,
    Quote,
    Checkout,
    /// An order of 88.00 paid wholly from the member's stored-value card.
    Card,
    /// A use of the member's count card at a store (核销).
    CardUse,
    /// A balance read alone: one authenticated request and one row, the least any request
    /// over HTTP costs the server.
    Read,
}

impl Scenario {
    pub fn name(self) -> &'static str {
        match self {
            Self::Earn => "earn",
            Self::Spend => "spend",
            Self::Mix => "mix",
            Self::Quote => "quote",
            Self::Checkout => "checkout",
            Self::Card => "card checkout",
            Self::CardUse => "count-card use",
            Self::Read => "read",
        }
    }
}

pub(crate) async fn send(request: reqwest::RequestBuilder) -> Result<(), String> {
    let response = request.send().await.map_err(|e| e.to_string())?;
    let status = response.status();
    let _ = response.bytes().await;
    if status.is_success() {
        Ok(())
    } else {
        Err(status.to_string())
    }
}

impl Fixture {
    /// Who an earn is for and by (an earn over HTTP says which store it lands in): the
    /// floor reference records the same earn from the engine.
    pub async fn sample_ids(&self) -> anyhow::Result<crate::floor::Ids> {
        let body = json!({ "member_id": self.member(0), "amount_paid": "88.00" });
        let answer = post(
            &self.client,
            format!("{}/api/v1/merchant/orders", self.base),
            &self.token,
            body,
        )
        .await?;
        let id = |field: &str| -> anyhow::Result<uuid::Uuid> {
            Ok(answer["order"][field]
                .as_str()
                .with_context(|| format!("no order.{field}"))?
                .parse()?)
        };
        Ok(crate::floor::Ids {
            merchant: self.merchant_id.parse()?,
            store: id("store_id")?,
            operator: self.staff_id.parse()?,
            member: id("member_id")?,
        })
    }

    fn member(&self, i: u64) -> &str {
        &self.members[(i as usize) % self.members.len()]
    }

    /// An order that earns points, with an idempotency key as a till sends it.
    pub async fn earn(&self, run: &str, i: u64) -> Result<(), String> {
        let request = self
            .client
            .post(format!("{}/api/v1/merchant/orders", self.base))
            .bearer_auth(&self.token)
            .header("Idempotency-Key", format!("{run}-e-{i}"))
            .json(&json!({ "member_id": self.member(i), "amount_paid": "88.00" }));
        send(request).await
    }

    /// Two lattes, a cake and a tea, paid partly with 100 points.
    fn basket(&self, i: u64) -> Value {
        json!({
            "member_id": self.member(i),
            "lines": [
                { "sku": "latte", "category": "coffee", "quantity": 2, "unit_price": "32.00" },
                { "sku": "cake", "category": "dessert", "quantity": 1, "unit_price": "28.00" },
                { "sku": "tea", "category": "tea", "quantity": 1, "unit_price": "18.00" }
            ],
            "points": 100
        })
    }

    /// A price preview at the till: nothing is written.
    pub async fn quote(&self, i: u64) -> Result<(), String> {
        let request = self
            .client
            .post(format!("{}/api/v1/merchant/orders/quote", self.base))
            .bearer_auth(&self.token)
            .json(&self.basket(i));
        send(request).await
    }

    /// The same order committed: points spent as cash, points earned, lines written.
    pub async fn checkout(&self, run: &str, i: u64) -> Result<(), String> {
        let request = self
            .client
            .post(format!("{}/api/v1/merchant/orders", self.base))
            .bearer_auth(&self.token)
            .header("Idempotency-Key", format!("{run}-c-{i}"))
            .json(&self.basket(i));
        send(request).await
    }

    /// Opens a stored-value card for every member and tops each up with 1,000,000.00, so
    /// that card payments never run out in a run.
    pub async fn open_cards(&self) -> anyhow::Result<()> {
        let template = post(
            &self.client,
            format!("{}/api/v1/merchant/card-templates", self.base),
            &self.token,
            json!({ "kind": "stored_value", "name": "Bench card",
                    "custom_top_up": { "min": "1.00", "max": "1000000.00" } }),
        )
        .await
        .context("card template")?;
        let template = template["id"]
            .as_str()
            .context("no template id")?
            .to_owned();
        let opened: Vec<anyhow::Result<String>> = futures::stream::iter(&self.members)
            .map(|member| {
                let template = template.clone();
                async move {
                    let cards = format!("{}/api/v1/merchant/members/{member}/cards", self.base);
                    let card = post(
                        &self.client,
                        cards.clone(),
                        &self.token,
                        json!({ "template_id": template }),
                    )
                    .await?;
                    let card = card["id"].as_str().context("no card id")?.to_owned();
                    post(
                        &self.client,
                        format!("{cards}/{card}/top-ups"),
                        &self.token,
                        json!({ "amount": "1000000.00" }),
                    )
                    .await?;
                    Ok(card)
                }
            })
            .buffered(16)
            .collect()
            .await;
        let cards = opened.into_iter().collect::<anyhow::Result<Vec<_>>>()?;
        self.cards
            .set(cards)
            .map_err(|_| anyhow::anyhow!("cards opened twice"))
    }

    /// Sells every member a count card of 10,000 uses of one service item, so that uses never
    /// run out in a run.
    pub async fn sell_count_cards(&self) -> anyhow::Result<()> {
        let item = post(
            &self.client,
            format!("{}/api/v1/merchant/service-items", self.base),
            &self.token,
            json!({ "code": "BENCH", "name": "Bench service" }),
        )
        .await
        .context("service item")?;
        let item = item["id"].as_str().context("no item id")?.to_owned();
        let template = post(
            &self.client,
            format!("{}/api/v1/merchant/card-templates", self.base),
            &self.token,
            json!({ "kind": "count", "name": "Bench count card",
                    "count": { "items": [item], "uses": 10000, "price": "1.00" } }),
        )
        .await
        .context("count card template")?;
        let template = template["id"]
            .as_str()
            .context("no template id")?
            .to_owned();
        let sold: Vec<anyhow::Result<(String, String)>> = futures::stream::iter(&self.members)
            .map(|member| {
                let template = template.clone();
                async move {
                    let sale = post(
                        &self.client,
                        format!("{}/api/v1/merchant/members/{member}/cards/sales", self.base),
                        &self.token,
                        json!({ "template_id": template }),
                    )
                    .await?;
                    let card = sale["card_entry"]["card_id"]
                        .as_str()
                        .context("no card id")?
                        .to_owned();
                    let store = sale["order"]["store_id"]
                        .as_str()
                        .context("no store")?
                        .to_owned();
                    Ok((card, store))
                }
            })
            .buffered(16)
            .collect()
            .await;
        let sold = sold.into_iter().collect::<anyhow::Result<Vec<_>>>()?;
        let store = sold.first().map(|(_, s)| s.clone()).unwrap_or_default();
        self.count_cards
            .set(CountCards {
                cards: sold.into_iter().map(|(c, _)| c).collect(),
                item,
                store,
            })
            .map_err(|_| anyhow::anyhow!("count cards sold twice"))
    }

    /// A use of the member's count card (sold by [`Self::sell_count_cards`]).
    pub async fn card_use(&self, run: &str, i: u64) -> Result<(), String> {
        let sold = self.count_cards.get().ok_or("no count cards sold")?;
        let card = &sold.cards[(i as usize) % sold.cards.len()];
        let request = self
            .client
            .post(format!(
                "{}/api/v1/merchant/members/{}/cards/{card}/uses",
                self.base,
                self.member(i)
            ))
            .bearer_auth(&self.token)
            .header("Idempotency-Key", format!("{run}-u-{i}"))
            .json(&json!({ "item_id": sold.item, "store_id": sold.store }));
        send(request).await
    }

    /// An order of 88.00 paid from the member's card (opened by [`Self::open_cards`]).
    pub async fn card_checkout(&self, run: &str, i: u64) -> Result<(), String> {
        let cards = self.cards.get().ok_or("no cards opened")?;
        let card = &cards[(i as usize) % cards.len()];
        let request = self
            .client
            .post(format!("{}/api/v1/merchant/orders", self.base))
            .bearer_auth(&self.token)
            .header("Idempotency-Key", format!("{run}-k-{i}"))
            .json(
                &json!({ "member_id": self.member(i), "amount_paid": "88.00",
                           "card": { "card_id": card } }),
            );
        send(request).await
    }

    /// A deduction of one point from the soonest-expiring lots.
    pub async fn spend(&self, run: &str, i: u64) -> Result<(), String> {
        let request = self
            .client
            .post(format!(
                "{}/api/v1/merchant/members/{}/points/adjustments",
                self.base,
                self.member(i)
            ))
            .bearer_auth(&self.token)
            .header("Idempotency-Key", format!("{run}-s-{i}"))
            .json(&json!({ "delta": -1, "reason": "bench spend" }));
        send(request).await
    }

    /// A member's balance, as the till reads it after a scan.
    pub async fn read(&self, i: u64) -> Result<(), String> {
        let request = self
            .client
            .get(format!(
                "{}/api/v1/merchant/members/{}",
                self.base,
                self.member(i)
            ))
            .bearer_auth(&self.token);
        send(request).await
    }

    /// 70 % earn, 20 % balance reads, 10 % spend.
    pub async fn run(&self, scenario: Scenario, run: &str, i: u64) -> Result<(), String> {
        match (scenario, i % 10) {
            (Scenario::Earn, _) | (Scenario::Mix, 0..=6) => self.earn(run, i).await,
            (Scenario::Spend, _) | (Scenario::Mix, 9) => self.spend(run, i).await,
            (Scenario::Mix, _) | (Scenario::Read, _) => self.read(i).await,
            (Scenario::Quote, _) => self.quote(i).await,
            (Scenario::Checkout, _) => self.checkout(run, i).await,
            (Scenario::Card, _) => self.card_checkout(run, i).await,
            (Scenario::CardUse, _) => self.card_use(run, i).await,
        }
    }
}
