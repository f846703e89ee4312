//! Spending stored value and giving it back: how an amount splits into principal (what the
//! member paid in) and bonus (what the merchant gave), so that the merchant's accounts and
//! every refund stay exact to the fen.

use serde::{Deserialize, Serialize};

/// In which order a payment takes a card's principal and bonus.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum SpendOrder {
    /// In proportion to what the card holds of each (the principal's share rounded down):
    /// the ratio of principal to bonus stays as it was topped up.
    #[default]
    Proportional,
    /// Principal first, bonus only when the principal is spent.
    BonusLast,
}

/// The principal and bonus (in fen) that paying `amount` fen takes from a card holding
/// `principal` and `bonus`; `None` when the card holds less than `amount`. The two add up to
/// `amount` and never exceed what the card holds of each.
#[must_use]
pub fn split_spend(
    principal: i64,
    bonus: i64,
    amount: i64,
    order: SpendOrder,
) -> Option<(i64, i64)> {
    let (principal, bonus, amount) = (principal.max(0), bonus.max(0), amount.max(0));
    let total = principal.checked_add(bonus)?;
    if amount > total {
        return None;
    }
    let from_principal = match order {
        SpendOrder::Proportional if total > 0 => {
            // floor(amount × principal / total): what is left for the bonus,
            // amount − that, is at most the bonus because amount ≤ total.
            i64::try_from(i128::from(amount) * i128::from(principal) / i128::from(total)).ok()?
        }
        SpendOrder::Proportional => 0,
        SpendOrder::BonusLast => amount.min(principal),
    };
    Some((from_principal, amount - from_principal))
}

/// What a refund gives back to the card: of an order that took `paid` (principal, bonus)
/// from the card, of which `returned` was given back before, the part for a refund that
/// brings the refunded money of the order to `refunded_after` of `order_paid` (all of what
/// is left when `whole`). Shares are taken of the running totals, so refunds in any steps
/// add up to exactly what was paid, and never more.
#[must_use]
pub fn share_back(
    paid: (i64, i64),
    returned: (i64, i64),
    order_paid: i64,
    refunded_after: i64,
    whole: bool,
) -> (i64, i64) {
    let card_paid = paid.0 + paid.1;
    if card_paid <= 0 {
        return (0, 0);
    }
    let card_after = if whole || order_paid <= 0 {
        card_paid
    } else {
        let share = i128::from(card_paid) * i128::from(refunded_after.clamp(0, order_paid))
            / i128::from(order_paid);
        i64::try_from(share).unwrap_or(card_paid).min(card_paid)
    };
    // The principal's part of what has come back in all, by the same rule as the spend.
    let principal_after =
        i64::try_from(i128::from(card_after) * i128::from(paid.0) / i128::from(card_paid))
            .unwrap_or(paid.0)
            .min(paid.0);
    let bonus_after = card_after - principal_after;
    (
        (principal_after - returned.0).max(0),
        (bonus_after - returned.1).max(0),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_payment_takes_principal_and_bonus_in_proportion_or_principal_first() {
        // 充 100 送 20: a card of 100.00 + 20.00 pays 60.00.
        assert_eq!(
            split_spend(10_000, 2_000, 6_000, SpendOrder::Proportional),
            Some((5_000, 1_000))
        );
        assert_eq!(
            split_spend(10_000, 2_000, 6_000, SpendOrder::BonusLast),
            Some((6_000, 0))
        );
        assert_eq!(
            split_spend(10_000, 2_000, 11_000, SpendOrder::BonusLast),
            Some((10_000, 1_000))
        );
        // Rounding goes to the bonus's side, never past it.
        assert_eq!(split_spend(1, 2, 1, SpendOrder::Proportional), Some((0, 1)));
        assert_eq!(
            split_spend(0, 500, 500, SpendOrder::Proportional),
            Some((0, 500))
        );
        assert_eq!(
            split_spend(10_000, 2_000, 12_001, SpendOrder::Proportional),
            None
        );
    }

    #[test]
    fn refunds_in_steps_give_back_what_was_paid_and_no_more() {
        // An order of 100.00 that took 50.00 + 10.00 from the card, refunded 30.00 then 70.00.
        let first = share_back((5_000, 1_000), (0, 0), 10_000, 3_000, false);
        assert_eq!(first, (1_500, 300));
        let rest = share_back((5_000, 1_000), first, 10_000, 10_000, true);
        assert_eq!((first.0 + rest.0, first.1 + rest.1), (5_000, 1_000));
        assert_eq!(share_back((0, 0), (0, 0), 10_000, 10_000, true), (0, 0));
    }

    proptest! {
        #[test]
        fn a_split_adds_up_and_stays_within_the_card(
            principal in 0_i64..10_000_000,
            bonus in 0_i64..10_000_000,
            amount in 0_i64..20_000_000,
            bonus_last in any::<bool>(),
        ) {
            let order = if bonus_last { SpendOrder::BonusLast } else { SpendOrder::Proportional };
            match split_spend(principal, bonus, amount, order) {
                Some((p, b)) => {
                    prop_assert_eq!(p + b, amount);
                    prop_assert!((0..=principal).contains(&p));
                    prop_assert!((0..=bonus).contains(&b));
                }
                None => prop_assert!(amount > principal + bonus),
            }
        }

        #[test]
        fn refunds_in_any_steps_add_up_to_the_payment(
            paid_p in 0_i64..1_000_000,
            paid_b in 0_i64..1_000_000,
            extra in 0_i64..1_000_000,
            cuts in proptest::collection::vec(1_i64..500_000, 0..6),
        ) {
            let order_paid = paid_p + paid_b + extra;
            prop_assume!(order_paid > 0);
            let mut refunded = 0;
            let mut back = (0_i64, 0_i64);
            for cut in cuts {
                let after = (refunded + cut).min(order_paid);
                let whole = after == order_paid;
                let step = share_back((paid_p, paid_b), back, order_paid, after, whole);
                prop_assert!(step.0 >= 0 && step.1 >= 0);
                back = (back.0 + step.0, back.1 + step.1);
                prop_assert!(back.0 <= paid_p && back.1 <= paid_b);
                refunded = after;
                if whole {
                    break;
                }
            }
            let last = share_back((paid_p, paid_b), back, order_paid, order_paid, true);
            prop_assert_eq!((back.0 + last.0, back.1 + last.1), (paid_p, paid_b));
        }
    }
}
