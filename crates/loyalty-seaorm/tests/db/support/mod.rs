//! Fixtures of the database tests: the world a test runs in, and builders of what tests set
//! up again and again — merchants with their settings, branch stores, members with points,
//! coupon and card templates, cards, orders and refunds, wallet movements, tier ladders.

mod cards;
mod checkout;
mod coupons;
mod members;
mod merchants;
mod tiers;
mod wallet;
mod world;

pub use cards::*;
pub use checkout::*;
pub use coupons::*;
pub use members::*;
pub use merchants::*;
pub use tiers::*;
pub use wallet::*;
pub use world::*;

use loyalty_core::Error;
use loyalty_core::kernel::{Money, Outcome};
use loyalty_core::merchants::Merchant;
use loyalty_core::settings::Setting;
use std::future::Future;
use tokio::task::JoinHandle;

/// What a use case called without an idempotency key did (it cannot be a replay).
pub fn done<T>(outcome: Outcome<T>) -> T {
    match outcome {
        Outcome::Done(value) => value,
        Outcome::Replayed(_) => panic!("no key, no replay"),
    }
}

/// An amount written as in a till, e.g. `"128.80"`.
pub fn money(s: &str) -> Money {
    s.parse().expect("valid money")
}

/// Saves the merchant's setting; answers its new version.
pub async fn put_setting(w: &World, merchant: &Merchant, setting: Setting) -> i64 {
    w.loyalty
        .settings()
        .put(merchant.id, setting, None)
        .await
        .expect("setting saved")
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

/// The feature's refusal (of type `E`) a use case ended with, if it ended with one.
pub fn refusal<T, E: loyalty_core::kernel::DomainError>(
    result: &Result<T, loyalty_core::Error>,
) -> Option<&E> {
    result.as_ref().err().and_then(loyalty_core::Error::refusal)
}

/// Runs `job` twice at once, as two runs of a job started together, and answers both results.
pub async fn twice_at_once<F: Future>(job: impl Fn() -> F) -> (F::Output, F::Output) {
    tokio::join!(job(), job())
}

/// Awaits the tasks of a race, in order: the answers of those that went through, and how many
/// were refused as `refused` expects. Any other failure fails the test.
pub async fn settle<T>(
    tasks: Vec<JoinHandle<Result<T, Error>>>,
    refused: impl Fn(&Error) -> bool,
) -> (Vec<T>, usize) {
    let (mut done, mut refusals) = (Vec::new(), 0);
    for task in tasks {
        match task.await.expect("task ran") {
            Ok(value) => done.push(value),
            Err(other) if refused(&other) => refusals += 1,
            Err(other) => panic!("unexpected failure: {other:?}"),
        }
    }
    (done, refusals)
}
