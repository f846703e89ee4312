//! Sign-in by SMS one-time code: 6 digits, valid 5 minutes, used once, at most 5 wrong tries;
//! per phone at most 1 code a minute, 5 an hour and 10 a day (counted in the database, so
//! several server processes share the limits). The code goes out through the notifier.

use super::MembersService;
use crate::events::DomainEvent;
use crate::events::Notifier;
use crate::kernel::Transaction;
use crate::kernel::{Clock, StoreError, TxMode, UnitOfWork};
use crate::kernel::{MemberId, Phone};
use crate::members::LoginCodesTx;
use crate::members::Member;
use crate::members::MembersTx;
use crate::members::WeChatLogin;
use crate::members::{IdentityError, LoginCode};
use crate::merchants::StoresTx;
use crate::notifications::enqueue;
use crate::points::EarnTx;
use crate::points::welcome_bonus;
use crate::{Error, Result};
use chrono::{DateTime, Duration, Utc};
use uuid::Uuid;

pub const CODE_LIFE_MINUTES: i64 = 5;
pub const MAX_WRONG_TRIES: i32 = 5;

/// (window, codes allowed in it) per phone.
fn limits() -> [(Duration, usize); 3] {
    [
        (Duration::minutes(1), 1),
        (Duration::hours(1), 5),
        (Duration::days(1), 10),
    ]
}

/// Six digits from the random bits of a UUID v7.
fn six_digits() -> String {
    let random = Uuid::now_v7().as_u128() & ((1_u128 << 62) - 1);
    format!("{:06}", random % 1_000_000)
}

/// How long until `sent` (oldest first) allows another code at `now`; `None` when it does.
#[must_use]
pub fn wait_for_next_code(sent: &[DateTime<Utc>], now: DateTime<Utc>) -> Option<Duration> {
    limits()
        .into_iter()
        .filter_map(|(window, max)| {
            let recent: Vec<_> = sent.iter().filter(|t| **t > now - window).collect();
            (recent.len() >= max).then(|| *recent[recent.len() - max] + window - now)
        })
        .max()
}

fn rate_limited(wait: Duration) -> Error {
    Error::RateLimited {
        retry_after_secs: u64::try_from(wait.num_seconds().max(1)).unwrap_or(1),
    }
}

