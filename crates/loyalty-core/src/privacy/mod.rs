//! Members' privacy (PIPL, 个人信息保护法): a member's data on request, and erasure of the
//! personal part of it. Erasure keeps every amount (points, lots, ledgers, orders, coupons,
//! cards) on the anonymised member, so balances, the liability and every figure stay exact.

mod error;
mod usecases;

pub use error::PrivacyError;
pub use usecases::MemberExport;

crate::engine::service!(
    PrivacyService,
    privacy,
    "Members' privacy: exporting one member's data and erasing its personal part."
);
