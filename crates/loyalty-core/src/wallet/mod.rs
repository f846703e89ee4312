mod error;
mod model;
mod ports;
mod usecases;

pub use error::{WITHDRAWAL, WalletError};
pub use model::{Wallet, WalletEntry, WalletEntryKind, WalletWithdrawal, WithdrawalStatus};
#[cfg(any(test, feature = "mocks"))]
pub use ports::MockWalletRepository;
pub use ports::WalletTx;
pub use ports::{WALLET_ENTRY_SOURCE_KEY, WalletRepository};
pub use usecases::{RecordPayment, RequestWithdrawal, ReviewWithdrawal};

crate::engine::service!(
    WalletService,
    wallet,
    "The merchant wallet: payments, withdrawals and their review."
);