impl<U, C, N> MembersService<'_, U, C, N>
where
    U: UnitOfWork<Tx: EarnTx + LoginCodesTx + StoresTx>,
    C: Clock,
    N: Notifier,
{
    /// Makes a code for `phone` and sends it; returns when it expires.
    ///
    /// # Errors
    /// `merchant_not_found`; `too_many_requests` (with the wait) past a limit;
    /// `provider_unavailable` when the code could not be sent.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn request_login_code(
        self,
        merchant_code: &str,
        phone: &Phone,
    ) -> Result<DateTime<Utc>> {
        let merchant = {
            let mut lookup = self.uow.begin(TxMode::Lookup).await?;
            crate::merchants::merchant_by_code(&mut lookup, merchant_code).await?
        };
        let now = self.clock.now();
        let code = LoginCode {
            id: Uuid::now_v7(),
            merchant_id: merchant.id,
            phone: phone.clone(),
            code: six_digits(),
            attempts: 0,
            consumed: false,
            created_at: now,
            expires_at: now + Duration::minutes(CODE_LIFE_MINUTES),
        };
        let mut tx = self.uow.begin(TxMode::Write).await?;
        let sent = tx
            .login_codes()
            .login_codes_since(merchant.id, phone, now - Duration::days(1))
            .await?;
        if let Some(wait) = wait_for_next_code(&sent, now) {
            return Err(rate_limited(wait));
        }
        match tx.login_codes().insert_login_code(&code).await {
            // A concurrent request got this minute's code.
            Err(StoreError::Unique(crate::members::LOGIN_CODE_MINUTE_KEY)) => {
                return Err(rate_limited(Duration::seconds(
                    60 - now.timestamp().rem_euclid(60),
                )));
            }
            other => other?,
        }
        let event = DomainEvent::LoginCodeRequested {
            merchant_id: merchant.id,
            phone: phone.clone(),
            code: code.code,
        };
        enqueue(&mut tx, merchant.id, std::slice::from_ref(&event), now).await?;
        tx.commit().await?;
        self.notifier.notify(&event).await.map_err(|e| {
            crate::members::MembersError::Identity(IdentityError::Unavailable(e.to_string()))
        })?;
        Ok(code.expires_at)
    }

    /// Signs in with the latest code sent to `phone`; registers the member (at the default
    /// store) on first sign-in.
    ///
    /// # Errors
    /// `merchant_not_found`; `invalid_code` for a wrong, used, expired or exhausted code.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn login_with_sms(
        self,
        merchant_code: &str,
        phone: &Phone,
        code: &str,
    ) -> Result<WeChatLogin> {
        let merchant = {
            let mut lookup = self.uow.begin(TxMode::Lookup).await?;
            crate::merchants::merchant_by_code(&mut lookup, merchant_code).await?
        };
        let now = self.clock.now();
        let invalid = || Error::from(IdentityError::InvalidCode);
        let mut tx = self.uow.begin(TxMode::Write).await?;
        let Some(latest) = tx
            .login_codes()
            .latest_login_code(merchant.id, phone)
            .await?
        else {
            return Err(invalid());
        };
        if latest.code.as_bytes() != code.trim().as_bytes() {
            // The wrong try counts even though the answer is an error.
            tx.login_codes()
                .count_wrong_try(merchant.id, latest.id, MAX_WRONG_TRIES)
                .await?;
            tx.commit().await?;
            return Err(invalid());
        }
        if !tx
            .login_codes()
            .consume_login_code(merchant.id, latest.id, MAX_WRONG_TRIES, now)
            .await?
        {
            return Err(invalid());
        }
        if let Some(member) = tx.members().member_by_phone(merchant.id, phone).await? {
            tx.commit().await?;
            return Ok(WeChatLogin {
                member,
                registered: false,
            });
        }
        let store = crate::merchants::resolve_store(&mut tx, merchant.id, None).await?;
        let id = MemberId::new();
        let mut member = Member {
            phone: Some(phone.clone()),
            registered_store_id: Some(store.id),
            ..Member::new(id, merchant.id, now)
        };
        tx.members().insert_member(&member).await?;
        let bonus = welcome_bonus(&mut tx, &mut member, now).await?;
        tx.commit().await?;
        self.publish(&[DomainEvent::MemberRegistered {
            merchant_id: merchant.id,
            member_id: id,
        }])
        .await;
        self.publish(&bonus).await;
        Ok(WeChatLogin {
            member,
            registered: true,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(minutes: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 23, 0, 0, 0)
            .single()
            .expect("time")
            + Duration::minutes(minutes)
    }

    #[test]
    fn limits_are_one_a_minute_five_an_hour_ten_a_day() {
        assert_eq!(wait_for_next_code(&[], at(0)), None);
        assert_eq!(
            wait_for_next_code(&[at(0)], at(0) + Duration::seconds(20)),
            Some(Duration::seconds(40))
        );
        assert_eq!(wait_for_next_code(&[at(0)], at(1)), None);
        let hour: Vec<_> = (0..5).map(|i| at(i * 10)).collect();
        assert_eq!(
            wait_for_next_code(&hour, at(45)),
            Some(Duration::minutes(15))
        );
        let day: Vec<_> = (0..10).map(|i| at(i * 90)).collect();
        assert_eq!(
            wait_for_next_code(&day, at(900)),
            Some(Duration::minutes(24 * 60 - 900))
        );
    }

    #[test]
    fn codes_are_six_digits() {
        let code = six_digits();
        assert!(
            code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit()),
            "{code}"
        );
    }
}
