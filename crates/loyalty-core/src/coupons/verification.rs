//! Verification (核销) of a coupon at a store by its code, its undoing within the merchant's
//! window, and the log of both.

use super::CouponsService;
use crate::coupons::CouponCode;
use crate::coupons::CouponsTx;
use crate::coupons::{Coupon, CouponStatus, Verification};
use crate::coupons::{HeldCoupon, template_of};
use crate::engine::write_once;
use crate::events::Notifier;
use crate::kernel::with_retry;
use crate::kernel::{Clock, Transaction, TxMode, UnitOfWork};
use crate::kernel::{IdempotencyTx, Idempotent, Outcome, StoreError};
use crate::kernel::{MerchantId, StaffId, StoreId, VerificationId};
use crate::merchants::StoresTx;
use crate::settings::SettingsTx;
use crate::{Error, Result};
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone)]
pub struct VerifyCoupon {
    pub merchant_id: MerchantId,
    pub code: CouponCode,
    /// Where it is verified: one of the staff member's stores (the edge checks that); the
    /// merchant's default store when `None`.
    pub store_id: Option<StoreId>,
    pub staff_id: Option<StaffId>,
}

/// A verification with the coupon as it is after.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VerifiedCoupon {
    pub verification: Verification,
    pub coupon: HeldCoupon,
}

/// Why a coupon that could not be used was refused: its state, then its window.
pub(crate) fn refusal(coupon: &Coupon, now: DateTime<Utc>) -> Error {
    let refused = if !coupon.status.usable() {
        crate::coupons::CouponsError::CouponNotUsable(coupon.status)
    } else if now < coupon.valid_from {
        crate::coupons::CouponsError::CouponNotYetValid
    } else {
        crate::coupons::CouponsError::CouponExpired
    };
    refused.into()
}

/// The merchant's coupon with `code`, or `coupon_not_found`.
pub(crate) async fn coupon_by_code(
    tx: &mut impl crate::coupons::CouponsTx,
    merchant: MerchantId,
    code: &CouponCode,
) -> Result<Coupon> {
    tx.coupons()
        .coupon_by_code(merchant, code)
        .await?
        .ok_or(Error::NotFound(crate::coupons::COUPON))
}

