use loyalty_wechat::{Lang, MiniProgramState, SubscribeMessage, WeChatError};
use serde_json::json;
use wiremock::matchers::{body_json, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::helpers::{errcode, mount_token, ok_json, spawn_app};

const PATH: &str = "/cgi-bin/message/subscribe/send";

fn points_message() -> SubscribeMessage {
    SubscribeMessage::new("o-user-1", "TEMPLATE-points-earned")
        .page("pages/points/index?from=msg")
        .field("thing1", "Tea House Nanshan")
        .field("number2", "120")
        .state(MiniProgramState::Trial)
        .lang(Lang::EnUs)
}

async fn mount_send(server: &MockServer, answer: ResponseTemplate) {
    Mock::given(method("POST"))
        .and(path(PATH))
        .and(query_param("access_token", "token-1"))
        .respond_with(answer)
        .expect(1)
        .mount(server)
        .await;
}

#[tokio::test]
async fn a_message_is_sent_in_wechats_body_shape() {
    let app = spawn_app().await;
    mount_token(&app.server, "token-1", 7200, 1).await;
    Mock::given(method("POST"))
        .and(path(PATH))
        .and(query_param("access_token", "token-1"))
        .and(body_json(json!({
            "touser": "o-user-1",
            "template_id": "TEMPLATE-points-earned",
            "page": "pages/points/index?from=msg",
            "data": {
                "thing1": { "value": "Tea House Nanshan" },
                "number2": { "value": "120" }
            },
            "miniprogram_state": "trial",
            "lang": "en_US"
        })))
        .respond_with(ok_json(
            json!({ "errcode": 0, "errmsg": "ok", "msgid": 2_837_561_234_u64 }),
        ))
        .expect(1)
        .mount(&app.server)
        .await;

    let sent = app.client.send_subscribe_message(&points_message()).await;

    assert!(sent.is_ok(), "{sent:?}");
}

#[tokio::test]
async fn unset_optional_fields_are_left_out_of_the_body() {
    let app = spawn_app().await;
    mount_token(&app.server, "token-1", 7200, 1).await;
    Mock::given(method("POST"))
        .and(path(PATH))
        .and(body_json(json!({
            "touser": "o-user-1",
            "template_id": "T1",
            "data": { "thing1": { "value": "hi" } }
        })))
        .respond_with(ok_json(json!({ "errcode": 0, "errmsg": "ok" })))
        .expect(1)
        .mount(&app.server)
        .await;
    let message = SubscribeMessage::new("o-user-1", "T1").field("thing1", "hi");

    let sent = app.client.send_subscribe_message(&message).await;

    assert!(sent.is_ok(), "{sent:?}");
}

#[tokio::test]
async fn errcode_43101_means_the_user_refused_the_subscription() {
    let app = spawn_app().await;
    mount_token(&app.server, "token-1", 7200, 1).await;
    mount_send(&app.server, errcode(43101, "user refuse to accept the msg")).await;

    let err = app
        .client
        .send_subscribe_message(&points_message())
        .await
        .expect_err("refused");

    assert!(matches!(err, WeChatError::SubscriptionRefused), "{err:?}");
    assert_eq!(err.code(), "subscription_refused");
}

#[tokio::test]
async fn errcode_47003_is_an_api_error_with_its_code() {
    let app = spawn_app().await;
    mount_token(&app.server, "token-1", 7200, 1).await;
    mount_send(
        &app.server,
        errcode(47003, "argument invalid! data.thing1.value invalid"),
    )
    .await;

    let err = app
        .client
        .send_subscribe_message(&points_message())
        .await
        .expect_err("invalid data");

    assert!(
        matches!(err, WeChatError::Api { errcode: 47003, .. }),
        "{err:?}"
    );
    assert!(!err.is_retryable());
}

#[tokio::test]
async fn several_calls_share_one_access_token() {
    let app = spawn_app().await;
    mount_token(&app.server, "token-1", 7200, 1).await;
    Mock::given(method("POST"))
        .and(path(PATH))
        .and(query_param("access_token", "token-1"))
        .respond_with(ok_json(json!({ "errcode": 0, "errmsg": "ok" })))
        .expect(3)
        .mount(&app.server)
        .await;

    for _ in 0..3 {
        app.client
            .send_subscribe_message(&points_message())
            .await
            .expect("sent");
    }
    let token = app.client.access_token().await.expect("token");

    assert_eq!(token, "token-1");
}

#[tokio::test]
async fn a_busy_answer_is_not_sent_again_because_the_message_may_have_gone() {
    let app = spawn_app().await;
    mount_token(&app.server, "token-1", 7200, 1).await;
    // `expect(1)`: a second request fails the test when the server drops.
    mount_send(&app.server, errcode(-1, "system error")).await;
    let err = app
        .client
        .send_subscribe_message(&points_message())
        .await
        .expect_err("busy");
    assert!(matches!(err, WeChatError::Busy { attempts: 1 }), "{err:?}");
}
