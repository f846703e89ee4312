//! Use-case tests of cards and the wallet with mocked ports: a refusal writes nothing and
//! tells nobody.

use crate::cards::CardRules;
use crate::cards::TopUpCard;
use crate::cards::{CardTemplate, MemberCard};
use crate::engine::Loyalty;
use crate::events::MockNotifier;
use crate::kernel::{CardId, CardTemplateId, MemberId, MerchantId, Money, WithdrawalId};
use crate::testing::MockTransaction;
use crate::testing::{clock, merchant, now, uow_with};
use crate::wallet::ReviewWithdrawal;
use crate::wallet::{WalletWithdrawal, WithdrawalStatus};

fn money(s: &str) -> Money {
    s.parse().expect("money")
}

#[tokio::test]
async fn a_top_up_past_the_balance_cap_writes_no_entry_commits_nothing_and_tells_nobody() {
    let (merchant_id, member_id) = (MerchantId::new(), MemberId::new());
    let template = CardTemplate {
        id: CardTemplateId::new(),
        merchant_id,
        rules: serde_json::from_value::<CardRules>(serde_json::json!({
            "kind": "stored_value", "name": "卡",
            "plans": [{"pay": "100.00", "bonus": "20.00"}], "max_balance": "200.00"
        }))
        .expect("rules"),
        active: true,
        created_by: None,
        created_at: now(),
    };
    let card = MemberCard {
        id: CardId::new(),
        merchant_id,
        member_id,
        template_id: template.id,
        principal: money("100.00"),
        bonus: money("20.00"),
        opened_at: now(),
        opened_by: None,
        store_id: None,
        uses_left: None,
        expires_at: None,
        starts_at: None,
        periods_pending: 0,
    };
    let mut lookup = MockTransaction::default();
    lookup
        .merchants
        .expect_merchant()
        .returning(|id| Ok(Some(merchant(id))));
    lookup
        .settings
        .expect_settings()
        .returning(|_| Ok(crate::testing::default_settings(now())));
    let mut tx = MockTransaction::default();
    let found = card.clone();
    tx.cards
        .expect_card()
        .returning(move |_, _, _| Ok(Some(found.clone())));
    tx.cards
        .expect_card_template()
        .returning(move |_, _| Ok(Some(template.clone())));
    tx.cards
        .expect_add_to_card()
        .withf(|_, _, principal, bonus, max| {
            (*principal, *bonus, *max) == (10_000, 2_000, Some(20_000))
        })
        .returning(|_, _, _, _, _| Ok(None));
    tx.cards.expect_insert_card_entry().never();
    tx.outbox.expect_enqueue().never();
    let committed = tx.committed.clone();
    let mut notifier = MockNotifier::new();
    notifier.expect_notify().never();
    let loyalty = Loyalty::new(uow_with(vec![lookup, tx]), clock(), notifier);

    let err = loyalty
        .cards()
        .top_up(
            TopUpCard {
                merchant_id,
                member_id,
                card_id: card.id,
                amount: money("100.00"),
                payment_ref: None,
                store_id: None,
                operator_id: None,
            },
            None,
        )
        .await
        .expect_err("over the cap");

    assert_eq!(err.code(), "card_balance_limit");
    assert!(!committed.is_set());
}

#[tokio::test]
async fn a_review_that_loses_the_race_moves_no_money_and_tells_nobody() {
    let id = WithdrawalId::new();
    let withdrawal = |status| WalletWithdrawal {
        id,
        merchant_id: MerchantId::new(),
        amount: money("300.00"),
        status,
        note: None,
        requested_by: None,
        requested_at: now(),
        reviewed_at: None,
        review_note: None,
    };
    let mut tx = MockTransaction::default();
    let mut reads = vec![
        withdrawal(WithdrawalStatus::Approved),
        withdrawal(WithdrawalStatus::Pending),
    ];
    tx.wallet
        .expect_withdrawal()
        .times(2)
        .returning(move |_| Ok(reads.pop()));
    tx.wallet
        .expect_review_withdrawal()
        .returning(|_, _, _, _| Ok(false));
    tx.wallet.expect_release_from_wallet().never();
    tx.wallet.expect_insert_wallet_entry().never();
    tx.outbox.expect_enqueue().never();
    let committed = tx.committed.clone();
    let mut notifier = MockNotifier::new();
    notifier.expect_notify().never();
    let loyalty = Loyalty::new(uow_with(vec![tx]), clock(), notifier);

    let err = loyalty
        .wallet()
        .review_withdrawal(ReviewWithdrawal {
            id,
            approve: false,
            note: Some("账户有误".into()),
        })
        .await
        .expect_err("reviewed by the other request");

    assert!(
        matches!(
            err.refusal(),
            Some(crate::wallet::WalletError::WithdrawalReviewed("approved"))
        ),
        "{err:?}"
    );
    assert!(!committed.is_set());
}
