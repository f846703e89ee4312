//! Staff over HTTP: roles (who may manage whom), store scope for managers and cashiers, masked
//! phones for cashiers, revocation on change and logout, and a tenant-isolation matrix. A
//! merchant with one account of every role is shared by its modules.

use loyalty_tests::{Answer, STAFF_PASSWORD, TestApp, staff_account};
use reqwest::StatusCode;

mod isolation_matrix;
mod lookups;
mod passwords;
mod roles;
mod sessions;

/// HQ's `token` opens an account of `role` in `stores`, shown by its username: the server's
/// answer, whatever it is.
pub(super) async fn create_staff(
    app: &TestApp,
    token: &str,
    username: &str,
    role: &str,
    stores: &[&str],
) -> Answer {
    app.create_staff(token, staff_account(username, username, role, stores))
        .await
}

/// A merchant with a second store and one account of every role; returns the tokens by role
/// and the two store ids.
pub(super) async fn merchant_with_roles(
    app: &TestApp,
    code: &str,
) -> (Vec<(&'static str, String)>, String, String) {
    let shop = app.merchant(code).await;
    let main_store = shop.default_store();
    let branch = app.store(&shop.owner, "分店").await;
    let accounts: [(&str, &str, &[&str]); 3] = [
        ("admin", "admin", &[]),
        ("manager", "store_manager", &[&branch]),
        ("cashier", "cashier", &[&branch]),
    ];
    for (username, role, stores) in accounts {
        assert_eq!(
            create_staff(app, &shop.owner, username, role, stores)
                .await
                .status,
            StatusCode::CREATED
        );
    }
    let mut tokens = vec![("owner", shop.owner)];
    for role in ["admin", "manager", "cashier"] {
        tokens.push((role, app.sign_in_staff(code, role, STAFF_PASSWORD).await));
    }
    (tokens, main_store, branch)
}

/// The token of `role` among `tokens`.
pub(super) fn token<'a>(tokens: &'a [(&'static str, String)], role: &str) -> &'a str {
    &tokens.iter().find(|(r, _)| *r == role).expect("role").1
}
