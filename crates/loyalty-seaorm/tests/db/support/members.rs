//! Members, registered as a till registers them, with the points a test wants them to hold.

use super::{World, commit, order};
use chrono::NaiveDate;
use loyalty_core::kernel::{Phone, Points, StoreId};
use loyalty_core::members::{Member, RegisterMember};
use loyalty_core::merchants::Merchant;
use loyalty_core::points::{AdjustPoints, PointsSummary};
use std::future::{Future, IntoFuture};
use std::pin::Pin;

/// A member of `merchant` to register with this phone, named 张三, without a birthday or a
/// store; awaiting it registers them.
pub fn member<'a>(w: &'a World, merchant: &'a Merchant, phone: &str) -> MemberBuilder<'a> {
    MemberBuilder {
        w,
        merchant,
        register: RegisterMember {
            merchant_id: merchant.id,
            phone: Phone::parse(phone).expect("valid phone"),
            name: Some("张三".into()),
            birthday: None,
            store_id: None,
        },
        orders: Vec::new(),
    }
}

/// A registration to make, and the orders the member then commits; see [`member`].
pub struct MemberBuilder<'a> {
    w: &'a World,
    merchant: &'a Merchant,
    register: RegisterMember,
    /// Amounts of the orders committed once the member is registered, in this order.
    orders: Vec<String>,
}

impl<'a> MemberBuilder<'a> {
    /// Registered under this name.
    pub fn named(mut self, name: &str) -> Self {
        self.register.name = Some(name.into());
        self
    }

    /// Registered without a name.
    pub fn unnamed(mut self) -> Self {
        self.register.name = None;
        self
    }

    /// Registered with this birthday.
    pub fn born_on(mut self, birthday: Option<NaiveDate>) -> Self {
        self.register.birthday = birthday;
        self
    }

    /// Registered at this store.
    pub fn at_store(mut self, store_id: StoreId) -> Self {
        self.register.store_id = Some(store_id);
        self
    }

    /// Once registered, commits an order of `amount` at the default store (earning its
    /// points by the merchant's policy).
    pub fn having_bought(mut self, amount: &str) -> Self {
        self.orders.push(amount.to_owned());
        self
    }

    /// The registration itself, for a test that expects it refused.
    pub fn command(self) -> RegisterMember {
        self.register
    }

    /// Registers the member, then commits their orders.
    pub async fn create(self) -> Member {
        let m = self
            .w
            .loyalty
            .members()
            .register(self.register)
            .await
            .expect("member registered");
        for amount in &self.orders {
            commit(self.w, order(self.merchant, &m, amount)).await;
        }
        m
    }
}

impl<'a> IntoFuture for MemberBuilder<'a> {
    type Output = Member;
    type IntoFuture = Pin<Box<dyn Future<Output = Member> + Send + 'a>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.create())
    }
}

/// `n` members registered one after the other, with the phones `{prefix}00000000`,
/// `{prefix}00000001` …
pub async fn members(w: &World, merchant: &Merchant, prefix: &str, n: u32) -> Vec<Member> {
    let mut list = Vec::new();
    for i in 0..n {
        list.push(member(w, merchant, &format!("{prefix}{i:08}")).await);
    }
    list
}

/// Credits (or, negative, debits) the member's points by hand.
pub async fn adjust_points(w: &World, m: &Member, delta: i64, reason: &str) {
    w.loyalty
        .points()
        .adjust(
            AdjustPoints {
                merchant_id: m.merchant_id,
                member_id: m.id,
                delta: Points::new(delta),
                reason: reason.into(),
                store_id: None,
                operator_id: None,
            },
            None,
        )
        .await
        .expect("points adjusted");
}

/// The member as stored now.
pub async fn member_now(w: &World, m: &Member) -> Member {
    w.loyalty
        .members()
        .member(m.merchant_id, m.id)
        .await
        .expect("member")
}

/// The member's points balance as stored now.
pub async fn points_balance(w: &World, m: &Member) -> Points {
    member_now(w, m).await.points_balance
}

/// The member's points now: balance, open lots, what expires soon.
pub async fn points_summary(w: &World, m: &Member) -> PointsSummary {
    w.loyalty
        .points()
        .summary(m.merchant_id, m.id)
        .await
        .expect("summary")
}
