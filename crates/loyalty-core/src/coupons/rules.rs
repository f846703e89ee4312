//! Coupon template rules (券模板): what a coupon gives, where and to whom it applies, whether
//! it combines with others, how long a claimed coupon stays valid, and who may claim it.
//!
//! These are the values a merchant PUTs or POSTs as a template's rules; [`CouponRules::validate`]
//! checks what the types alone cannot. Pricing an order with coupons is
//! [`crate::checkout::price_order`].

#[cfg(feature = "openapi")]
use crate::kernel::schema::{Code, PositiveMoney};
use crate::kernel::{InvalidValue, MerchantTimeZone, Money, Points, StoreId, decimal_text};
use chrono::{DateTime, Days, NaiveDate, TimeDelta, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// The most entries a scope list may have.
const MAX_LIST: usize = 200;

fn code_ok(code: &str) -> bool {
    !code.is_empty() && code.len() <= 64 && code.chars().all(|c| c.is_ascii_graphic())
}

const fn one() -> i64 {
    1
}

const fn yes() -> bool {
    true
}

/// What a coupon gives. Amounts apply to the coupon's eligible lines (see [`CouponScope`]) at
/// what they cost when the coupon is applied.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum CouponBenefit {
    /// 满减: `amount` off when the eligible amount reaches `threshold` (> 0). The amount may
    /// equal the threshold.
    AmountOff {
        #[cfg_attr(feature = "openapi", schema(value_type = PositiveMoney))]
        threshold: Money,
        #[cfg_attr(feature = "openapi", schema(value_type = PositiveMoney))]
        amount: Money,
    },
    /// 折扣: pay `rate` of the eligible amount (`rate` strictly between 0 and 1, at most 4
    /// decimal places; "0.85" = 8.5折), only from `threshold` (0 = always), the discount at
    /// most `cap` when set.
    PercentOff {
        #[serde(deserialize_with = "decimal_text::deserialize")]
        #[cfg_attr(
            feature = "openapi",
            schema(
                value_type = String,
                example = "0.85",
                pattern = r"^0\.([1-9][0-9]{0,3}|0[1-9][0-9]{0,2}|00[1-9][0-9]?|000[1-9])0*$"
            )
        )]
        rate: Decimal,
        #[serde(default)]
        threshold: Money,
        #[serde(default)]
        #[cfg_attr(feature = "openapi", schema(value_type = Option<PositiveMoney>))]
        cap: Option<Money>,
    },
    /// 无门槛: `amount` off, at most the eligible amount.
    NoThreshold {
        #[cfg_attr(feature = "openapi", schema(value_type = PositiveMoney))]
        amount: Money,
    },
    /// 兑换/免费商品: `quantity` (1 to 100, default 1) units of the cheapest eligible items
    /// become free.
    FreeItem {
        #[serde(default = "one")]
        #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 100))]
        quantity: i64,
    },
}

impl CouponBenefit {
    /// The machine name of the benefit's kind, as in its serde tag.
    #[must_use]
    pub const fn kind(&self) -> &'static str {
        match self {
            Self::AmountOff { .. } => "amount_off",
            Self::PercentOff { .. } => "percent_off",
            Self::NoThreshold { .. } => "no_threshold",
            Self::FreeItem { .. } => "free_item",
        }
    }

    /// Checks the benefit's ranges (pricing calls this too, so a coupon loaded from storage
    /// can never price outside them).
    ///
    /// # Errors
    /// The first field out of range, as `benefit.<field>`.
    pub fn validate(&self) -> Result<(), InvalidValue> {
        let positive = |field, m: Money| {
            if m > Money::ZERO {
                Ok(())
            } else {
                Err(InvalidValue::new(field, "must be more than 0.00"))
            }
        };
        match self {
            Self::AmountOff { threshold, amount } => {
                positive("benefit.threshold", *threshold)?;
                positive("benefit.amount", *amount)
            }
            Self::PercentOff { rate, cap, .. } => {
                if *rate <= Decimal::ZERO || *rate >= Decimal::ONE || rate.normalize().scale() > 4 {
                    return Err(InvalidValue::new(
                        "benefit.rate",
                        "must be between 0 and 1 (exclusive), with at most 4 decimal places",
                    ));
                }
                cap.map_or(Ok(()), |cap| positive("benefit.cap", cap))
            }
            Self::NoThreshold { amount } => positive("benefit.amount", *amount),
            Self::FreeItem { quantity } => {
                if (1..=100).contains(quantity) {
                    Ok(())
                } else {
                    Err(InvalidValue::new(
                        "benefit.quantity",
                        "must be between 1 and 100",
                    ))
                }
            }
        }
    }
}

