//! Members signing in with WeChat on real databases: registration on first login, one member
//! per openid under concurrent first logins, phone binding and folding into the member who
//! registered the phone at the till.

use crate::support::*;
use async_trait::async_trait;
use loyalty_core::Error;
use loyalty_core::kernel::{MemberId, Phone, Points};
use loyalty_core::members::{IdentityError, WeChatAuth, WeChatSession};
use loyalty_core::members::{PhoneBinding, WeChatLogin};
use loyalty_core::merchants::Merchant;
use loyalty_seaorm::on_both_databases;
use loyalty_seaorm::testing::TestDatabase;
use std::sync::Arc;

/// `o:<openid>` and `p:<phone>` codes.
struct FakeWeChat;

#[async_trait]
impl WeChatAuth for FakeWeChat {
    async fn session(&self, code: &str) -> Result<WeChatSession, IdentityError> {
        let openid = code.strip_prefix("o:").ok_or(IdentityError::InvalidCode)?;
        Ok(WeChatSession {
            openid: openid.to_owned(),
            unionid: Some(format!("u-{openid}")),
        })
    }

    async fn phone_number(&self, code: &str) -> Result<Phone, IdentityError> {
        Phone::parse(code.strip_prefix("p:").ok_or(IdentityError::InvalidCode)?)
            .map_err(|_| IdentityError::InvalidCode)
    }
}

on_both_databases! {
    the_first_wechat_login_registers_and_later_ones_sign_in => super::first_login;
    concurrent_first_logins_of_one_openid_make_one_member => super::concurrent_first_logins;
    binding_a_till_registered_phone_folds_the_empty_wechat_account_into_it => super::fold_into_till_member;
    a_phone_of_another_member_cannot_be_bound_to_an_account_with_history => super::phone_taken;
}

/// Signs in at the shop with this WeChat code, invited by no one.
async fn wechat_login(w: &World, shop: &str, code: &str) -> Result<WeChatLogin, Error> {
    w.loyalty
        .members()
        .login_with_wechat(&FakeWeChat, shop, code, None)
        .await
}

/// Binds the phone that this WeChat code answers to the member.
async fn bind_phone(
    w: &World,
    merchant: &Merchant,
    member: MemberId,
    code: &str,
) -> Result<PhoneBinding, Error> {
    w.loyalty
        .members()
        .bind_wechat_phone(&FakeWeChat, merchant.id, member, code)
        .await
}

async fn first_login(db: &TestDatabase) {
    let w = world(db);
    let (m, _) = merchant(&w, "wx-login").await;
    let inviter = member(&w, &m, "13800000101").await;
    let first = w
        .loyalty
        .members()
        .login_with_wechat(
            &FakeWeChat,
            "wx-login",
            "o:alice",
            Some(&inviter.invite_code),
        )
        .await
        .expect("registers");
    assert!(first.registered);
    assert_eq!(
        (first.member.phone.clone(), first.member.invited_by),
        (None, Some(inviter.id))
    );
    let again = wechat_login(&w, "wx-login", "o:alice")
        .await
        .expect("signs in");
    assert_eq!(
        (again.registered, again.member.id),
        (false, first.member.id)
    );
    let bound = bind_phone(&w, &m, first.member.id, "p:13800000102")
        .await
        .expect("binds");
    assert_eq!((bound.member.id, bound.merged), (first.member.id, false));
    assert_eq!(
        member_now(&w, &first.member)
            .await
            .phone
            .map(|p| p.as_str().to_owned()),
        Some("13800000102".into())
    );
    let err = wechat_login(&w, "wx-login", "bad")
        .await
        .expect_err("refused");
    assert_eq!(err.code(), "invalid_code");
    let err = wechat_login(&w, "nope", "o:alice")
        .await
        .expect_err("unknown merchant");
    assert_eq!(err.code(), "merchant_not_found");
}

async fn concurrent_first_logins(db: &TestDatabase) {
    let w = Arc::new(world(db));
    merchant(&w, "wx-race").await;
    let tasks: Vec<_> = (0..12)
        .map(|_| {
            let w = Arc::clone(&w);
            tokio::spawn(async move { wechat_login(&w, "wx-race", "o:bob").await })
        })
        .collect();
    let mut ids = Vec::new();
    let mut registered = 0;
    for task in tasks {
        let login = task.await.expect("ran").expect("signed in");
        registered += usize::from(login.registered);
        ids.push(login.member.id);
    }
    ids.dedup();
    assert_eq!((registered, ids.len()), (1, 1));
}

async fn fold_into_till_member(db: &TestDatabase) {
    let w = world(db);
    let (m, _) = merchant(&w, "wx-fold").await;
    let till = member(&w, &m, "13800000201").await;
    adjust_points(&w, &till, 88, "开卡礼").await;
    let login = wechat_login(&w, "wx-fold", "o:carol")
        .await
        .expect("registers");

    let PhoneBinding { member, merged } = bind_phone(&w, &m, login.member.id, "p:13800000201")
        .await
        .expect("folds");

    assert!(merged);
    assert_eq!(
        (member.id, member.points_balance),
        (till.id, Points::new(88))
    );
    assert_eq!(
        w.loyalty
            .members()
            .member(m.id, login.member.id)
            .await
            .expect_err("gone")
            .code(),
        "member_not_found"
    );
    let next = wechat_login(&w, "wx-fold", "o:carol")
        .await
        .expect("signs in");
    assert_eq!((next.member.id, next.registered), (till.id, false));
    assert_ledger_consistent(&w).await;
}

async fn phone_taken(db: &TestDatabase) {
    let w = world(db);
    let (m, _) = merchant(&w, "wx-taken").await;
    member(&w, &m, "13800000301").await;
    let login = wechat_login(&w, "wx-taken", "o:dave")
        .await
        .expect("registers");
    adjust_points(&w, &login.member, 5, "签到").await;

    let err = bind_phone(&w, &m, login.member.id, "p:13800000301")
        .await
        .expect_err("taken");

    assert_eq!(err.code(), "phone_taken");
    assert_eq!(points_balance(&w, &login.member).await, Points::new(5));
}
