use crate::kernel::InvalidValue;
use serde::{Deserialize, Serialize};
use std::fmt;
use uuid::Uuid;

/// A coupon's code: 12 digits, what the member shows (as text, a barcode or a QR code) and
/// the cashier scans or types. Spaces and dashes are accepted on input and dropped.
///
/// Codes are drawn from the 122 random bits of a fresh UUID v4 (the operating system's
/// generator; 10¹² possible codes, none guessable from another); the database's unique key
/// per merchant catches the rare collision and a new code is drawn.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CouponCode(String);

const DIGITS: usize = 12;

impl CouponCode {
    /// A new random code.
    #[must_use]
    pub fn generate() -> Self {
        let random = Uuid::new_v4().as_u128();
        Self(format!("{:012}", random % 1_000_000_000_000))
    }

    /// # Errors
    /// Refuses anything that is not 12 digits.
    pub fn parse(input: &str) -> Result<Self, InvalidValue> {
        let digits: String = input.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
        if digits.len() == DIGITS && digits.bytes().all(|b| b.is_ascii_digit()) {
            Ok(Self(digits))
        } else {
            Err(InvalidValue::new("code", "is not a 12-digit coupon code"))
        }
    }

    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for CouponCode {
    type Error = InvalidValue;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<CouponCode> for String {
    fn from(value: CouponCode) -> Self {
        value.0
    }
}

impl fmt::Display for CouponCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for CouponCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CouponCode({})", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_codes_are_twelve_digits_and_parse_back() {
        for _ in 0..100 {
            let code = CouponCode::generate();
            assert_eq!(code.as_str().len(), 12);
            assert_eq!(CouponCode::parse(code.as_str()), Ok(code));
        }
    }

    #[test]
    fn spaces_and_dashes_are_dropped_and_anything_else_refused() {
        assert_eq!(
            CouponCode::parse("1234-5678 9012").map(|c| c.to_string()),
            Ok("123456789012".to_owned())
        );
        assert!(CouponCode::parse("12345678901").is_err());
        assert!(CouponCode::parse("12345678901a").is_err());
        assert!(CouponCode::parse("1234567890123").is_err());
    }
}
