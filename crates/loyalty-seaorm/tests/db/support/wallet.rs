//! The merchant wallet: payments in, withdrawals asked for and reviewed.

use super::{World, done, money};
use loyalty_core::Error;
use loyalty_core::kernel::WithdrawalId;
use loyalty_core::merchants::Merchant;
use loyalty_core::wallet::{RecordPayment, RequestWithdrawal, ReviewWithdrawal, WalletWithdrawal};

/// A payment of `amount` to the merchant under this reference.
pub fn payment(merchant: &Merchant, payment_ref: &str, amount: &str) -> RecordPayment {
    RecordPayment {
        merchant_id: merchant.id,
        payment_ref: payment_ref.into(),
        amount: money(amount),
    }
}

/// Records the [`payment`].
pub async fn paid_in(w: &World, merchant: &Merchant, payment_ref: &str, amount: &str) {
    w.loyalty
        .wallet()
        .record_payment(payment(merchant, payment_ref, amount), None)
        .await
        .expect("payment recorded");
}

/// Asks to withdraw `amount` (no idempotency key, so never a replay).
pub async fn withdraw(
    w: &World,
    merchant: &Merchant,
    amount: &str,
) -> Result<WalletWithdrawal, Error> {
    let cmd = RequestWithdrawal {
        merchant_id: merchant.id,
        amount: money(amount),
        note: None,
        requested_by: None,
    };
    w.loyalty
        .wallet()
        .request_withdrawal(cmd, None)
        .await
        .map(done)
}

/// The platform's review of the withdrawal, with its note.
pub fn review(id: WithdrawalId, approve: bool, note: Option<&str>) -> ReviewWithdrawal {
    ReviewWithdrawal {
        id,
        approve,
        note: note.map(str::to_owned),
    }
}
