//! Member card templates (会员卡模板): what a stored-value card (储值卡) looks like and how
//! it is topped up, with bonus plans (充 100 送 20). [`CardRules::validate`] checks what the
//! types alone cannot; [`CardRules::top_up`] decides what a payment puts on a card.
//!
//! Principal (what the member paid) and bonus (what the merchant gave) are kept apart on
//! every card and every ledger entry, for refunds and for the merchant's accounts.

#[cfg(feature = "openapi")]
use crate::kernel::schema::PositiveMoney;
use crate::kernel::{InvalidValue, Money, ServiceItemId};
use chrono::{DateTime, Duration, Months, Utc};
use serde::{Deserialize, Serialize};

/// The most top-up plans a template offers.
const MAX_PLANS: usize = 20;

/// What a card holds: money (stored value), uses of service items (a count card), or a
/// period in which they are served (a period card).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum CardKind {
    /// 储值卡: money paid in advance (with bonus), spent at the merchant's stores.
    StoredValue,
    /// 记次卡: a number of uses of the service items it names, sold at a price.
    Count,
    /// 周期卡: the service items it names, served through a month, season, year or a number
    /// of days, optionally at most so many times a day or a week.
    Period,
}

impl CardKind {
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::StoredValue => "stored_value",
            Self::Count => "count",
            Self::Period => "period",
        }
    }
}

/// A top-up plan: paying `pay` puts `pay` and `bonus` on the card (充 `pay` 送 `bonus`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct TopUpPlan {
    #[cfg_attr(feature = "openapi", schema(value_type = PositiveMoney))]
    pub pay: Money,
    #[serde(default)]
    pub bonus: Money,
}

/// Amounts a member may top up outside the plans, without bonus.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AmountRange {
    #[cfg_attr(feature = "openapi", schema(value_type = PositiveMoney))]
    pub min: Money,
    pub max: Money,
}

/// What a count card (记次卡) sells: uses of its service items, for how long, at what price.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CountRules {
    /// The service items a use may be of (1 to 20, each once).
    #[cfg_attr(feature = "openapi", schema(min_items = 1, max_items = 20))]
    pub items: Vec<ServiceItemId>,
    /// Uses in total, whatever the item (1 to 10,000); buying again adds as many.
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 10_000))]
    pub uses: i64,
    /// Days the uses stay valid from the sale (1 to 3,650); none: they never expire. Buying
    /// again extends it to that many days from the new sale when that is later.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 3650))]
    pub valid_days: Option<u32>,
    /// What the card costs at the till (an order of this amount, which earns points).
    #[cfg_attr(feature = "openapi", schema(value_type = PositiveMoney))]
    pub price: Money,
}

impl CountRules {
    fn validate(&self) -> Result<(), InvalidValue> {
        if self.items.is_empty() || self.items.len() > 20 {
            return Err(InvalidValue::new("count.items", "1 to 20 service items"));
        }
        for (i, item) in self.items.iter().enumerate() {
            if self.items[..i].contains(item) {
                return Err(InvalidValue::new("count.items", "each item at most once"));
            }
        }
        if !(1..=10_000).contains(&self.uses) {
            return Err(InvalidValue::new(
                "count.uses",
                "must be between 1 and 10000",
            ));
        }
        if self.valid_days.is_some_and(|d| !(1..=3650).contains(&d)) {
            return Err(InvalidValue::new(
                "count.valid_days",
                "must be between 1 and 3650",
            ));
        }
        if self.price == Money::ZERO {
            return Err(InvalidValue::new("count.price", "must be more than 0"));
        }
        Ok(())
    }
}

/// How long a period card's period is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case", tag = "unit", deny_unknown_fields)]
pub enum PeriodLength {
    /// A calendar month from its start (月卡).
    Month,
    /// Three calendar months (季卡).
    Season,
    /// Twelve calendar months (年卡).
    Year,
    Days {
        #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 3650))]
        days: u32,
    },
}

impl PeriodLength {
    /// The end of `periods` periods that start at `start`.
    #[must_use]
    pub fn end(self, start: DateTime<Utc>, periods: u32) -> DateTime<Utc> {
        let months = |n: u32| {
            start
                .checked_add_months(Months::new(n.saturating_mul(periods)))
                .unwrap_or(start)
        };
        match self {
            Self::Month => months(1),
            Self::Season => months(3),
            Self::Year => months(12),
            Self::Days { days } => start + Duration::days(i64::from(days) * i64::from(periods)),
        }
    }
}

