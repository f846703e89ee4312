//! The earning policy a merchant configures (`PUT /merchant/settings/earning`): its value
//! types, defaults and validation.

#[cfg(feature = "openapi")]
use crate::kernel::schema::{Code, DayOfMonth, DayOfWeek, PositiveMoney};
use crate::kernel::{InvalidValue, Money, Points, StoreId, decimal_text};
use chrono::{Datelike, NaiveDate};
use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};

/// How a fractional number of points becomes whole points.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Rounding {
    /// Down to the whole point below (the merchant-friendly default).
    #[default]
    Floor,
    /// To the nearest point; exactly half rounds up.
    HalfUp,
    /// Up to the whole point above.
    Ceiling,
}

impl Rounding {
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Floor => "floor",
            Self::HalfUp => "half_up",
            Self::Ceiling => "ceiling",
        }
    }

    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        [Self::Floor, Self::HalfUp, Self::Ceiling]
            .into_iter()
            .find(|r| r.as_str() == s)
    }

    /// The one place where a points amount is rounded.
    #[must_use]
    pub fn apply(self, exact: Decimal) -> Decimal {
        let strategy = match self {
            Self::Floor => RoundingStrategy::ToNegativeInfinity,
            Self::HalfUp => RoundingStrategy::MidpointAwayFromZero,
            Self::Ceiling => RoundingStrategy::ToPositiveInfinity,
        };
        exact.round_dp_with_strategy(0, strategy)
    }
}

/// A factor points are multiplied by: more than 0, at most 100, at most 4 decimal places,
/// written as a plain decimal string ([`decimal_text`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "Decimal")]
#[cfg_attr(
    feature = "openapi",
    derive(utoipa::ToSchema),
    schema(
        value_type = String,
        example = "1.5",
        pattern = r"^([1-9][0-9]?(\.[0-9]{1,4}0*)?|100(\.0+)?|0\.([1-9][0-9]{0,3}|0[1-9][0-9]{0,2}|00[1-9][0-9]?|000[1-9])0*)$"
    )
)]
pub struct Multiplier(Decimal);

impl Multiplier {
    pub const ONE: Self = Self(Decimal::ONE);

    /// # Errors
    /// Refuses 0, a negative factor, more than 100 or more than 4 decimal places.
    pub fn new(value: Decimal) -> Result<Self, InvalidValue> {
        if value <= Decimal::ZERO || value > Decimal::ONE_HUNDRED || decimal_text::places(value) > 4
        {
            return Err(InvalidValue::new(
                "multiplier",
                "must be more than 0 and at most 100, with at most 4 decimal places",
            ));
        }
        Ok(Self(value.normalize()))
    }

    #[must_use]
    pub const fn value(self) -> Decimal {
        self.0
    }
}

impl TryFrom<String> for Multiplier {
    type Error = InvalidValue;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        decimal_text::parse(&text)
            .ok_or_else(|| InvalidValue::new("multiplier", "is not a decimal such as \"1.5\""))
            .and_then(Self::new)
    }
}

impl TryFrom<Decimal> for Multiplier {
    type Error = InvalidValue;

    fn try_from(value: Decimal) -> Result<Self, Self::Error> {
        Self::new(value)
    }
}

impl From<Multiplier> for Decimal {
    fn from(value: Multiplier) -> Self {
        value.0
    }
}

/// Which amount of a line earns points.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum AmountBasis {
    /// What the member paid for the line, after discounts, coupons and points as cash.
    #[default]
    AfterDiscounts,
    /// The line's price times its quantity.
    BeforeDiscounts,
}

/// How several multipliers that apply to one line combine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = EarningStacking))]
#[serde(rename_all = "snake_case")]
pub enum Stacking {
    /// The product of all factors (tier ×1.2 on member day ×2 → ×2.4).
    #[default]
    Multiply,
    /// Only the largest factor counts (tier ×1.2 on member day ×2 → ×2).
    Highest,
}