/// Which stores, lines and tiers a coupon applies to. An empty list does not restrict.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default, deny_unknown_fields)]
pub struct CouponScope {
    #[cfg_attr(feature = "openapi", schema(max_items = 200))]
    pub store_ids: Vec<StoreId>,
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Code>, max_items = 200))]
    pub include_skus: Vec<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Code>, max_items = 200))]
    pub include_categories: Vec<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Code>, max_items = 200))]
    pub exclude_skus: Vec<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Code>, max_items = 200))]
    pub exclude_categories: Vec<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Code>, max_items = 200))]
    pub tier_codes: Vec<String>,
}

fn contains(list: &[String], value: Option<&str>) -> bool {
    value.is_some_and(|v| list.iter().any(|x| x == v))
}

impl CouponScope {
    /// Whether the coupon may be used at `store_id`: no store list, or the store is on it.
    #[must_use]
    pub fn covers_store(&self, store_id: StoreId) -> bool {
        self.store_ids.is_empty() || self.store_ids.contains(&store_id)
    }

    /// Whether a line of `sku` in `category` is eligible. An excluded sku or category always
    /// wins; otherwise the line is included when both include lists are empty, its sku is in
    /// `include_skus`, or its category is in `include_categories`. A line without a sku or
    /// category matches no list by it.
    #[must_use]
    pub fn covers_line(&self, sku: Option<&str>, category: Option<&str>) -> bool {
        if contains(&self.exclude_skus, sku) || contains(&self.exclude_categories, category) {
            return false;
        }
        (self.include_skus.is_empty() && self.include_categories.is_empty())
            || contains(&self.include_skus, sku)
            || contains(&self.include_categories, category)
    }

    /// Whether a member of `tier` (its code) may use the coupon: no tier list, or the code is
    /// on it. `None` (a member with no tier) matches only an empty list: a caller whose
    /// members without a tier belong to the ladder's first tier passes that tier's code.
    #[must_use]
    pub fn covers_tier(&self, tier: Option<&str>) -> bool {
        self.tier_codes.is_empty() || contains(&self.tier_codes, tier)
    }

    fn validate(&self) -> Result<(), InvalidValue> {
        if self.store_ids.len() > MAX_LIST {
            return Err(InvalidValue::new(
                "scope.store_ids",
                "has more than 200 stores",
            ));
        }
        for (field, list) in [
            ("scope.include_skus", &self.include_skus),
            ("scope.include_categories", &self.include_categories),
            ("scope.exclude_skus", &self.exclude_skus),
            ("scope.exclude_categories", &self.exclude_categories),
            ("scope.tier_codes", &self.tier_codes),
        ] {
            if list.len() > MAX_LIST || list.iter().any(|c| !code_ok(c)) {
                return Err(InvalidValue::new(
                    field,
                    "codes are 1 to 64 visible ASCII characters, at most 200 of them",
                ));
            }
        }
        Ok(())
    }
}

/// Whether a coupon combines with other coupons on one order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = CouponStacking))]
#[serde(rename_all = "snake_case")]
pub enum Stacking {
    /// The only coupon of its order.
    #[default]
    Exclusive,
    /// Combines with other stackable coupons.
    Stackable,
}

/// How long a claimed coupon is valid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "mode", rename_all = "snake_case", deny_unknown_fields)]
pub enum CouponValidity {
    /// The same window for every coupon, `[from, until)`.
    Fixed {
        from: DateTime<Utc>,
        until: DateTime<Utc>,
    },
    /// `days` whole local days from the claim day (or from the next local day).
    AfterClaim {
        #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 3650))]
        days: u32,
        #[serde(default)]
        from_next_day: bool,
    },
}

