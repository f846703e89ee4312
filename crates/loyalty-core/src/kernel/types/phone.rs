use super::InvalidValue;
use serde::{Deserialize, Serialize};
use std::fmt;

/// A mainland China mobile number: 11 digits starting with 1 and a second digit 3–9.
///
/// `+86`, `86`, spaces and dashes are accepted on input and dropped. `Debug` and `Display`
/// print the masked form (`138****1234`) so a number never reaches a log by accident;
/// [`Phone::as_str`] gives the full number where it must be shown.
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
#[cfg_attr(
    feature = "openapi",
    derive(utoipa::ToSchema),
    schema(
        example = "13800138000",
        pattern = r"^[ -]*(\+[ -]*8[ -]*6[ -]*|8[ -]*6[ -]*)?1[ -]*[3-9]([ -]*[0-9]){9}[ -]*$"
    )
)]
pub struct Phone(String);

impl Phone {
    /// # Errors
    /// Refuses anything that is not a mainland mobile number.
    pub fn parse(input: &str) -> Result<Self, InvalidValue> {
        let digits: String = input.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
        let digits = digits
            .strip_prefix("+86")
            .or_else(|| {
                if digits.len() == 13 {
                    digits.strip_prefix("86")
                } else {
                    None
                }
            })
            .unwrap_or(&digits);
        let bytes = digits.as_bytes();
        let valid = bytes.len() == 11
            && bytes.iter().all(u8::is_ascii_digit)
            && bytes[0] == b'1'
            && (b'3'..=b'9').contains(&bytes[1]);
        if valid {
            Ok(Self(digits.to_owned()))
        } else {
            Err(InvalidValue::new(
                "phone",
                "is not a mainland China mobile number",
            ))
        }
    }

    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `138****1234`: the form for logs and for people who need not see the number.
    #[must_use]
    pub fn masked(&self) -> String {
        format!("{}****{}", &self.0[..3], &self.0[7..])
    }
}

impl TryFrom<String> for Phone {
    type Error = InvalidValue;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<Phone> for String {
    fn from(value: Phone) -> Self {
        value.0
    }
}

impl fmt::Debug for Phone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Phone({})", self.masked())
    }
}

impl fmt::Display for Phone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.masked())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_mainland_mobiles_with_or_without_country_code() {
        for input in [
            "13812341234",
            "+86 138-1234-1234",
            "8613812341234",
            "19912345678",
        ] {
            assert_eq!(
                Phone::parse(input)
                    .map(|p| p.as_str().to_owned())
                    .ok()
                    .as_deref()
                    .map(str::len),
                Some(11),
                "{input}"
            );
        }
        assert_eq!(
            Phone::parse("+8613812341234").expect("valid").as_str(),
            "13812341234"
        );
    }

    #[test]
    fn refuses_landlines_short_numbers_and_letters() {
        for input in [
            "02112345678",
            "1381234123",
            "138123412345",
            "12812341234",
            "1381234123a",
            "",
        ] {
            assert!(Phone::parse(input).is_err(), "{input}");
        }
    }

    #[test]
    fn debug_and_display_never_show_the_full_number() {
        let phone = Phone::parse("13812341234").expect("valid");
        assert_eq!(phone.to_string(), "138****1234");
        assert_eq!(format!("{phone:?}"), "Phone(138****1234)");
    }
}
