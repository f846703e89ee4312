//! Registration at the till on real databases: a member belongs to one merchant, whose other
//! tenants neither see them nor register at its stores.

use crate::support::*;
use loyalty_seaorm::on_both_databases;
use loyalty_seaorm::testing::TestDatabase;

on_both_databases! {
    a_member_of_one_merchant_is_unknown_to_another => super::tenant_isolation;
}

async fn tenant_isolation(db: &TestDatabase) {
    let w = world(db);
    let (a, _) = merchant(&w, "tenant-a").await;
    let (b, b_store) = merchant(&w, "tenant-b").await;
    let m = member(&w, &a, "13822223333").await;

    assert_eq!(
        w.loyalty
            .members()
            .member(b.id, m.id)
            .await
            .expect_err("other tenant")
            .code(),
        "member_not_found"
    );
    assert_eq!(
        w.loyalty
            .members()
            .by_phone(b.id, m.phone.as_ref().expect("registered by phone"))
            .await
            .expect_err("other tenant")
            .code(),
        "member_not_found"
    );
    assert_eq!(
        w.loyalty
            .points()
            .ledger(b.id, m.id, None, 10)
            .await
            .expect_err("other tenant")
            .code(),
        "member_not_found"
    );
    // The same phone may belong to a member of another merchant.
    member(&w, &b, "13822223333").await;
    // A store of merchant B cannot take a registration for merchant A.
    let cross = member(&w, &a, "13822224444")
        .unnamed()
        .at_store(b_store.id)
        .command();
    assert_eq!(
        w.loyalty
            .members()
            .register(cross)
            .await
            .expect_err("foreign store")
            .code(),
        "store_not_found"
    );
}
