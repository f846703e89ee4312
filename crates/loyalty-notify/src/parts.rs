//! How many SMS a text is billed as.

/// Characters that fit in a single SMS.
const SINGLE_PART: usize = 70;
/// Characters per part once a text is split (the rest of each part carries the join header).
const MULTI_PART: usize = 67;

/// The number of SMS `text` is billed as by mainland carriers (and so by Aliyun and Tencent).
///
/// `text` is the whole message as delivered, signature included (`【Tea House】Your code is …`).
/// Characters are counted, not bytes: Chinese, Latin letters, digits, punctuation and spaces all
/// count one. Up to 70 characters is one part; a longer text is split into parts of 67, so 71
/// to 134 characters are two parts, 135 to 201 three. An empty text is 0 parts: there is
/// nothing to send.
///
/// Counts Unicode scalar values; a character outside the Basic Multilingual Plane (most emoji)
/// may be counted as two by a carrier, so such texts can cost one part more than this says.
#[must_use]
pub fn billable_parts(text: &str) -> u32 {
    let chars = text.chars().count();
    let parts = match chars {
        0 => 0,
        1..=SINGLE_PART => 1,
        _ => chars.div_ceil(MULTI_PART),
    };
    u32::try_from(parts).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chinese(chars: usize) -> String {
        "积".repeat(chars)
    }

    #[test]
    fn an_empty_text_is_no_part() {
        assert_eq!(billable_parts(""), 0);
    }

    #[test]
    fn seventy_characters_are_one_part() {
        assert_eq!(billable_parts(&chinese(1)), 1);
        assert_eq!(billable_parts(&chinese(70)), 1);
    }

    #[test]
    fn seventy_one_characters_are_two_parts() {
        assert_eq!(billable_parts(&chinese(71)), 2);
    }

    #[test]
    fn two_parts_hold_134_characters() {
        assert_eq!(billable_parts(&chinese(134)), 2);
        assert_eq!(billable_parts(&chinese(135)), 3);
        assert_eq!(billable_parts(&chinese(201)), 3);
        assert_eq!(billable_parts(&chinese(202)), 4);
    }

    #[test]
    fn characters_are_counted_not_bytes() {
        // 70 three-byte characters (210 bytes) are still one part.
        assert_eq!(chinese(70).len(), 210);
        assert_eq!(billable_parts(&chinese(70)), 1);
        assert_eq!(billable_parts(&"a".repeat(70)), 1);
        assert_eq!(billable_parts(&"a".repeat(71)), 2);
    }

    #[test]
    fn the_signature_counts() {
        let body = chinese(65);
        let signed = format!("【茶舍】{body}");

        assert_eq!(billable_parts(&body), 1);
        assert_eq!(signed.chars().count(), 69);
        assert_eq!(billable_parts(&signed), 1);
        assert_eq!(billable_parts(&format!("【茶舍会员】{body}")), 2);
    }
}