/// Spend at least `min_amount` in one order → `bonus` points more.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ThresholdBonus {
    pub min_amount: Money,
    #[cfg_attr(feature = "openapi", schema(value_type = i64, minimum = 1, maximum = 1_000_000_000))]
    pub bonus: Points,
}

/// 会员日: days of the month (1–31) and/or days of the week (1 = Monday … 7 = Sunday), in the
/// merchant's time zone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct MemberDay {
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<DayOfMonth>))]
    pub days_of_month: Vec<u32>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<DayOfWeek>))]
    pub days_of_week: Vec<u32>,
    pub multiplier: Multiplier,
}

impl MemberDay {
    /// Whether `date` (a local date) is a member day.
    #[must_use]
    pub fn includes(&self, date: NaiveDate) -> bool {
        self.days_of_month.contains(&date.day())
            || self
                .days_of_week
                .contains(&date.weekday().number_from_monday())
    }
}

/// Whether a birthday bonus applies on the day itself or all through the month.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum BirthdayScope {
    #[default]
    Day,
    Month,
}

impl BirthdayScope {
    /// Whether `date` (a local date) falls on the birthday. A 29 February birthday is kept on
    /// 28 February in years without a 29th.
    #[must_use]
    pub fn includes(self, birthday: NaiveDate, date: NaiveDate) -> bool {
        match self {
            Self::Month => birthday.month() == date.month(),
            Self::Day => {
                let day = if birthday.month() == 2 && birthday.day() == 29 && !date.leap_year() {
                    28
                } else {
                    birthday.day()
                };
                birthday.month() == date.month() && day == date.day()
            }
        }
    }
}

/// 生日双倍积分.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct BirthdayBonus {
    #[serde(default)]
    pub scope: BirthdayScope,
    pub multiplier: Multiplier,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct StoreMultiplier {
    pub store_id: StoreId,
    pub multiplier: Multiplier,
}

/// A multiplier for a category or an item (sku), by its code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CodeMultiplier {
    #[cfg_attr(feature = "openapi", schema(pattern = "^[!-~]{1,64}$"))]
    pub code: String,
    pub multiplier: Multiplier,
}

/// Points for something a member does, at most `daily_cap` a local day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ActionRule {
    #[cfg_attr(feature = "openapi", schema(value_type = i64, minimum = 1, maximum = 1_000_000_000))]
    pub points: Points,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<i64>, minimum = 1, maximum = 1_000_000_000))]
    pub daily_cap: Option<Points>,
}

/// The actions that earn points; an absent one earns nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ActionRules {
    /// 注册送积分: once, when the member registers.
    #[serde(default)]
    pub registration: Option<ActionRule>,
    /// Sharing a page or product, once per shared thing.
    #[serde(default)]
    pub share: Option<ActionRule>,
    /// 晒单评价: a review after an order, once per order.
    #[serde(default)]
    pub review: Option<ActionRule>,
}

/// An action a member can earn points for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Registration,
    Share,
    Review,
}

impl Action {
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Registration => "registration",
            Self::Share => "share",
            Self::Review => "review",
        }
    }

    /// The ledger reason code of the points it earns.
    #[must_use]
    pub const fn reason_code(self) -> &'static str {
        match self {
            Self::Registration => "action_registration",
            Self::Share => "action_share",
            Self::Review => "action_review",
        }
    }

    #[must_use]
    pub const fn title(self) -> &'static str {
        match self {
            Self::Registration => "注册送积分",
            Self::Share => "分享得积分",
            Self::Review => "晒单评价得积分",
        }
    }
}

impl ActionRules {
    #[must_use]
    pub const fn rule(&self, action: Action) -> Option<ActionRule> {
        match action {
            Action::Registration => self.registration,
            Action::Share => self.share,
            Action::Review => self.review,
        }
    }
}

