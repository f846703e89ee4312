//! The unit of work itself: a transaction dropped without commit keeps nothing, and on
//! SQLite (where write transactions share group commits) takes nothing of the others with it.

use crate::support::*;
use loyalty_core::kernel::Transaction;
use loyalty_core::kernel::{MemberId, Phone};
use loyalty_core::kernel::{TxMode, UnitOfWork};
use loyalty_core::members::Member;
use loyalty_core::members::MembersTx;
use loyalty_seaorm::SeaUnitOfWork;
use loyalty_seaorm::on_both_databases;
use loyalty_seaorm::testing::TestDatabase;
use std::sync::Arc;

on_both_databases! {
    concurrent_commits_are_kept_and_dropped_transactions_leave_nothing => super::commits_and_drops;
}

fn new_member(merchant: &loyalty_core::merchants::Merchant, i: usize) -> Member {
    let id = MemberId::new();
    Member {
        phone: Some(Phone::parse(&format!("137{i:08}")).expect("phone")),
        invite_code: format!("U{i:07}"),
        ..Member::new(id, merchant.id, start())
    }
}

async fn commits_and_drops(db: &TestDatabase) {
    let w = world(db);
    let (merchant, _) = merchant(&w, "uow").await;
    let uow = Arc::new(SeaUnitOfWork::new(db.db.clone()));
    let tasks: Vec<_> = (0..60)
        .map(|i| {
            let (uow, member) = (Arc::clone(&uow), new_member(&merchant, i));
            tokio::spawn(async move {
                let mut tx = uow.begin(TxMode::Write).await.expect("begins");
                tx.members().insert_member(&member).await.expect("inserted");
                if i % 2 == 0 {
                    tx.commit().await.expect("commits");
                }
                (member, i % 2 == 0)
            })
        })
        .collect();
    let mut outcomes = Vec::new();
    for task in tasks {
        outcomes.push(task.await.expect("ran"));
    }
    for (member, committed) in outcomes {
        let found = w
            .loyalty
            .members()
            .member(merchant.id, member.id)
            .await
            .is_ok();
        assert_eq!(
            found, committed,
            "member {:?} committed={committed}",
            member.phone
        );
    }
}
