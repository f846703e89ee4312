use super::MembersService;
use crate::events::DomainEvent;
use crate::events::Notifier;
use crate::kernel::Transaction;
use crate::kernel::{Clock, StoreError, TxMode, UnitOfWork};
use crate::kernel::{InvalidValue, MemberId, MerchantId, Phone, StoreId};
use crate::members::MembersTx;
use crate::members::{Member, ProfileChange};
use crate::merchants::StoresTx;
use crate::points::EarnTx;
use crate::points::welcome_bonus;
use crate::{Error, Result};
use chrono::NaiveDate;

/// Registration at the till (or, later, from the mini-program) by phone.
#[derive(Debug, Clone)]
pub struct RegisterMember {
    pub merchant_id: MerchantId,
    pub phone: Phone,
    pub name: Option<String>,
    pub birthday: Option<NaiveDate>,
    /// Where the member registered; the default store when `None`.
    pub store_id: Option<StoreId>,
}

const INVITE_ALPHABET: &[u8; 32] = b"23456789ABCDEFGHJKLMNPQRSTUVWXYZ";

/// An 8-character invite code from the random bits of a member id (no 0/O, 1/I).
#[must_use]
pub fn invite_code_for(id: MemberId) -> String {
    let bits = id.as_uuid().as_u128();
    (0..8)
        .map(|i| char::from(INVITE_ALPHABET[((bits >> (i * 5)) & 31) as usize]))
        .collect()
}

/// A trimmed name of at most 50 characters; none when blank.
fn member_name(name: Option<&str>) -> Result<Option<String>> {
    match name.map(str::trim) {
        Some("") | None => Ok(None),
        Some(n) if n.chars().count() > 50 => {
            Err(InvalidValue::new("name", "is longer than 50 characters").into())
        }
        Some(n) => Ok(Some(n.to_owned())),
    }
}

