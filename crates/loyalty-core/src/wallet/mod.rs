mod error;
mod model;
mod ports;
mod usecases;

pub use error::{WITHDRAWAL, WalletError};
pub use model::{Wallet, WalletEntry, WalletEntryKind, WalletWithdrawal, WithdrawalStatus};
#[cfg(any(test, feature = "mocks"))]
pub use ports::MockWalletRepository;
pub use ports::WalletRepository;
pub use ports::WalletTx;
pub use usecases::{RecordPayment, RequestWithdrawal, ReviewWithdrawal};

crate::engine::service!(
    WalletService,
    wallet,
    "The merchant wallet: payments, withdrawals and their review."
);
