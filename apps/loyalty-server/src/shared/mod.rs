//! What more than one audience reads or answers: merchants, stores and staff (HQ and the
//! platform), members and sign-in tokens, the points ledger, coupons and cards (a member and
//! staff), a member's data export (the member and HQ), orders (staff and the member), the wallet's movements and withdrawals (HQ and the platform), with the lists of
//! them both sides page through. What one audience's feature answers lives beside its
//! handlers.

pub mod cards;
pub mod coupons;
pub mod members;
pub mod merchants;
pub mod orders;
pub mod points;
pub mod privacy;
pub mod wallet;

/// Signed fen as yuan with two places (`-0.05`).
fn fen(amount: i64) -> String {
    let sign = if amount < 0 { "-" } else { "" };
    let abs = amount.unsigned_abs();
    format!("{sign}{}.{:02}", abs / 100, abs % 100)
}

#[cfg(test)]
mod tests {
    #[test]
    fn signed_fen_read_as_yuan_with_two_places() {
        assert_eq!(super::fen(12_000), "120.00");
        assert_eq!(super::fen(-5), "-0.05");
        assert_eq!(super::fen(0), "0.00");
    }
}