impl<U, C, N> CouponsService<'_, U, C, N>
where
    U: UnitOfWork<Tx: CouponsTx + IdempotencyTx + SettingsTx + StoresTx>,
    C: Clock,
    N: Notifier,
{
    /// Verifies a coupon at a store: it must apply there, be usable and in its window. The
    /// state moves by compare-and-set, so two stores verifying one code at once give one
    /// success and one `coupon_used`.
    ///
    /// With an idempotency key, a till that retries after a timeout gets the first answer
    /// instead of `coupon_used`.
    ///
    /// # Errors
    /// `coupon_not_found`, `coupon_not_applicable` (the store), `coupon_used`,
    /// `coupon_expired`, `coupon_revoked`, `coupon_not_yet_valid`, `idempotency_key_reused`.
    #[tracing::instrument(level = "debug", skip_all, fields(merchant = %cmd.merchant_id))]
    pub async fn verify(
        self,
        cmd: VerifyCoupon,
        idem: Option<&Idempotent>,
    ) -> Result<Outcome<VerifiedCoupon>> {
        write_once!(
            self,
            idem,
            check: Ok(()),
            prepare |lookup, _now| {
                crate::merchants::resolve_store(lookup, cmd.merchant_id, cmd.store_id).await
            },
            effect |tx, store, now| {
                let mut coupon = coupon_by_code(tx, cmd.merchant_id, &cmd.code).await?;
                let template = template_of(tx, cmd.merchant_id, coupon.template_id).await?;
                if !template.rules.scope.covers_store(store.id) {
                    return Err(crate::coupons::CouponsError::CouponStoreNotApplicable.into());
                }
                if !tx
                    .coupons()
                    .use_coupon(cmd.merchant_id, coupon.id, store.id, None, now)
                    .await?
                {
                    // The request with this key, running in another process, may be what used it:
                    // its record is visible now that its change is, and the next attempt answers
                    // from it.
                    if let Some(idem) = idem
                        && tx
                            .idempotency()
                            .find_idempotency(&idem.key)
                            .await?
                            .is_some()
                    {
                        return Err(Error::Store(StoreError::Contention(
                            "the request with this key used the coupon".into(),
                        )));
                    }
                    // Read again: another store may have used it a moment ago.
                    let now_is = coupon_by_code(tx, cmd.merchant_id, &cmd.code).await?;
                    return Err(refusal(&now_is, now));
                }
                let verification = Verification {
                    id: VerificationId::new(),
                    merchant_id: cmd.merchant_id,
                    coupon_id: coupon.id,
                    code: coupon.code.clone(),
                    member_id: coupon.member_id,
                    store_id: store.id,
                    staff_id: cmd.staff_id,
                    order_id: None,
                    created_at: now,
                    undone_at: None,
                    undone_by: None,
                };
                tx.coupons().insert_verification(&verification).await?;
                // What the conditional update wrote, without reading it back.
                coupon.status = CouponStatus::Used;
                coupon.used_at = Some(now);
                coupon.used_store_id = Some(store.id);
                coupon.used_order_id = None;
                let verified = VerifiedCoupon {
                    verification,
                    coupon: HeldCoupon { coupon, template },
                };
                Ok((verified, Vec::new()))
            }
        )
    }

    /// Undoes a verification within the merchant's window: the coupon is available again.
    /// A coupon used by an order comes back by refunding the order instead.
    ///
    /// # Errors
    /// `verification_not_found`, `undo_window_closed`, `already_applied` (undone before),
    /// `validation_failed` (an order's verification).
    #[tracing::instrument(level = "debug", skip_all, fields(merchant = %merchant_id, id = %id))]
    pub async fn undo_verification(
        self,
        merchant_id: MerchantId,
        id: VerificationId,
        by: Option<StaffId>,
    ) -> Result<VerifiedCoupon> {
        with_retry!(self.try_undo(merchant_id, id, by))
    }

    async fn try_undo(
        self,
        merchant_id: MerchantId,
        id: VerificationId,
        by: Option<StaffId>,
    ) -> Result<VerifiedCoupon> {
        let now = self.clock.now();
        let window = {
            let mut lookup = self.uow.begin(TxMode::Lookup).await?;
            let settings = lookup.settings().settings(merchant_id).await?;
            Duration::minutes(i64::from(settings.checkout.value.verification_undo_minutes))
        };
        let mut tx = self.uow.begin(TxMode::Write).await?;
        let mut verification = self.verification_in(&mut tx, merchant_id, id).await?;
        if verification.order_id.is_some() {
            return Err(crate::kernel::InvalidValue::new(
                "id",
                "an order's coupon comes back by refunding the order",
            )
            .into());
        }
        if verification.undone_at.is_some() {
            return Err(Error::AlreadyApplied);
        }
        if now >= verification.created_at + window {
            return Err(crate::coupons::CouponsError::UndoWindowClosed.into());
        }
        if !tx
            .coupons()
            .undo_verification(merchant_id, id, by, now)
            .await?
        {
            return Err(Error::AlreadyApplied);
        }
        if !tx
            .coupons()
            .give_back(
                merchant_id,
                verification.coupon_id,
                None,
                CouponStatus::Available,
            )
            .await?
        {
            return Err(Error::AlreadyApplied);
        }
        verification.undone_at = Some(now);
        verification.undone_by = by;
        let coupon = coupon_by_code(&mut tx, merchant_id, &verification.code).await?;
        let template = template_of(&mut tx, merchant_id, coupon.template_id).await?;
        tx.commit().await?;
        Ok(VerifiedCoupon {
            verification,
            coupon: HeldCoupon { coupon, template },
        })
    }

    async fn verification_in(
        self,
        tx: &mut impl crate::coupons::CouponsTx,
        merchant_id: MerchantId,
        id: VerificationId,
    ) -> Result<Verification> {
        tx.coupons()
            .verification(merchant_id, id)
            .await?
            .ok_or(Error::NotFound(crate::coupons::VERIFICATION))
    }

    /// # Errors
    /// `verification_not_found`.
    #[tracing::instrument(level = "debug", skip_all, fields(merchant = %merchant_id, id = %id))]
    pub async fn verification(
        self,
        merchant_id: MerchantId,
        id: VerificationId,
    ) -> Result<Verification> {
        let mut tx = self.uow.begin(TxMode::Lookup).await?;
        self.verification_in(&mut tx, merchant_id, id).await
    }

    /// The verification log, newest first, of one store or all.
    ///
    /// # Errors
    /// Storage failures only.
    #[tracing::instrument(level = "debug", skip_all, fields(merchant = %merchant_id))]
    pub async fn verifications(
        self,
        merchant_id: MerchantId,
        store_id: Option<StoreId>,
        before: Option<VerificationId>,
        limit: u64,
    ) -> Result<Vec<Verification>> {
        let mut tx = self.uow.begin(TxMode::Lookup).await?;
        Ok(tx
            .coupons()
            .verifications(merchant_id, store_id, before, limit)
            .await?)
    }
}
