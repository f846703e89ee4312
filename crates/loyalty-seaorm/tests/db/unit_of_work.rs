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

/// Every pooled SQLite connection keeps the page cache it was configured with (the server's
/// memory under load grows by about that much per connection).
#[tokio::test]
async fn every_pooled_sqlite_connection_keeps_the_configured_page_cache() {
    use loyalty_seaorm::{ConnectSettings, connect};
    use sea_orm::ConnectionTrait;
    let dir = tempfile::tempdir().expect("a temporary folder");
    let url = format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("cache.db").display()
    );
    let settings = ConnectSettings {
        max_connections: 3,
        sqlite_page_cache_kib: 512,
        ..ConnectSettings::new(url)
    };
    let db = connect(&settings).await.expect("opens");
    // Three reads at once take three connections of the pool.
    let read = || async {
        let row = db
            .query_one_raw(sea_orm::Statement::from_string(
                sea_orm::DbBackend::Sqlite,
                "PRAGMA cache_size",
            ))
            .await
            .expect("reads")
            .expect("a row");
        row.try_get_by_index::<i64>(0).expect("a number")
    };
    let (a, b, c) = tokio::join!(read(), read(), read());
    assert_eq!((a, b, c), (-512, -512, -512));
}
