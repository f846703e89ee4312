//! Rates and factors as requests write them: a plain decimal string (`"0.95"`, `"1.5"`), no
//! sign, no exponent, no leading zero, no blank, no digit separator. What `rust_decimal`
//! would also take (`"+.5"`, `"1_0"`) is refused, so the OpenAPI patterns say exactly what
//! is accepted. Use with `#[serde(deserialize_with = "…::deserialize")]`.

use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer, de};

/// The decimal `text` stands for, when it is written plainly: at most ten whole digits, and
/// at most 18 decimal places once trailing zeros are dropped.
#[must_use]
pub fn parse(text: &str) -> Option<Decimal> {
    let (whole, fraction) = text
        .split_once('.')
        .map_or((text, None), |(w, f)| (w, Some(f)));
    let digits = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
    let plain = digits(whole)
        && whole.len() <= 10
        && !(whole.len() > 1 && whole.starts_with('0'))
        && fraction.is_none_or(digits);
    if !plain {
        return None;
    }
    let places = fraction.map_or("", |f| f.trim_end_matches('0'));
    if places.len() > 18 {
        return None;
    }
    let exact = if places.is_empty() {
        whole.to_owned()
    } else {
        format!("{whole}.{places}")
    };
    Decimal::from_str_exact(&exact).ok()
}

/// Reads a decimal written plainly from a string.
///
/// # Errors
/// Anything but a plain decimal string.
pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Decimal, D::Error> {
    let text = String::deserialize(deserializer)?;
    parse(&text).ok_or_else(|| de::Error::custom("is not a decimal such as \"0.95\""))
}

/// The number of decimal places `value` has once trailing zeros are dropped.
#[must_use]
pub fn places(value: Decimal) -> u32 {
    value.normalize().scale()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn takes_plain_decimals_only() {
        assert_eq!(parse("0.95"), Some(Decimal::new(95, 2)));
        assert_eq!(parse("1"), Some(Decimal::ONE));
        assert_eq!(parse("0.9500"), Some(Decimal::new(95, 2)));
        let long = format!("1.5{}", "0".repeat(40));
        assert_eq!(
            parse(&long),
            Some(Decimal::new(15, 1)),
            "zeros past any precision"
        );
        for text in [
            "", ".5", "1.", "+1", "-1", "01", "1_0", "1e2", " 1", "1 ", "0x1",
        ] {
            assert_eq!(parse(text), None, "{text}");
        }
    }
}
