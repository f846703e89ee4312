//! The member code a member shows at the till (as text or QR): the member's invite code
//! followed by a tag, `HMAC-SHA256(key, merchant ‖ member ‖ step)` cut to 40 bits, where the
//! step is the 30-second window it was made in. 16 characters of an alphabet without 0/O and
//! 1/I. A till accepts the current and the previous step; each step resolves once.

use crate::members::Member;
use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use sha2::Sha256;

const ALPHABET: &[u8; 32] = b"23456789ABCDEFGHJKLMNPQRSTUVWXYZ";
pub const STEP_SECONDS: i64 = 30;
const HANDLE_LEN: usize = 8;
const TAG_LEN: usize = 8;

type HmacSha256 = Hmac<Sha256>;

/// Makes and checks member codes with a key derived from the server secret.
#[derive(Clone)]
pub struct MemberCodes {
    key: Vec<u8>,
}

/// A code as shown to the member.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuedCode {
    pub code: String,
    pub expires_at: DateTime<Utc>,
}

fn step_of(now: DateTime<Utc>) -> i64 {
    now.timestamp().div_euclid(STEP_SECONDS)
}

/// 40 bits as 8 characters.
fn encode(bytes: [u8; 5]) -> String {
    let bits = bytes
        .iter()
        .fold(0_u64, |acc, b| (acc << 8) | u64::from(*b));
    (0..TAG_LEN)
        .rev()
        .map(|i| char::from(ALPHABET[((bits >> (i * 5)) & 31) as usize]))
        .collect()
}

fn decode(text: &str) -> Option<[u8; 5]> {
    let mut bits = 0_u64;
    for c in text.bytes() {
        bits = (bits << 5) | ALPHABET.iter().position(|a| *a == c)? as u64;
    }
    let b = bits.to_be_bytes();
    Some([b[3], b[4], b[5], b[6], b[7]])
}

impl MemberCodes {
    #[must_use]
    pub fn new(server_secret: &[u8]) -> Self {
        let mut derive = HmacSha256::new_from_slice(server_secret)
            .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
        derive.update(b"loyalty member code v1");
        Self {
            key: derive.finalize().into_bytes().to_vec(),
        }
    }

    fn mac(&self, member: &Member, step: i64) -> HmacSha256 {
        let mut mac = HmacSha256::new_from_slice(&self.key)
            .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
        mac.update(member.merchant_id.as_uuid().as_bytes());
        mac.update(member.id.as_uuid().as_bytes());
        mac.update(&step.to_be_bytes());
        mac
    }

    #[must_use]
    pub fn issue(&self, member: &Member, now: DateTime<Utc>) -> IssuedCode {
        let step = step_of(now);
        let digest = self.mac(member, step).finalize().into_bytes();
        let tag = encode([digest[0], digest[1], digest[2], digest[3], digest[4]]);
        let expires_at = DateTime::from_timestamp((step + 1) * STEP_SECONDS, 0).unwrap_or(now);
        IssuedCode {
            code: format!("{}{tag}", member.invite_code),
            expires_at,
        }
    }

    /// The member handle (invite code) a well-formed code carries.
    #[must_use]
    pub fn handle(code: &str) -> Option<&str> {
        let code = code.trim();
        let well_formed =
            code.len() == HANDLE_LEN + TAG_LEN && code.bytes().all(|c| ALPHABET.contains(&c));
        well_formed.then(|| &code[..HANDLE_LEN])
    }

    /// The step the code was made in, if it is `member`'s code of the current or the
    /// previous step (compared in constant time).
    #[must_use]
    pub fn verify(&self, code: &str, member: &Member, now: DateTime<Utc>) -> Option<i64> {
        let code = code.trim();
        let tag = decode(code.get(HANDLE_LEN..)?)?;
        let current = step_of(now);
        [current, current - 1]
            .into_iter()
            .find(|step| self.mac(member, *step).verify_truncated_left(&tag).is_ok())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernel::{MemberId, MerchantId};
    use chrono::{Duration, TimeZone};

    fn member() -> Member {
        Member {
            invite_code: "ABCD2345".into(),
            ..Member::new(MemberId::new(), MerchantId::new(), Utc::now())
        }
    }

    #[test]
    fn a_code_is_valid_in_its_step_and_the_next_and_not_after() {
        let codes = MemberCodes::new(b"a server secret of some length!!");
        let m = member();
        let made = Utc
            .with_ymd_and_hms(2026, 11, 23, 8, 0, 10)
            .single()
            .expect("time");
        let issued = codes.issue(&m, made);
        assert_eq!(issued.code.len(), 16);
        assert_eq!(MemberCodes::handle(&issued.code), Some("ABCD2345"));
        assert_eq!(
            issued.expires_at,
            Utc.with_ymd_and_hms(2026, 11, 23, 8, 0, 30)
                .single()
                .expect("time")
        );
        let step = made.timestamp() / 30;
        assert_eq!(codes.verify(&issued.code, &m, made), Some(step));
        assert_eq!(
            codes.verify(&issued.code, &m, made + Duration::seconds(35)),
            Some(step)
        );
        assert_eq!(
            codes.verify(&issued.code, &m, made + Duration::seconds(65)),
            None
        );
    }

    #[test]
    fn forged_codes_and_other_members_codes_are_refused() {
        let codes = MemberCodes::new(b"a server secret of some length!!");
        let (a, b) = (member(), member());
        let now = Utc::now();
        let code = codes.issue(&a, now).code;
        assert_eq!(
            codes.verify(&code, &b, now),
            None,
            "another member (or merchant) does not match"
        );
        let mut forged = code.clone().into_bytes();
        forged[15] = if forged[15] == b'2' { b'3' } else { b'2' };
        assert_eq!(
            codes.verify(&String::from_utf8(forged).expect("ascii"), &a, now),
            None
        );
        let other_server = MemberCodes::new(b"another secret entirely, really!");
        assert_eq!(other_server.verify(&code, &a, now), None);
        assert_eq!(MemberCodes::handle("abcd2345efgh6789"), None);
        assert_eq!(MemberCodes::handle("ABCD2345"), None);
    }
}
