use super::InvalidValue;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// An amount of money in yuan with exactly two decimal places (fen), never negative.
///
/// It parses from and serialises to a decimal string (`"12.50"`): up to ten digits without
/// a leading zero, then up to two decimal places (zeros beyond them are taken); anything
/// else (a sign, an exponent, a blank, a third decimal place) is refused rather than
/// rounded. Storage uses whole fen ([`Money::fen`]) because SQLite keeps decimals as floats.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
#[cfg_attr(
    feature = "openapi",
    derive(utoipa::ToSchema),
    schema(value_type = String, example = "12.50", pattern = r"^(0|[1-9][0-9]{0,9})(\.[0-9]{1,2}0*)?$")
)]
pub struct Money(Decimal);

impl Money {
    pub const ZERO: Self = Self(Decimal::ZERO);

    /// # Errors
    /// Refuses a negative amount or one with more than two decimal places.
    pub fn new(amount: Decimal) -> Result<Self, InvalidValue> {
        if amount.is_sign_negative() && !amount.is_zero() {
            return Err(InvalidValue::new("amount", "must not be negative"));
        }
        if amount.normalize().scale() > 2 {
            return Err(InvalidValue::new(
                "amount",
                "has more than two decimal places",
            ));
        }
        let mut value = amount;
        value.rescale(2);
        Ok(Self(value))
    }

    /// # Errors
    /// Refuses a negative number of fen.
    pub fn from_fen(fen: i64) -> Result<Self, InvalidValue> {
        if fen < 0 {
            return Err(InvalidValue::new("amount", "must not be negative"));
        }
        Ok(Self(Decimal::new(fen, 2)))
    }

    /// The amount in fen (1/100 yuan).
    ///
    /// # Panics
    /// Never for amounts built by this type: they have two places and fit in `i64` fen.
    #[must_use]
    pub fn fen(self) -> i64 {
        let mut fen = self.0;
        fen.rescale(2);
        i64::try_from(fen.mantissa()).unwrap_or(i64::MAX)
    }

    #[must_use]
    pub const fn amount(self) -> Decimal {
        self.0
    }
}

impl FromStr for Money {
    type Err = InvalidValue;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let not_money = || InvalidValue::new("amount", "is not a decimal amount such as \"12.50\"");
        let (whole, fraction) = s.split_once('.').map_or((s, None), |(w, f)| (w, Some(f)));
        let digits = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
        if !digits(whole) || fraction.is_some_and(|f| !digits(f)) {
            return Err(not_money());
        }
        if whole.len() > 1 && whole.starts_with('0') {
            return Err(not_money());
        }
        if whole.len() > 10 {
            return Err(InvalidValue::new("amount", "is too large"));
        }
        let places = fraction.map_or("", |f| f.trim_end_matches('0'));
        if places.len() > 2 {
            return Err(InvalidValue::new(
                "amount",
                "has more than two decimal places",
            ));
        }
        let exact = if places.is_empty() {
            whole.to_owned()
        } else {
            format!("{whole}.{places}")
        };
        Self::new(Decimal::from_str_exact(&exact).map_err(|_| not_money())?)
    }
}

impl TryFrom<String> for Money {
    type Error = InvalidValue;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        value.parse()
    }
}

impl From<Money> for String {
    fn from(value: Money) -> Self {
        value.to_string()
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:.2}", self.0)
    }
}

impl fmt::Debug for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "¥{:.2}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_two_decimal_places_and_prints_them_back() {
        let m: Money = "12.5".parse().expect("valid");
        assert_eq!(m.to_string(), "12.50");
        assert_eq!(m.fen(), 1250);
        assert_eq!(Money::from_fen(7).expect("valid").to_string(), "0.07");
    }

    #[test]
    fn refuses_negative_amounts_extra_places_and_garbage() {
        assert!("-1.00".parse::<Money>().is_err());
        assert!("1.001".parse::<Money>().is_err());
        assert!("1e3".parse::<Money>().is_err());
        assert!("abc".parse::<Money>().is_err());
        assert!(" 1.00".parse::<Money>().is_err(), "no blank before");
        assert!("1.00 ".parse::<Money>().is_err(), "no blank after");
        assert!("1.00\n".parse::<Money>().is_err());
        assert!("99999999999".parse::<Money>().is_err());
        assert_eq!(
            "9999999999.99".parse::<Money>().expect("ten digits").fen(),
            999_999_999_999
        );
        for text in ["+1", "01.00", "1.", ".5", "1_0", "1,00", "١"] {
            assert!(text.parse::<Money>().is_err(), "{text}");
        }
        assert!(Money::from_fen(-1).is_err());
    }

    #[test]
    fn trailing_zeros_beyond_two_places_are_accepted() {
        assert_eq!("3.1000".parse::<Money>().expect("valid").fen(), 310);
        let long = format!("3.1{}", "0".repeat(40));
        assert_eq!(long.parse::<Money>().expect("valid").fen(), 310);
    }

    #[test]
    fn deserialises_through_its_checks() {
        assert!(serde_json_like("\"-3.00\"").is_err());
    }

    fn serde_json_like(s: &str) -> Result<Money, InvalidValue> {
        Money::try_from(s.trim_matches('"').to_owned())
    }
}