impl CouponValidity {
    /// The window `[from, until)` of a coupon claimed at `claimed_at`, days counted in `tz`.
    ///
    /// `Fixed` is its own window. `AfterClaim` counts `days` whole local days from the claim
    /// day, or from the next local day with `from_next_day`: `from` is `claimed_at` (or the
    /// start of the next local day), `until` the start of the local day `days` after that
    /// first day. Claimed 2026-03-10 15:00 for 7 days → until 2026-03-17 00:00; with
    /// `from_next_day`, from 2026-03-11 00:00 until 2026-03-18 00:00. A local midnight that a
    /// daylight-saving change skips starts its day at the first instant after the gap.
    #[must_use]
    pub fn window(
        &self,
        claimed_at: DateTime<Utc>,
        tz: MerchantTimeZone,
    ) -> (DateTime<Utc>, DateTime<Utc>) {
        match *self {
            Self::Fixed { from, until } => (from, until),
            Self::AfterClaim {
                days,
                from_next_day,
            } => {
                let start_of = |date: NaiveDate| {
                    date.and_hms_opt(0, 0, 0)
                        .and_then(|midnight| tz.instant_of(midnight))
                };
                let claim_day = tz.local_date(claimed_at);
                let first_day = if from_next_day {
                    claim_day.checked_add_days(Days::new(1))
                } else {
                    Some(claim_day)
                };
                let from = if from_next_day {
                    first_day.and_then(start_of).unwrap_or(claimed_at)
                } else {
                    claimed_at
                };
                let until = first_day
                    .and_then(|d| d.checked_add_days(Days::new(u64::from(days))))
                    .and_then(start_of)
                    .or_else(|| {
                        // Only past the calendar's end: whole days of 24 hours.
                        from.checked_add_signed(TimeDelta::days(i64::from(days)))
                    })
                    .unwrap_or(DateTime::<Utc>::MAX_UTC);
                (from, until)
            }
        }
    }
}

/// A coupon template's rules: the JSON a merchant saves for a template.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CouponRules {
    /// 1 to 60 characters.
    #[cfg_attr(feature = "openapi", schema(pattern = r"\S", max_length = 60))]
    pub name: String,
    /// At most 500 characters.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_length = 500))]
    pub description: String,
    pub benefit: CouponBenefit,
    #[serde(default)]
    pub scope: CouponScope,
    #[serde(default)]
    pub stacking: Stacking,
    pub validity: CouponValidity,
    /// Members may claim from this instant on; `None` = from the start.
    #[serde(default)]
    pub claim_from: Option<DateTime<Utc>>,
    /// Members may claim until just before this instant; `None` = no end.
    #[serde(default)]
    pub claim_until: Option<DateTime<Utc>>,
    /// Total coupons that may ever be issued; `None` = unlimited.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 100_000_000))]
    pub stock: Option<i64>,
    /// HQ is told (scene `stock_low`) when the stock left falls to this many or fewer; `0`
    /// tells when it runs out. Needs a `stock`, and must be below it. `None` = not told.
    /// Left out of the JSON when absent, so rules saved without it read as before.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub low_stock_alert: Option<i64>,
    /// At most this many coupons of the template per member, ever; `None` = no limit.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(minimum = 1))]
    pub per_member_limit: Option<i64>,
    /// At most this many claims of the template per member per local day; `None` = no limit.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(minimum = 1))]
    pub per_day_limit: Option<i64>,
    /// Members may claim it themselves (领券中心); otherwise only HQ issues or gifts it.
    #[serde(default = "yes")]
    pub claimable: bool,
    /// Price in points for exchange (积分兑换券); `None` = not exchangeable.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<i64>, minimum = 1, maximum = 1_000_000_000))]
    pub points_price: Option<Points>,
}

