//! Members signing in from the mini-program: a WeChat login code registers the member on
//! first use; a WeChat phone code binds the phone, and when the phone already belongs to a
//! member registered at the till, the fresh WeChat account folds into that member.

use super::MembersService;
use crate::events::DomainEvent;
use crate::events::Notifier;
use crate::kernel::MemberId;
use crate::kernel::Transaction;
use crate::kernel::{Clock, StoreError, TxMode, UnitOfWork};
use crate::members::Member;
use crate::members::MembersTx;
use crate::members::WeChatAuth;
use crate::members::member_of;
use crate::members::{IssuedCode, MemberCodes};
use crate::points::EarnTx;
use crate::points::welcome_bonus;
use crate::{Error, Result};

/// A signed-in member and whether this login created it.
#[derive(Debug, Clone)]
pub struct WeChatLogin {
    pub member: Member,
    pub registered: bool,
}

/// After binding a phone: the member to continue as (another one when the WeChat account
/// folded into the member who already had the phone).
#[derive(Debug, Clone)]
pub struct PhoneBinding {
    pub member: Member,
    pub merged: bool,
}

impl<U, C, N> MembersService<'_, U, C, N>
where
    U: UnitOfWork<Tx: EarnTx>,
    C: Clock,
    N: Notifier,
{
    /// Signs a member in with a `wx.login()` code; registers them on first login (with the
    /// inviter named by `invite_code`, if it is one of the merchant's members).
    ///
    /// # Errors
    /// `merchant_not_found`, `invalid_code`, `provider_unavailable`.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn login_with_wechat(
        self,
        wechat: &dyn WeChatAuth,
        merchant_code: &str,
        login_code: &str,
        invite_code: Option<&str>,
    ) -> Result<WeChatLogin> {
        let merchant = {
            let mut lookup = self.uow.begin(TxMode::Lookup).await?;
            crate::merchants::merchant_by_code(&mut lookup, merchant_code).await?
        };
        let session = wechat.session(login_code).await?;
        for _ in 0..5 {
            // Inside the write transaction: on SQLite it sees a first login of the same
            // openid that is in the current group commit and not yet durable.
            let mut tx = self.uow.begin(TxMode::Write).await?;
            if let Some(member) = tx
                .members()
                .member_by_openid(merchant.id, &session.openid)
                .await?
            {
                tx.commit().await?;
                return Ok(WeChatLogin {
                    member,
                    registered: false,
                });
            }
            let inviter = match invite_code {
                Some(code) => tx
                    .members()
                    .member_by_invite_code(merchant.id, code)
                    .await?
                    .map(|m| m.id),
                None => None,
            };
            let id = MemberId::new();
            let member = Member {
                openid: Some(session.openid.clone()),
                unionid: session.unionid.clone(),
                invited_by: inviter,
                ..Member::new(id, merchant.id, self.clock.now())
            };
            match tx.members().insert_member(&member).await {
                // A concurrent first login committed first, or the invite code collided.
                Err(StoreError::Unique(
                    crate::members::MEMBER_OPENID_KEY | crate::members::MEMBER_INVITE_CODE_KEY,
                )) => {
                    continue;
                }
                other => other?,
            }
            tx.commit().await?;
            self.publish(&[DomainEvent::MemberRegistered {
                merchant_id: merchant.id,
                member_id: id,
            }])
            .await;
            return Ok(WeChatLogin {
                member,
                registered: true,
            });
        }
        Err(Error::Busy(StoreError::Contention(
            "member registration kept colliding".into(),
        )))
    }

    /// Binds the phone from a WeChat `getPhoneNumber` code to the signed-in member. When a
    /// member registered at the till has that phone and this WeChat account has no history
    /// yet, the WeChat identity moves to that member and the empty account is removed.
    ///
    /// # Errors
    /// `member_not_found`, `invalid_code`, `phone_taken` (the phone belongs to another member
    /// and this account has history, or the other member has a WeChat identity already).
    #[tracing::instrument(level = "debug", skip_all, fields(merchant = %merchant_id, member = %member_id))]
    pub async fn bind_wechat_phone(
        self,
        wechat: &dyn WeChatAuth,
        merchant_id: crate::kernel::MerchantId,
        member_id: MemberId,
        phone_code: &str,
    ) -> Result<PhoneBinding> {
        let phone = wechat.phone_number(phone_code).await?;
        let mut tx = self.uow.begin(TxMode::Write).await?;
        let me = member_of(&mut tx, merchant_id, member_id).await?;
        if me.phone.as_ref() == Some(&phone) {
            return Ok(PhoneBinding {
                member: me,
                merged: false,
            });
        }
        let owner = tx.members().member_by_phone(merchant_id, &phone).await?;
        let Some(owner) = owner else {
            if !tx
                .members()
                .set_phone(merchant_id, member_id, &phone)
                .await?
            {
                return Err(crate::members::MembersError::PhoneTaken.into());
            }
            // A WeChat account becomes a member with its first phone: the registration bonus.
            let mut member = Member {
                phone: Some(phone),
                ..me
            };
            let bonus = welcome_bonus(&mut tx, &mut member, self.clock.now()).await?;
            tx.commit().await?;
            self.publish(&bonus).await;
            return Ok(PhoneBinding {
                member,
                merged: false,
            });
        };
        let Some(openid) = me.openid.clone().filter(|_| owner.openid.is_none()) else {
            return Err(crate::members::MembersError::PhoneTaken.into());
        };
        // Fold: the empty WeChat account goes, its identity moves to the phone's owner.
        if !tx
            .members()
            .delete_unused_member(merchant_id, member_id)
            .await?
        {
            return Err(crate::members::MembersError::PhoneTaken.into());
        }
        if !tx
            .members()
            .set_openid(merchant_id, owner.id, &openid, me.unionid.clone())
            .await?
        {
            return Err(crate::members::MembersError::PhoneTaken.into());
        }
        tx.commit().await?;
        let member = Member {
            openid: Some(openid),
            unionid: me.unionid,
            ..owner
        };
        Ok(PhoneBinding {
            member,
            merged: true,
        })
    }

    /// The member whose invite code this is.
    ///
    /// # Errors
    /// `member_not_found`.
    #[tracing::instrument(level = "debug", skip_all, fields(merchant = %merchant_id))]
    pub async fn by_invite_code(
        self,
        merchant_id: crate::kernel::MerchantId,
        invite_code: &str,
    ) -> Result<Member> {
        let mut tx = self.uow.begin(TxMode::Lookup).await?;
        tx.members()
            .member_by_invite_code(merchant_id, invite_code)
            .await?
            .ok_or(Error::NotFound(crate::members::MEMBER))
    }

    /// Uses the member code of time step `step` once: a second use of that step, or of an
    /// earlier one after a later was used, is refused.
    ///
    /// # Errors
    /// `member_code_used`.
    #[tracing::instrument(level = "debug", skip_all, fields(merchant = %merchant_id, member = %member_id))]
    pub async fn claim_member_code(
        self,
        merchant_id: crate::kernel::MerchantId,
        member_id: MemberId,
        step: i64,
    ) -> Result<()> {
        let mut tx = self.uow.begin(TxMode::Write).await?;
        if !tx
            .members()
            .claim_code_step(merchant_id, member_id, step)
            .await?
        {
            return Err(crate::members::MembersError::MemberCodeUsed.into());
        }
        Ok(tx.commit().await?)
    }

    /// The member's code for the till, made now: the member shows it, a till resolves it
    /// within its step or the next.
    ///
    /// # Errors
    /// `member_not_found`.
    #[tracing::instrument(level = "debug", skip_all, fields(merchant = %merchant_id, member = %member_id))]
    pub async fn member_code(
        self,
        codes: &MemberCodes,
        merchant_id: crate::kernel::MerchantId,
        member_id: MemberId,
    ) -> Result<IssuedCode> {
        let member = {
            let mut lookup = self.uow.begin(TxMode::Lookup).await?;
            crate::members::member_of(&mut lookup, merchant_id, member_id).await?
        };
        Ok(codes.issue(&member, self.clock.now()))
    }

    /// The member a till is serving, by the code from the member's mini-program: the code
    /// must be the member's of this step or the previous one, and each step resolves once.
    ///
    /// # Errors
    /// `invalid_member_code` (malformed, forged, another merchant's member, or too old),
    /// `member_code_used`.
    #[tracing::instrument(level = "debug", skip_all, fields(merchant = %merchant_id))]
    pub async fn resolve_member_code(
        self,
        codes: &MemberCodes,
        merchant_id: crate::kernel::MerchantId,
        code: &str,
    ) -> Result<Member> {
        let invalid = || Error::from(crate::members::MembersError::InvalidMemberCode);
        let handle = MemberCodes::handle(code).ok_or_else(invalid)?;
        let member = match self.by_invite_code(merchant_id, handle).await {
            Err(Error::NotFound(_)) => return Err(invalid()),
            other => other?,
        };
        let step = codes
            .verify(code, &member, self.clock.now())
            .ok_or_else(invalid)?;
        self.claim_member_code(merchant_id, member.id, step).await?;
        Ok(member)
    }
}
