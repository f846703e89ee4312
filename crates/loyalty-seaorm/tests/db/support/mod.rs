//! Builders shared by this crate's database tests.
#![allow(dead_code)]

use chrono::{DateTime, TimeZone, Utc};
use loyalty_core::checkout::{CommitOrder, OrderReceipt};
use loyalty_core::engine::Loyalty;
use loyalty_core::kernel::Outcome;
use loyalty_core::kernel::{MerchantTimeZone, Money, Phone};
use loyalty_core::members::Member;
use loyalty_core::members::RegisterMember;
use loyalty_core::merchants::CreateMerchant;
use loyalty_core::merchants::{Merchant, Store};
use loyalty_core::points::EarningPolicy;
use loyalty_core::points::{ExpiryPolicy, ExpiryRule};
use loyalty_core::testing::{ManualClock, RecordingNotifier};
use loyalty_seaorm::SeaUnitOfWork;
use loyalty_seaorm::testing::TestDatabase;

pub type Engine = Loyalty<SeaUnitOfWork, ManualClock, RecordingNotifier>;

pub struct World {
    pub loyalty: Engine,
    pub clock: ManualClock,
    pub notifier: RecordingNotifier,
}

impl World {
    /// The time the engine sees.
    pub fn clock_now(&self) -> DateTime<Utc> {
        loyalty_core::kernel::Clock::now(&self.clock)
    }
}

pub fn start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 23, 2, 0, 0)
        .single()
        .expect("valid time")
}

pub fn world(db: &TestDatabase) -> World {
    let clock = ManualClock::at(start());
    let notifier = RecordingNotifier::default();
    let loyalty = Loyalty::new(
        SeaUnitOfWork::new(db.db.clone()),
        clock.clone(),
        notifier.clone(),
    );
    World {
        loyalty,
        clock,
        notifier,
    }
}

pub async fn merchant(w: &World, code: &str, validity_days: Option<u32>) -> (Merchant, Store) {
    let expiry = ExpiryPolicy {
        rule: validity_days.map_or(ExpiryRule::Never, |days| ExpiryRule::Rolling { days }),
        ..ExpiryPolicy::default()
    };
    merchant_with(w, code, EarningPolicy::default(), expiry).await
}

pub async fn merchant_with(
    w: &World,
    code: &str,
    earning: EarningPolicy,
    expiry: ExpiryPolicy,
) -> (Merchant, Store) {
    let created = w
        .loyalty
        .merchants()
        .create_merchant(CreateMerchant {
            code: code.into(),
            name: format!("Merchant {code}"),
            time_zone: MerchantTimeZone::default(),
            earning,
            expiry,
            default_store_name: "总店".into(),
            owner_username: "owner".into(),
            owner_display_name: "Owner".into(),
            owner_password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo"
                .into(),
        })
        .await
        .expect("merchant created");
    (created.merchant, created.default_store)
}

pub async fn member(w: &World, merchant: &Merchant, phone: &str) -> Member {
    w.loyalty
        .members()
        .register(RegisterMember {
            merchant_id: merchant.id,
            phone: Phone::parse(phone).expect("valid phone"),
            name: Some("张三".into()),
            birthday: None,
            store_id: None,
        })
        .await
        .expect("member registered")
}

/// Asserts that no account on the database drifts.
pub async fn assert_ledger_consistent(w: &World) {
    let drifts = w
        .loyalty
        .points()
        .verify_ledger()
        .await
        .expect("verification runs");
    assert!(drifts.is_empty(), "ledger drift: {drifts:?}");
}

pub fn money(s: &str) -> Money {
    s.parse().expect("valid money")
}

/// An order of `amount` by `member` at the default store, without lines.
pub fn order(merchant: &Merchant, member: &Member, amount: &str) -> CommitOrder {
    CommitOrder {
        merchant_id: merchant.id,
        store_id: None,
        member_id: member.id,
        order_no: None,
        amount_paid: Some(money(amount)),
        lines: Vec::new(),
        coupon_codes: Vec::new(),
        points_to_use: loyalty_core::kernel::Points::ZERO,
        operator_id: None,
    }
}

/// Commits `cmd` (no idempotency key, so never a replay).
pub async fn commit(w: &World, cmd: CommitOrder) -> OrderReceipt {
    match w
        .loyalty
        .checkout()
        .commit(cmd, None)
        .await
        .expect("order commits")
    {
        Outcome::Done(receipt) => receipt,
        Outcome::Replayed(_) => panic!("no key, no replay"),
    }
}

/// The feature's refusal (of type `E`) a use case ended with, if it ended with one.
pub fn refusal<T, E: loyalty_core::kernel::DomainError>(
    result: &Result<T, loyalty_core::Error>,
) -> Option<&E> {
    result.as_ref().err().and_then(loyalty_core::Error::refusal)
}