/// When a period card's period starts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum PeriodStart {
    /// When it is sold.
    #[default]
    OnSale,
    /// At its first use.
    OnFirstUse,
}

/// What a period card (周期卡) sells.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PeriodRules {
    /// The service items it serves (1 to 20, each once).
    #[cfg_attr(feature = "openapi", schema(min_items = 1, max_items = 20))]
    pub items: Vec<ServiceItemId>,
    pub length: PeriodLength,
    #[serde(default)]
    pub starts: PeriodStart,
    /// At most this many uses a local day (none: no limit).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 100))]
    pub uses_per_day: Option<u32>,
    /// At most this many uses a local week, Monday to Sunday (none: no limit).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 700))]
    pub uses_per_week: Option<u32>,
    #[cfg_attr(feature = "openapi", schema(value_type = PositiveMoney))]
    pub price: Money,
}

impl PeriodRules {
    fn validate(&self) -> Result<(), InvalidValue> {
        if self.items.is_empty() || self.items.len() > 20 {
            return Err(InvalidValue::new("period.items", "1 to 20 service items"));
        }
        for (i, item) in self.items.iter().enumerate() {
            if self.items[..i].contains(item) {
                return Err(InvalidValue::new("period.items", "each item at most once"));
            }
        }
        if let PeriodLength::Days { days } = self.length
            && !(1..=3650).contains(&days)
        {
            return Err(InvalidValue::new(
                "period.length.days",
                "must be between 1 and 3650",
            ));
        }
        if self.uses_per_day.is_some_and(|n| !(1..=100).contains(&n)) {
            return Err(InvalidValue::new(
                "period.uses_per_day",
                "must be between 1 and 100",
            ));
        }
        if self.uses_per_week.is_some_and(|n| !(1..=700).contains(&n)) {
            return Err(InvalidValue::new(
                "period.uses_per_week",
                "must be between 1 and 700",
            ));
        }
        if self.price == Money::ZERO {
            return Err(InvalidValue::new("period.price", "must be more than 0"));
        }
        Ok(())
    }
}

/// A card template's rules, as HQ posts them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CardRules {
    pub kind: CardKind,
    /// Shown to members and in messages: 1–40 characters.
    #[cfg_attr(feature = "openapi", schema(pattern = r"\S", max_length = 40))]
    pub name: String,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_length = 500))]
    pub description: Option<String>,
    /// `#RRGGBB`.
    #[serde(default)]
    #[cfg_attr(
        feature = "openapi",
        schema(pattern = "^#[0-9A-Fa-f]{6}$", example = "#C8A060")
    )]
    pub theme_colour: Option<String>,
    /// An `https://` image URL (visible ASCII, at most 500 characters).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(pattern = "^https://[!-~]{0,492}$"))]
    pub background_image: Option<String>,
    /// The top-up plans, each with its own paid amount.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_items = 20))]
    pub plans: Vec<TopUpPlan>,
    /// Other amounts that may be topped up (without bonus); none when absent.
    #[serde(default)]
    pub custom_top_up: Option<AmountRange>,
    /// The most a card may hold (principal and bonus together); a top-up past it is refused.
    #[serde(default)]
    pub max_balance: Option<Money>,
    /// A count card's uses, validity and price (`kind: count` only).
    #[serde(default)]
    pub count: Option<CountRules>,
    /// A period card's period, limits and price (`kind: period` only).
    #[serde(default)]
    pub period: Option<PeriodRules>,
}

impl CardRules {
    /// The service items a count or period card serves.
    #[must_use]
    pub fn items(&self) -> &[ServiceItemId] {
        match self.kind {
            CardKind::Count => self.count.as_ref().map_or(&[], |c| &c.items),
            CardKind::Period => self.period.as_ref().map_or(&[], |p| &p.items),
            CardKind::StoredValue => &[],
        }
    }

    /// What a count or period card is sold for.
    #[must_use]
    pub fn price(&self) -> Option<Money> {
        match self.kind {
            CardKind::Count => self.count.as_ref().map(|c| c.price),
            CardKind::Period => self.period.as_ref().map(|p| p.price),
            CardKind::StoredValue => None,
        }
    }
}

/// What one top-up puts on a card.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TopUp {
    pub principal: Money,
    pub bonus: Money,
}

/// Why an amount cannot be topped up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NotOffered;

