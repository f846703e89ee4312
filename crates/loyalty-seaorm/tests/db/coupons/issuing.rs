//! Coupons given by the merchant on real databases: sends to a segment reach its members once
//! even when repeated, sends to listed members stop at the stock and the limit, registration and
//! birthday gifts are given once.

use super::{held, template, template_now};
use crate::support::refusal;
use crate::support::*;
use chrono::Duration;
use loyalty_core::checkout::{CheckoutSettings, CouponGifts};
use loyalty_core::coupons::CouponsError;
use loyalty_core::coupons::MemberSegment;
use loyalty_core::coupons::{HeldCoupon, IssueCoupons, IssueReport, IssueTarget};
use loyalty_core::kernel::{CouponTemplateId, MemberId};
use loyalty_core::merchants::Merchant;
use loyalty_core::settings::Setting;
use loyalty_seaorm::on_both_databases;
use loyalty_seaorm::testing::TestDatabase;
use serde_json::json;

on_both_databases! {
    a_send_to_a_segment_reaches_its_members_once_even_when_repeated => super::segment_send;
    a_send_to_listed_members_stops_at_the_stock_and_the_limit => super::listed_send;
    registration_and_birthday_gifts_are_given_once => super::gifts;
}

async fn send(
    w: &World,
    merchant: &Merchant,
    template: CouponTemplateId,
    target: IssueTarget,
    batch: &str,
) -> IssueReport {
    w.loyalty
        .coupons()
        .issue(IssueCoupons {
            merchant_id: merchant.id,
            template_id: template,
            target,
            batch: batch.into(),
        })
        .await
        .expect("sent")
}

async fn segment_send(db: &TestDatabase) {
    let w = world(db);
    let (merchant, _) = merchant(&w, "segment").await;
    let template = template(&w, &merchant, json!({"claimable": false})).await;
    let people = members(&w, &merchant, "138", 5).await;
    // Two big spenders long ago, one small spender recently, two who never bought.
    commit(&w, order(&merchant, &people[0], "300.00")).await;
    commit(&w, order(&merchant, &people[1], "250.00")).await;
    w.clock.advance(Duration::days(40));
    commit(&w, order(&merchant, &people[2], "20.00")).await;
    let lapsed_big = MemberSegment {
        last_order_before: Some(w.clock_now() - Duration::days(30)),
        spend_min: Some(money("200.00")),
        ..MemberSegment::default()
    };
    let report = send(
        &w,
        &merchant,
        template,
        IssueTarget::Segment(lapsed_big.clone()),
        "winback-1",
    )
    .await;
    assert_eq!((report.issued, report.already_issued), (2, 0));
    let again = send(
        &w,
        &merchant,
        template,
        IssueTarget::Segment(lapsed_big),
        "winback-1",
    )
    .await;
    assert_eq!((again.issued, again.already_issued), (0, 2));
    let holders: Vec<usize> = {
        let mut v = Vec::new();
        for (i, m) in people.iter().enumerate() {
            if !held(&w, m).await.is_empty() {
                v.push(i);
            }
        }
        v
    };
    assert_eq!(holders, vec![0, 1]);
    let recent = MemberSegment {
        last_order_since: Some(w.clock_now() - Duration::days(1)),
        spend_max: Some(money("50.00")),
        ..MemberSegment::default()
    };
    let report = send(
        &w,
        &merchant,
        template,
        IssueTarget::Segment(recent),
        "welcome-back",
    )
    .await;
    assert_eq!(report.issued, 1);
    assert_eq!(held(&w, &people[2]).await.len(), 1);
    // A member's own claim of a template that is not claimable is refused.
    let own = claim(&w, &people[3], template).await;
    assert!(
        matches!(refusal(&own), Some(CouponsError::ClaimClosed)),
        "{own:?}"
    );
}

async fn listed_send(db: &TestDatabase) {
    let w = world(db);
    let (merchant, _) = merchant(&w, "listed").await;
    let template = template(&w, &merchant, json!({"stock": 3, "per_member_limit": 1})).await;
    let people = members(&w, &merchant, "138", 5).await;
    claim(&w, &people[0], template)
        .await
        .expect("claimed before the send");
    let mut ids: Vec<MemberId> = people.iter().map(|m| m.id).collect();
    ids.push(MemberId::new());
    let report = send(&w, &merchant, template, IssueTarget::Members(ids), "vip").await;
    assert_eq!(
        report,
        IssueReport {
            issued: 2,
            already_issued: 0,
            at_limit: 1,
            unknown: 1,
            out_of_stock: 2,
        }
    );
    let t = template_now(&w, &merchant, template).await;
    assert_eq!(t.issued, 3);
}

async fn gifts(db: &TestDatabase) {
    let w = world(db);
    let (merchant, _) = merchant(&w, "gifts").await;
    let welcome = template(&w, &merchant, json!({"name": "新人券", "claimable": false})).await;
    // Its low-stock alert fires with the first gift: the job counts coupons, not events.
    let birthday = template(
        &w,
        &merchant,
        json!({"name": "生日券", "claimable": false, "stock": 2, "low_stock_alert": 1}),
    )
    .await;
    let checkout = CheckoutSettings {
        gifts: CouponGifts {
            registration: vec![welcome],
            birthday: vec![birthday],
        },
        ..CheckoutSettings::default()
    };
    put_setting(&w, &merchant, Setting::Checkout(checkout)).await;
    let today = w.clock_now().date_naive();
    let m = member(&w, &merchant, "13800000001")
        .unnamed()
        .born_on(Some(today))
        .await;
    let names = |list: Vec<HeldCoupon>| -> Vec<String> {
        let mut n: Vec<String> = list.into_iter().map(|h| h.template.rules.name).collect();
        n.sort();
        n
    };
    assert_eq!(names(held(&w, &m).await), vec!["新人券".to_owned()]);
    assert_eq!(
        w.loyalty
            .coupons()
            .give_birthday_coupons(100)
            .await
            .expect("job"),
        1
    );
    assert_eq!(
        w.loyalty
            .coupons()
            .give_birthday_coupons(100)
            .await
            .expect("job again"),
        0
    );
    assert_eq!(
        names(held(&w, &m).await),
        vec!["新人券".to_owned(), "生日券".to_owned()]
    );
    // A year later, once more.
    w.clock.advance(Duration::days(365));
    assert_eq!(
        w.loyalty
            .coupons()
            .give_birthday_coupons(100)
            .await
            .expect("next year"),
        1
    );
}