impl ActionRule {
    /// The points an action earns when the member already earned `earned_today` for it this
    /// local day: the rule's points, cut to what is left of the daily cap.
    #[must_use]
    pub fn points_after_cap(self, earned_today: Points) -> Points {
        match self.daily_cap {
            None => self.points,
            Some(cap) => Points::new(
                self.points
                    .value()
                    .min((cap.value() - earned_today.value()).max(0)),
            ),
        }
    }
}

/// What `points` points are worth in money: the rate of points as cash and of the points
/// liability (100 points = 1.00 by default).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PointValue {
    #[cfg_attr(feature = "openapi", schema(value_type = i64, minimum = 1, maximum = 1_000_000_000))]
    pub points: Points,
    #[cfg_attr(feature = "openapi", schema(value_type = PositiveMoney))]
    pub money: Money,
}

impl Default for PointValue {
    fn default() -> Self {
        Self {
            points: Points::new(100),
            money: Money::from_fen(100).unwrap_or(Money::ZERO),
        }
    }
}

impl PointValue {
    /// The value of `points`, rounded down to the fen.
    #[must_use]
    pub fn value_of(self, points: Points) -> Money {
        let fen = i128::from(points.value().max(0)) * i128::from(self.money.fen())
            / i128::from(self.points.value().max(1));
        Money::from_fen(i64::try_from(fen).unwrap_or(i64::MAX)).unwrap_or(Money::ZERO)
    }
}

/// A merchant's earning policy. Every saved change is a new version; ledger entries record
/// the version that produced them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct EarningPolicy {
    /// `points_per_unit` points for every `unit` of money (1 per 1.00, or 1 per 10.00).
    #[cfg_attr(feature = "openapi", schema(minimum = 0, maximum = 1_000_000))]
    pub points_per_unit: i64,
    #[cfg_attr(feature = "openapi", schema(value_type = PositiveMoney))]
    pub unit: Money,
    #[serde(default)]
    pub rounding: Rounding,
    #[serde(default)]
    pub basis: AmountBasis,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_items = 200))]
    pub thresholds: Vec<ThresholdBonus>,
    #[serde(default)]
    pub member_day: Option<MemberDay>,
    #[serde(default)]
    pub birthday: Option<BirthdayBonus>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_items = 200))]
    pub store_multipliers: Vec<StoreMultiplier>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_items = 200))]
    pub category_multipliers: Vec<CodeMultiplier>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_items = 200))]
    pub item_multipliers: Vec<CodeMultiplier>,
    #[serde(default)]
    pub stacking: Stacking,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<i64>, minimum = 1, maximum = 1_000_000_000))]
    pub cap_per_order: Option<Points>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<i64>, minimum = 1, maximum = 1_000_000_000))]
    pub cap_per_day: Option<Points>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Code>, max_items = 200))]
    pub excluded_items: Vec<String>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Code>, max_items = 200))]
    pub excluded_categories: Vec<String>,
    #[serde(default)]
    pub actions: ActionRules,
    #[serde(default)]
    pub point_value: PointValue,
}

impl Default for EarningPolicy {
    fn default() -> Self {
        Self::base(
            1,
            Money::from_fen(100).unwrap_or(Money::ZERO),
            Rounding::Floor,
        )
    }
}

const MAX_LIST: usize = 200;

fn code_ok(code: &str) -> bool {
    !code.is_empty() && code.len() <= 64 && code.chars().all(|c| c.is_ascii_graphic())
}

impl EarningPolicy {
    /// Only the base ratio: no bonus, multiplier, cap, exclusion or action.
    #[must_use]
    pub fn base(points_per_unit: i64, unit: Money, rounding: Rounding) -> Self {
        Self {
            points_per_unit,
            unit,
            rounding,
            basis: AmountBasis::default(),
            thresholds: Vec::new(),
            member_day: None,
            birthday: None,
            store_multipliers: Vec::new(),
            category_multipliers: Vec::new(),
            item_multipliers: Vec::new(),
            stacking: Stacking::default(),
            cap_per_order: None,
            cap_per_day: None,
            excluded_items: Vec::new(),
            excluded_categories: Vec::new(),
            actions: ActionRules::default(),
            point_value: PointValue::default(),
        }
    }

