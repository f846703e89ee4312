//! The scheduled jobs: points and coupon expiry and the points', coupons' and cards' advance notices, the tier
//! review, birthday greetings and gift coupons, and the purge of old idempotency records. Each is safe to run in several processes at once; the server
//! runs them on timers, `loyalty-server run-jobs` once (for cron).

use crate::state::Engine;
use std::time::Duration;

const BATCH: u64 = 500;

/// Expires the lots that are due (all of them, batch after batch) and announces the ones
/// about to expire.
pub async fn points_jobs(loyalty: &Engine) {
    loop {
        match loyalty.points().expire_due(BATCH).await {
            Ok(expired) if !expired.is_empty() => {
                tracing::info!(entries = expired.len(), "points expired");
                if (expired.len() as u64) < BATCH {
                    break;
                }
            }
            Ok(_) => break,
            Err(error) => {
                tracing::warn!(%error, "points expiry failed");
                break;
            }
        }
    }
    match loyalty.points().announce_expiring(BATCH).await {
        Ok(sent) if !sent.is_empty() => tracing::info!(members = sent.len(), "expiry announced"),
        Ok(_) => {}
        Err(error) => tracing::warn!(%error, "expiry notice failed"),
    }
    match loyalty.coupons().expire_due().await {
        Ok(expired) if expired > 0 => tracing::info!(expired, "coupons expired"),
        Ok(_) => {}
        Err(error) => tracing::warn!(%error, "coupon expiry failed"),
    }
    match loyalty.coupons().announce_expiring(BATCH).await {
        Ok(told) if told > 0 => tracing::info!(coupons = told, "coupon expiry announced"),
        Ok(_) => {}
        Err(error) => tracing::warn!(%error, "coupon expiry notice failed"),
    }
    match loyalty.cards().announce_expiring(BATCH).await {
        Ok(told) if told > 0 => tracing::info!(cards = told, "card expiry announced"),
        Ok(_) => {}
        Err(error) => tracing::warn!(%error, "card expiry notice failed"),
    }
    if let Err(error) = loyalty.purge_idempotency(chrono::Duration::hours(48)).await {
        tracing::warn!(%error, "idempotency purge failed");
    }
}

/// Re-evaluates every member's tier, and greets the members whose birthday it is and gives
/// them the birthday gift coupons (once a year each, however often it runs).
pub async fn member_jobs(loyalty: &Engine) {
    match loyalty.coupons().give_birthday_coupons(BATCH).await {
        Ok(given) if given > 0 => tracing::info!(given, "birthday coupons given"),
        Ok(_) => {}
        Err(error) => tracing::warn!(%error, "birthday coupons failed"),
    }
    match loyalty.notifications().greet_birthdays(BATCH).await {
        Ok(greeted) if greeted > 0 => tracing::info!(greeted, "birthday greetings queued"),
        Ok(_) => {}
        Err(error) => tracing::warn!(%error, "birthday greetings failed"),
    }
    match loyalty.tiers().review(BATCH).await {
        Ok(review) => tracing::info!(
            reviewed = review.members_reviewed,
            upgraded = review.upgraded,
            downgraded = review.downgraded,
            "tier review done"
        ),
        Err(error) => tracing::warn!(%error, "tier review failed"),
    }
}

/// The least time between two dispatch runs: under load every order rings the doorbell, and
/// one run per gap serves them all instead of one claim per order.
const MIN_GAP: Duration = Duration::from_millis(100);

/// Works off the outbox until the process ends: soon after the doorbell rings (within
/// [`MIN_GAP`]), and at least every `every` (messages held by back-off or quiet hours fall
/// due with time).
pub async fn dispatch_loop(
    loyalty: &Engine,
    senders: &crate::state::Senders,
    settings: loyalty_core::notifications::DispatchSettings,
    every: Duration,
    doorbell: &tokio::sync::Notify,
) {
    loop {
        match loyalty
            .notifications()
            .dispatch(&senders.gateways(), settings)
            .await
        {
            Ok(report) if report.sent + report.retried + report.failed > 0 => tracing::info!(
                sent = report.sent,
                retried = report.retried,
                failed = report.failed,
                "notifications dispatched"
            ),
            Ok(_) => {}
            Err(error) => tracing::warn!(%error, "notification dispatch failed"),
        }
        tokio::time::sleep(MIN_GAP.min(every)).await;
        tokio::select! {
            () = doorbell.notified() => {}
            () = tokio::time::sleep(every) => {}
        }
    }
}

/// Runs `job` every `every` until the process ends (never when `every` is zero).
pub fn every<F, Fut>(every: Duration, job: F)
where
    F: Fn() -> Fut + Send + 'static,
    Fut: std::future::Future<Output = ()> + Send,
{
    if every.is_zero() {
        return;
    }
    tokio::spawn(async move {
        let mut ticker = tokio::time::interval(every);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticker.tick().await;
            job().await;
        }
    });
}