fn plausible_birthday(
    birthday: Option<NaiveDate>,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<()> {
    if birthday.is_some_and(|b| b > now.date_naive() || b.year_ce().1 < 1900) {
        return Err(InvalidValue::new("birthday", "is not a plausible date of birth").into());
    }
    Ok(())
}

impl<U, C, N> MembersService<'_, U, C, N>
where
    U: UnitOfWork<Tx: EarnTx + StoresTx>,
    C: Clock,
    N: Notifier,
{
    /// A member changes their profile (`PATCH /member/me`): name, birthday (once: it earns
    /// birthday bonuses, so a set one is corrected at the store, not by the member), and
    /// consent to SMS and WeChat messages.
    ///
    /// # Errors
    /// `validation_failed` (a birthday already set, or implausible); `member_not_found`.
    #[tracing::instrument(level = "debug", skip_all, fields(merchant = %merchant_id, member = %member_id))]
    pub async fn update_profile(
        self,
        merchant_id: MerchantId,
        member_id: MemberId,
        change: ProfileChange,
    ) -> Result<Member> {
        let name = member_name(change.name.as_deref())?;
        plausible_birthday(change.birthday, self.clock.now())?;
        let change = ProfileChange { name, ..change };
        let mut tx = self.uow.begin(TxMode::Write).await?;
        let before = member_of(&mut tx, merchant_id, member_id).await?;
        if let (Some(set), Some(asked)) = (before.birthday, change.birthday)
            && set != asked
        {
            return Err(
                InvalidValue::new("birthday", "is set already; the store can correct it").into(),
            );
        }
        let member = tx
            .members()
            .update_profile(merchant_id, member_id, &change)
            .await?
            .ok_or(Error::NotFound(crate::members::MEMBER))?;
        tx.commit().await?;
        Ok(member)
    }

    /// Registers a member; the phone is unique per merchant.
    ///
    /// # Errors
    /// `validation_failed`, `store_not_found`, `member_exists`.
    #[tracing::instrument(level = "debug", skip_all, fields(merchant = %cmd.merchant_id))]
    pub async fn register(self, cmd: RegisterMember) -> Result<Member> {
        let name = member_name(cmd.name.as_deref())?;
        let now = self.clock.now();
        plausible_birthday(cmd.birthday, now)?;
        // An invite code can collide; a new id gives a new code.
        for _ in 0..5 {
            let id = MemberId::new();
            let mut tx = self.uow.begin(TxMode::Write).await?;
            let store =
                crate::merchants::resolve_store(&mut tx, cmd.merchant_id, cmd.store_id).await?;
            let mut member = Member {
                phone: Some(cmd.phone.clone()),
                name: name.clone(),
                birthday: cmd.birthday,
                registered_store_id: Some(store.id),
                ..Member::new(id, cmd.merchant_id, now)
            };
            match tx.members().insert_member(&member).await {
                Err(StoreError::Unique(crate::members::MEMBER_INVITE_CODE_KEY)) => continue,
                other => other?,
            }
            let bonus = welcome_bonus(&mut tx, &mut member, now).await?;
            tx.commit().await?;
            self.publish(&[DomainEvent::MemberRegistered {
                merchant_id: member.merchant_id,
                member_id: member.id,
            }])
            .await;
            self.publish(&bonus).await;
            return Ok(member);
        }
        Err(Error::Taken(crate::members::MEMBER_INVITE_CODE_KEY))
    }

    /// # Errors
    /// `member_not_found`.
    #[tracing::instrument(level = "debug", skip_all, fields(merchant = %merchant_id, id = %id))]
    pub async fn member(self, merchant_id: MerchantId, id: MemberId) -> Result<Member> {
        let mut tx = self.uow.begin(TxMode::Lookup).await?;
        tx.members()
            .member(merchant_id, id)
            .await?
            .ok_or(Error::NotFound(crate::members::MEMBER))
    }

    /// Signs the member out everywhere (`POST /member/auth/logout`, or HQ for a lost phone):
    /// every token issued before stops working.
    ///
    /// # Errors
    /// `member_not_found`.
    #[tracing::instrument(level = "debug", skip_all, fields(merchant = %merchant_id, member = %id))]
    pub async fn sign_out(self, merchant_id: MerchantId, id: MemberId) -> Result<()> {
        let mut tx = self.uow.begin(TxMode::Write).await?;
        if !tx.members().raise_token_version(merchant_id, id).await? {
            return Err(Error::NotFound(crate::members::MEMBER));
        }
        Ok(tx.commit().await?)
    }

    /// Whether a member token issued under `token_version` still works: the member exists,
    /// is not erased and has not signed out since. One lookup by primary key.
    ///
    /// # Errors
    /// `token_revoked` otherwise.
    #[tracing::instrument(level = "debug", skip_all, fields(merchant = %merchant_id, member = %id))]
    pub async fn check_token(
        self,
        merchant_id: MerchantId,
        id: MemberId,
        token_version: i64,
    ) -> Result<()> {
        let mut tx = self.uow.begin(TxMode::Lookup).await?;
        match tx.members().member_token_status(merchant_id, id).await? {
            Some((version, false)) if version == token_version => Ok(()),
            _ => Err(crate::members::MembersError::TokenRevoked.into()),
        }
    }

    /// A page of the merchant's members in registration order, and the last id of the page
    /// when there may be more.
    ///
    /// # Errors
    /// `validation_failed` for a limit outside 1..=100.
    #[tracing::instrument(level = "debug", skip_all, fields(merchant = %merchant_id))]
    pub async fn list(
        self,
        merchant_id: MerchantId,
        after: Option<MemberId>,
        limit: u64,
    ) -> Result<(Vec<Member>, Option<MemberId>)> {
        if !(1..=100).contains(&limit) {
            return Err(InvalidValue::new("limit", "must be between 1 and 100").into());
        }
        let mut tx = self.uow.begin(TxMode::Lookup).await?;
        let mut members = tx
            .members()
            .list_members(merchant_id, after, limit + 1)
            .await?;
        let more = members.len() as u64 > limit;
        members.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
        let next = if more {
            members.last().map(|m| m.id)
        } else {
            None
        };
        Ok((members, next))
    }

    /// # Errors
    /// `member_not_found`.
    #[tracing::instrument(level = "debug", skip_all, fields(merchant = %merchant_id))]
    pub async fn by_phone(self, merchant_id: MerchantId, phone: &Phone) -> Result<Member> {
        let mut tx = self.uow.begin(TxMode::Lookup).await?;
        tx.members()
            .member_by_phone(merchant_id, phone)
            .await?
            .ok_or(Error::NotFound(crate::members::MEMBER))
    }
}

use chrono::Datelike as _;

/// The merchant's member, or `member_not_found`.
pub(crate) async fn member_of(
    tx: &mut impl crate::members::MembersTx,
    merchant: crate::kernel::MerchantId,
    id: crate::kernel::MemberId,
) -> crate::Result<crate::members::Member> {
    tx.members()
        .member(merchant, id)
        .await?
        .ok_or(crate::Error::NotFound(crate::members::MEMBER))
}

/// A page of members, and whose birthday it is.
pub(crate) struct BirthdayPage {
    pub celebrants: Vec<crate::members::Member>,
    /// The page's last member, where the next page starts.
    pub last: MemberId,
    /// Whether another page may follow.
    pub more: bool,
}

/// One page of the merchant's members (in registration order, after `after`, `batch`
/// at a time) and those of them whose local birthday is `today` (a 29 February birthday
/// on 28 February in other years); `None` past the last member.
pub(crate) async fn birthdays<U: UnitOfWork<Tx: MembersTx>>(
    uow: &U,
    merchant_id: MerchantId,
    today: chrono::NaiveDate,
    after: Option<MemberId>,
    batch: u64,
) -> Result<Option<BirthdayPage>> {
    let members = {
        let mut tx = uow.begin(TxMode::Lookup).await?;
        tx.members()
            .list_members(merchant_id, after, batch.max(1))
            .await?
    };
    let Some(last) = members.last().map(|m| m.id) else {
        return Ok(None);
    };
    let more = members.len() as u64 >= batch.max(1);
    let celebrants = members
        .into_iter()
        .filter(|m| {
            m.birthday
                .is_some_and(|b| crate::points::BirthdayScope::Day.includes(b, today))
        })
        .collect();
    Ok(Some(BirthdayPage {
        celebrants,
        last,
        more,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invite_codes_are_eight_unambiguous_characters() {
        let code = invite_code_for(MemberId::new());
        assert_eq!(code.len(), 8);
        assert!(code.bytes().all(|b| INVITE_ALPHABET.contains(&b)), "{code}");
    }
}