    /// Checks what the types alone cannot: ranges, and lists that make sense together.
    ///
    /// # Errors
    /// The first field that is out of range, with why.
    pub fn validate(&self) -> Result<(), InvalidValue> {
        if !(0..=1_000_000).contains(&self.points_per_unit) {
            return Err(InvalidValue::new(
                "points_per_unit",
                "must be between 0 and 1000000",
            ));
        }
        if self.unit == Money::ZERO {
            return Err(InvalidValue::new("unit", "must be more than 0.00"));
        }
        let positive = |field, p: Points| {
            if p.is_positive() && p.value() <= 1_000_000_000 {
                Ok(())
            } else {
                Err(InvalidValue::new(field, "must be between 1 and 1000000000"))
            }
        };
        if self.thresholds.len() > MAX_LIST {
            return Err(InvalidValue::new("thresholds", "has too many steps"));
        }
        for (i, step) in self.thresholds.iter().enumerate() {
            positive("thresholds.bonus", step.bonus)?;
            if i > 0 && step.min_amount <= self.thresholds[i - 1].min_amount {
                return Err(InvalidValue::new(
                    "thresholds",
                    "steps must be in increasing order of min_amount",
                ));
            }
        }
        if let Some(day) = &self.member_day {
            if day.days_of_month.is_empty() && day.days_of_week.is_empty() {
                return Err(InvalidValue::new(
                    "member_day",
                    "needs days_of_month or days_of_week",
                ));
            }
            if day.days_of_month.iter().any(|d| !(1..=31).contains(d)) {
                return Err(InvalidValue::new(
                    "member_day.days_of_month",
                    "days are 1 to 31",
                ));
            }
            if day.days_of_week.iter().any(|d| !(1..=7).contains(d)) {
                return Err(InvalidValue::new(
                    "member_day.days_of_week",
                    "days are 1 (Monday) to 7 (Sunday)",
                ));
            }
        }
        let lists = [
            ("category_multipliers", self.category_multipliers.as_slice()),
            ("item_multipliers", self.item_multipliers.as_slice()),
        ];
        for (field, list) in lists {
            if list.len() > MAX_LIST || list.iter().any(|m| !code_ok(&m.code)) {
                return Err(InvalidValue::new(
                    field,
                    "codes are 1 to 64 visible ASCII characters, at most 200 of them",
                ));
            }
        }
        for (field, list) in [
            ("excluded_items", &self.excluded_items),
            ("excluded_categories", &self.excluded_categories),
        ] {
            if list.len() > MAX_LIST || list.iter().any(|c| !code_ok(c)) {
                return Err(InvalidValue::new(
                    field,
                    "codes are 1 to 64 visible ASCII characters, at most 200 of them",
                ));
            }
        }
        if self.store_multipliers.len() > MAX_LIST {
            return Err(InvalidValue::new(
                "store_multipliers",
                "has too many stores",
            ));
        }
        if let Some(cap) = self.cap_per_order {
            positive("cap_per_order", cap)?;
        }
        if let Some(cap) = self.cap_per_day {
            positive("cap_per_day", cap)?;
        }
        // Anything can be shared, so sharing is worth points only up to a daily cap.
        if self
            .actions
            .share
            .is_some_and(|rule| rule.daily_cap.is_none())
        {
            return Err(InvalidValue::new(
                "actions.share.daily_cap",
                "is required: anything can be shared",
            ));
        }
        for action in [Action::Registration, Action::Share, Action::Review] {
            if let Some(rule) = self.actions.rule(action) {
                positive("actions.points", rule.points)?;
                if let Some(cap) = rule.daily_cap {
                    positive("actions.daily_cap", cap)?;
                }
            }
        }
        positive("point_value.points", self.point_value.points)?;
        if self.point_value.money == Money::ZERO {
            return Err(InvalidValue::new(
                "point_value.money",
                "must be more than 0.00",
            ));
        }
        Ok(())
    }
}