impl CouponRules {
    /// Checks what the types alone cannot.
    ///
    /// # Errors
    /// The first refused field, by its path (`name`, `benefit.rate`, `scope.exclude_skus`,
    /// `validity.until`, `claim_until`, `stock`, …): a name of 1 to 60 characters (not blank),
    /// a description of at most 500; the benefit's ranges ([`CouponBenefit::validate`]); scope
    /// codes of 1 to 64 visible ASCII characters, at most 200 a list; a fixed window with
    /// `from` before `until`, or 1 to 3650 days; `claim_from` before `claim_until` when both
    /// are set; every instant in the years 2000 to 9998; a stock of 1 to 100000000; limits of at least 1; a points price of 1 to
    /// 1000000000.
    pub fn validate(&self) -> Result<(), InvalidValue> {
        let name_len = self.name.chars().count();
        if self.name.trim().is_empty() || name_len > 60 {
            return Err(InvalidValue::new("name", "must be 1 to 60 characters"));
        }
        if self.description.chars().count() > 500 {
            return Err(InvalidValue::new(
                "description",
                "must be at most 500 characters",
            ));
        }
        self.benefit.validate()?;
        self.scope.validate()?;
        match self.validity {
            CouponValidity::Fixed { from, until } if from >= until => {
                return Err(InvalidValue::new("validity.until", "must be after from"));
            }
            CouponValidity::AfterClaim { days, .. } if !(1..=3650).contains(&days) => {
                return Err(InvalidValue::new(
                    "validity.days",
                    "must be between 1 and 3650",
                ));
            }
            _ => {}
        }
        if let (Some(from), Some(until)) = (self.claim_from, self.claim_until)
            && from >= until
        {
            return Err(InvalidValue::new("claim_until", "must be after claim_from"));
        }
        // Four-digit years: stored times then compare as text in the order of time.
        let instants = [
            ("claim_from", self.claim_from),
            ("claim_until", self.claim_until),
        ]
        .into_iter()
        .chain(match self.validity {
            CouponValidity::Fixed { from, until } => {
                vec![
                    ("validity.from", Some(from)),
                    ("validity.until", Some(until)),
                ]
            }
            CouponValidity::AfterClaim { .. } => Vec::new(),
        });
        for (field, at) in instants {
            if at.is_some_and(|t| !(2000..=9998).contains(&chrono::Datelike::year(&t))) {
                return Err(InvalidValue::new(
                    field,
                    "must be between the years 2000 and 9998",
                ));
            }
        }
        if self.stock.is_some_and(|s| !(1..=100_000_000).contains(&s)) {
            return Err(InvalidValue::new(
                "stock",
                "must be between 1 and 100000000",
            ));
        }
        if let Some(alert) = self.low_stock_alert {
            match self.stock {
                None => {
                    return Err(InvalidValue::new(
                        "low_stock_alert",
                        "needs a stock to watch",
                    ));
                }
                Some(stock) if !(0..stock).contains(&alert) => {
                    return Err(InvalidValue::new(
                        "low_stock_alert",
                        "must be at least 0 and below the stock",
                    ));
                }
                Some(_) => {}
            }
        }
        for (field, limit) in [
            ("per_member_limit", self.per_member_limit),
            ("per_day_limit", self.per_day_limit),
        ] {
            if limit.is_some_and(|l| l < 1) {
                return Err(InvalidValue::new(field, "must be at least 1"));
            }
        }
        if self
            .points_price
            .is_some_and(|p| !(1..=1_000_000_000).contains(&p.value()))
        {
            return Err(InvalidValue::new(
                "points_price",
                "must be between 1 and 1000000000",
            ));
        }
        Ok(())
    }

    /// Whether the claim window is open at `now`: `claim_from ≤ now < claim_until` (an unset
    /// end is open), and for a fixed validity also `now < until` (a coupon that could never
    /// be used is not handed out).
    #[must_use]
    pub fn claim_open(&self, now: DateTime<Utc>) -> bool {
        let not_ended = match self.validity {
            CouponValidity::Fixed { until, .. } => now < until,
            CouponValidity::AfterClaim { .. } => true,
        };
        self.claim_from.is_none_or(|from| from <= now)
            && self.claim_until.is_none_or(|until| now < until)
            && not_ended
    }
}

#[cfg(test)]
mod tests;
