//! Phone numbers: the two accepted spellings, the forms each provider wants, and masking.

/// The mainland country code.
const CHINA: &str = "86";

/// A recipient number that passed validation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Phone {
    /// A mainland mobile number: 11 digits starting with `1`.
    Mainland(String),
    /// Any other E.164 number: the digits after `+`, country code first.
    International(String),
}

impl Phone {
    /// Accepts `13800138000`, `+8613800138000` and other E.164 numbers (`+` then 7 to 15
    /// digits, no leading zero). A `+86` number must be a valid mainland mobile number.
    pub(crate) fn parse(raw: &str) -> Option<Self> {
        if is_mainland(raw) {
            return Some(Self::Mainland(raw.to_owned()));
        }
        let digits = raw.strip_prefix('+')?;
        let valid = (7..=15).contains(&digits.len())
            && digits.bytes().all(|b| b.is_ascii_digit())
            && !digits.starts_with('0');
        if !valid {
            return None;
        }
        match digits.strip_prefix(CHINA) {
            Some(national) if is_mainland(national) => Some(Self::Mainland(national.to_owned())),
            Some(_) => None,
            None => Some(Self::International(digits.to_owned())),
        }
    }

    /// E.164 with the `+`: `+8613800138000`.
    pub(crate) fn e164(&self) -> String {
        match self {
            Self::Mainland(national) => format!("+{CHINA}{national}"),
            Self::International(digits) => format!("+{digits}"),
        }
    }

    /// Aliyun's spelling: the 11 digits for the mainland, country code and number without `+`
    /// otherwise (`85261234567`).
    pub(crate) fn aliyun(&self) -> &str {
        match self {
            Self::Mainland(national) => national,
            Self::International(digits) => digits,
        }
    }
}

fn is_mainland(s: &str) -> bool {
    s.len() == 11 && s.starts_with('1') && s.bytes().all(|b| b.is_ascii_digit())
}

/// `phone` with all but its first 3 and last 4 digits replaced by `*`, for logs:
/// `13800138000` → `138****8000`, `+8613800138000` → `+86138****8000`,
/// `+85261234567` → `+852****4567`.
///
/// Numbers of 7 digits or fewer, and anything else that is not a phone number, keep no digit
/// at all.
#[must_use]
pub fn mask_phone(phone: &str) -> String {
    match Phone::parse(phone) {
        Some(Phone::Mainland(national)) if phone.starts_with('+') => {
            format!("+{CHINA}{}", mask_digits(&national))
        }
        Some(Phone::Mainland(national)) => mask_digits(&national),
        Some(Phone::International(digits)) => format!("+{}", mask_digits(&digits)),
        None => "*".repeat(phone.chars().count().min(16)),
    }
}

/// First 3 and last 4 kept when at least one digit remains hidden between them.
fn mask_digits(digits: &str) -> String {
    let len = digits.len();
    if len <= 7 {
        return "*".repeat(len);
    }
    format!(
        "{}{}{}",
        &digits[..3],
        "*".repeat(len - 7),
        &digits[len - 4..]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eleven_digit_and_plus_86_numbers_are_mainland() {
        for raw in ["13800138000", "+8613800138000"] {
            let phone = Phone::parse(raw).expect(raw);

            assert_eq!(phone, Phone::Mainland("13800138000".to_owned()), "{raw}");
            assert_eq!(phone.e164(), "+8613800138000");
            assert_eq!(phone.aliyun(), "13800138000");
        }
    }

    #[test]
    fn other_e164_numbers_are_international() {
        let phone = Phone::parse("+85261234567").expect("Hong Kong");

        assert_eq!(phone.e164(), "+85261234567");
        assert_eq!(phone.aliyun(), "85261234567");
    }

    #[test]
    fn malformed_numbers_are_refused() {
        for raw in [
            "",
            "1380013800",
            "138001380001",
            "23800138000",
            "138 0013 8000",
            "8613800138000",
            "+86138001380",
            "+8623800138000",
            "+0123456789",
            "+123456",
            "+1234567890123456",
            "+86-13800138000",
        ] {
            assert_eq!(Phone::parse(raw), None, "{raw:?}");
        }
    }

    #[test]
    fn masking_keeps_the_first_three_and_last_four_digits() {
        assert_eq!(mask_phone("13800138000"), "138****8000");
        assert_eq!(mask_phone("+8613800138000"), "+86138****8000");
        assert_eq!(mask_phone("+85261234567"), "+852****4567");
        assert_eq!(mask_phone("+14155550100"), "+141****0100");
    }

    #[test]
    fn short_or_invalid_numbers_keep_no_digit() {
        assert_eq!(mask_phone("+2901234"), "+*******");
        assert_eq!(mask_phone("138-0013-8000"), "*************");
        assert_eq!(mask_phone(""), "");
    }
}
