//! SMS sign-in codes on real databases: limits per phone, single use, 5 wrong tries, a
//! 5-minute life, registration on first sign-in.

use crate::support::*;
use chrono::{DateTime, Duration, Utc};
use loyalty_core::Error;
use loyalty_core::events::DomainEvent;
use loyalty_core::kernel::Phone;
use loyalty_core::members::WeChatLogin;
use loyalty_seaorm::on_both_databases;
use loyalty_seaorm::testing::TestDatabase;

on_both_databases! {
    an_sms_code_signs_in_once_and_registers_a_new_member => super::sign_in_once;
    sms_codes_are_limited_per_phone_die_after_five_wrong_tries_and_expire => super::limits_tries_expiry;
}

fn phone(s: &str) -> Phone {
    Phone::parse(s).expect("phone")
}

/// Asks the shop for a sign-in code sent to the phone; answers when it expires.
async fn request_code(w: &World, shop: &str, p: &Phone) -> Result<DateTime<Utc>, Error> {
    w.loyalty.members().request_login_code(shop, p).await
}

/// Signs in at the shop with the phone and this code.
async fn sign_in(w: &World, shop: &str, p: &Phone, code: &str) -> Result<WeChatLogin, Error> {
    w.loyalty.members().login_with_sms(shop, p, code).await
}

/// The code the notifier was last asked to send.
fn last_code(w: &World) -> String {
    w.notifier
        .events()
        .iter()
        .rev()
        .find_map(|e| match e {
            DomainEvent::LoginCodeRequested { code, .. } => Some(code.clone()),
            _ => None,
        })
        .expect("a code was sent")
}

async fn sign_in_once(db: &TestDatabase) {
    let w = world(db);
    merchant(&w, "sms-shop").await;
    let p = phone("13600000001");
    let expires = request_code(&w, "sms-shop", &p).await.expect("sent");
    assert_eq!(expires, start() + Duration::minutes(5));
    let first = last_code(&w);
    assert_eq!(
        request_code(&w, "sms-shop", &p)
            .await
            .expect_err("one a minute")
            .code(),
        "too_many_requests"
    );
    w.clock.advance(Duration::seconds(61));
    request_code(&w, "sms-shop", &p)
        .await
        .expect("a new minute");
    let second = last_code(&w);
    if first != second {
        assert_eq!(
            sign_in(&w, "sms-shop", &p, &first)
                .await
                .expect_err("only the latest code")
                .code(),
            "invalid_code"
        );
    }

    let login = sign_in(&w, "sms-shop", &p, &second)
        .await
        .expect("signs in");
    assert!(login.registered);
    assert_eq!(login.member.phone, Some(p.clone()));
    assert_eq!(
        sign_in(&w, "sms-shop", &p, &second)
            .await
            .expect_err("used")
            .code(),
        "invalid_code"
    );
    w.clock.advance(Duration::seconds(61));
    request_code(&w, "sms-shop", &p).await.expect("sent");
    let again = sign_in(&w, "sms-shop", &p, &last_code(&w))
        .await
        .expect("signs in");
    assert_eq!(
        (again.registered, again.member.id),
        (false, login.member.id)
    );
}

async fn limits_tries_expiry(db: &TestDatabase) {
    let w = world(db);
    merchant(&w, "sms-limits").await;
    let p = phone("13600000002");

    request_code(&w, "sms-limits", &p).await.expect("sent");
    let code = last_code(&w);
    let wrong = if code == "000000" { "111111" } else { "000000" };
    for _ in 0..5 {
        assert_eq!(
            sign_in(&w, "sms-limits", &p, wrong)
                .await
                .expect_err("wrong")
                .code(),
            "invalid_code"
        );
    }
    assert_eq!(
        sign_in(&w, "sms-limits", &p, &code)
            .await
            .expect_err("no tries left")
            .code(),
        "invalid_code"
    );

    w.clock.advance(Duration::seconds(61));
    request_code(&w, "sms-limits", &p).await.expect("sent");
    let code = last_code(&w);
    w.clock.advance(Duration::minutes(5));
    assert_eq!(
        sign_in(&w, "sms-limits", &p, &code)
            .await
            .expect_err("expired")
            .code(),
        "invalid_code"
    );

    // Five codes an hour: three sent above and below, the sixth in the hour is refused.
    for _ in 0..3 {
        w.clock.advance(Duration::seconds(61));
        request_code(&w, "sms-limits", &p)
            .await
            .expect("within the hour");
    }
    w.clock.advance(Duration::seconds(61));
    let refused = request_code(&w, "sms-limits", &p)
        .await
        .expect_err("five an hour");
    assert_eq!(refused.code(), "too_many_requests");
    assert!(
        refused
            .retry_after_secs()
            .is_some_and(|s| s > 60 && s <= 3600),
        "{refused:?}"
    );
}