fn colour_ok(s: &str) -> bool {
    s.len() == 7 && s.starts_with('#') && s[1..].chars().all(|c| c.is_ascii_hexdigit())
}

impl CardRules {
    /// # Errors
    /// The first field that does not hold.
    pub fn validate(&self) -> Result<(), InvalidValue> {
        let name = self.name.trim();
        if name.is_empty() || name.chars().count() > 40 {
            return Err(InvalidValue::new("name", "1 to 40 characters"));
        }
        if self
            .description
            .as_deref()
            .is_some_and(|d| d.chars().count() > 500)
        {
            return Err(InvalidValue::new("description", "at most 500 characters"));
        }
        if self.theme_colour.as_deref().is_some_and(|c| !colour_ok(c)) {
            return Err(InvalidValue::new(
                "theme_colour",
                "a colour such as #C8A060",
            ));
        }
        if self.background_image.as_deref().is_some_and(|u| {
            !u.starts_with("https://") || u.len() > 500 || !u.bytes().all(|b| b.is_ascii_graphic())
        }) {
            return Err(InvalidValue::new(
                "background_image",
                "an https:// URL of at most 500 characters",
            ));
        }
        if self.kind != CardKind::StoredValue
            && (!self.plans.is_empty()
                || self.custom_top_up.is_some()
                || self.max_balance.is_some())
        {
            return Err(InvalidValue::new(
                "plans",
                "only a stored-value card is topped up: no plans, custom_top_up or max_balance",
            ));
        }
        if self.count.is_some() && self.kind != CardKind::Count {
            return Err(InvalidValue::new("count", "only for kind count"));
        }
        if self.period.is_some() && self.kind != CardKind::Period {
            return Err(InvalidValue::new("period", "only for kind period"));
        }
        match self.kind {
            CardKind::Count => {
                return self
                    .count
                    .as_ref()
                    .ok_or_else(|| {
                        InvalidValue::new("count", "a count card needs its items, uses and price")
                    })?
                    .validate();
            }
            CardKind::Period => {
                return self
                    .period
                    .as_ref()
                    .ok_or_else(|| {
                        InvalidValue::new(
                            "period",
                            "a period card needs its items, length and price",
                        )
                    })?
                    .validate();
            }
            CardKind::StoredValue => {}
        }
        if self.plans.len() > MAX_PLANS {
            return Err(InvalidValue::new("plans", "at most 20 plans"));
        }
        for (i, plan) in self.plans.iter().enumerate() {
            if plan.pay == Money::ZERO {
                return Err(InvalidValue::new("plans.pay", "must be more than 0"));
            }
            if self.plans[..i].iter().any(|p| p.pay == plan.pay) {
                return Err(InvalidValue::new("plans", "each amount at most once"));
            }
        }
        if self
            .custom_top_up
            .is_some_and(|r| r.min == Money::ZERO || r.min > r.max)
        {
            return Err(InvalidValue::new(
                "custom_top_up",
                "min must be more than 0 and at most max",
            ));
        }
        if self.plans.is_empty() && self.custom_top_up.is_none() {
            return Err(InvalidValue::new(
                "plans",
                "a stored-value card needs a plan or a custom_top_up range",
            ));
        }
        if let Some(max) = self.max_balance {
            let largest = self
                .plans
                .iter()
                .map(|p| p.pay.fen() + p.bonus.fen())
                .chain(self.custom_top_up.map(|r| r.max.fen()))
                .max()
                .unwrap_or(0);
            if largest > max.fen() {
                return Err(InvalidValue::new(
                    "max_balance",
                    "must hold the largest top-up the template offers",
                ));
            }
        }
        Ok(())
    }

    /// What paying `pay` puts on a card: the plan for exactly that amount with its bonus, or
    /// else, within `custom_top_up`, the amount alone.
    ///
    /// # Errors
    /// [`NotOffered`] when no plan is for that amount and it is outside the custom range.
    pub fn top_up(&self, pay: Money) -> Result<TopUp, NotOffered> {
        if let Some(plan) = self.plans.iter().find(|p| p.pay == pay) {
            return Ok(TopUp {
                principal: plan.pay,
                bonus: plan.bonus,
            });
        }
        match self.custom_top_up {
            Some(r) if pay >= r.min && pay <= r.max => Ok(TopUp {
                principal: pay,
                bonus: Money::ZERO,
            }),
            _ => Err(NotOffered),
        }
    }
}

#[cfg(test)]
mod tests;
