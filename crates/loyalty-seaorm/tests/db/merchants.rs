//! Merchants and their stores on real databases: the business keys of merchants, stores and
//! members answer with stable codes; stores list the default first, and a closed store takes no
//! orders.

use crate::support::*;
use loyalty_core::merchants::{CreateMerchant, CreateStore, MerchantsError, UpdateStore};
use loyalty_seaorm::on_both_databases;
use loyalty_seaorm::testing::TestDatabase;

on_both_databases! {
    unique_business_keys_answer_with_stable_codes => super::unique_keys;
    stores_list_the_default_first_and_it_cannot_be_closed => super::stores;
}

async fn unique_keys(db: &TestDatabase) {
    let w = world(db);
    let (a, _) = merchant(&w, "alpha").await;
    member(&w, &a, "13811112222").await;
    let again = member(&w, &a, "+86 138-1111-2222").unnamed().command();
    assert_eq!(
        w.loyalty
            .members()
            .register(again)
            .await
            .expect_err("duplicate")
            .code(),
        "member_exists"
    );

    let err = w
        .loyalty
        .merchants()
        .create_merchant(support_merchant("alpha"))
        .await
        .expect_err("code taken");
    assert_eq!(err.code(), "merchant_code_taken");

    let err = w
        .loyalty
        .merchants()
        .create_store(CreateStore {
            merchant_id: a.id,
            name: "总店".into(),
        })
        .await
        .expect_err("name taken");
    assert_eq!(err.code(), "store_name_taken");
}

fn support_merchant(code: &str) -> CreateMerchant {
    CreateMerchant {
        code: code.into(),
        name: "Again".into(),
        time_zone: Default::default(),
        earning: Default::default(),
        expiry: Default::default(),
        default_store_name: "总店".into(),
        owner_username: "owner".into(),
        owner_display_name: "Owner".into(),
        owner_password_hash: "x".into(),
    }
}

async fn stores(db: &TestDatabase) {
    let w = world(db);
    let (a, default) = merchant(&w, "stores").await;
    let branch = branch(&w, &a, "  二店 ").await;
    assert_eq!(branch.name, "二店");
    let names: Vec<_> = w
        .loyalty
        .merchants()
        .stores(a.id)
        .await
        .expect("list")
        .into_iter()
        .map(|s| s.name)
        .collect();
    assert_eq!(names, vec!["总店".to_owned(), "二店".to_owned()]);
    // An order at the branch (its lookup is cached now) …
    let m = member(&w, &a, "13800009999").await;
    let at_branch = || loyalty_core::checkout::CommitOrder {
        store_id: Some(branch.id),
        ..order(&a, &m, "1.00")
    };
    w.loyalty
        .checkout()
        .commit(at_branch(), None)
        .await
        .expect("the branch is open");
    let close_default = UpdateStore {
        merchant_id: a.id,
        store_id: default.id,
        name: None,
        active: Some(false),
    };
    assert_eq!(
        w.loyalty
            .merchants()
            .update_store(close_default)
            .await
            .expect_err("refused")
            .refusal::<MerchantsError>(),
        Some(&MerchantsError::DefaultStoreStaysOpen)
    );
    let renamed = w
        .loyalty
        .merchants()
        .update_store(UpdateStore {
            merchant_id: a.id,
            store_id: branch.id,
            name: Some("三店".into()),
            active: Some(false),
        })
        .await
        .expect("updated");
    assert_eq!((renamed.name.as_str(), renamed.active), ("三店", false));
    // … and once it is closed, the next order there is refused at once.
    let refused = w
        .loyalty
        .checkout()
        .commit(at_branch(), None)
        .await
        .expect_err("closed");
    assert_eq!(refused.field(), Some("store_id"));
}
