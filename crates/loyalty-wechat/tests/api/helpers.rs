//! Shared fixtures: a mock WeChat, a client aimed at it, a clock moved by hand.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use loyalty_wechat::{BusyRetry, Clock, Secret, WeChatClient, WeChatConfig};
use serde_json::{Value, json};
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

pub const APP_ID: &str = "wx0123456789abcdef";
pub const APP_SECRET: &str = "app-secret-never-printed";

/// A clock that moves only when told to.
pub struct ManualClock {
    start: Instant,
    offset: Mutex<Duration>,
}

impl ManualClock {
    pub fn new() -> Self {
        Self {
            start: Instant::now(),
            offset: Mutex::new(Duration::ZERO),
        }
    }

    pub fn advance(&self, by: Duration) {
        *self.offset.lock().expect("clock lock") += by;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Instant {
        self.start + *self.offset.lock().expect("clock lock")
    }
}

pub struct TestApp {
    pub server: MockServer,
    pub client: WeChatClient,
    pub clock: Arc<ManualClock>,
}

/// The configuration tests use: a 2 s timeout and 1 ms busy backoff so retries cost nothing.
pub fn test_config(base_url: &str) -> WeChatConfig {
    WeChatConfig::new(APP_ID, Secret::new(APP_SECRET))
        .with_base_url(base_url)
        .with_timeout(Duration::from_secs(2))
        .with_busy_retry(BusyRetry {
            max_attempts: 3,
            backoff: Duration::from_millis(1),
        })
}

pub async fn spawn_app() -> TestApp {
    let server = MockServer::start().await;
    let clock = Arc::new(ManualClock::new());
    let client =
        WeChatClient::with_clock(test_config(&server.uri()), clock.clone()).expect("client builds");
    TestApp {
        server,
        client,
        clock,
    }
}

pub fn ok_json(body: Value) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(body)
}

/// WeChat's error shape, served with HTTP 200 as WeChat does.
pub fn errcode(code: i64, msg: &str) -> ResponseTemplate {
    ok_json(json!({ "errcode": code, "errmsg": format!("{msg} rid: 6650a1b2-0c3d4e5f-1a2b3c4d") }))
}

/// The token endpoint, matched on its full query, answering `token` for `times` requests
/// (then falling through to later mocks) and expecting exactly that many.
pub async fn mount_token(server: &MockServer, token: &str, expires_in: u64, times: u64) {
    Mock::given(method("GET"))
        .and(path("/cgi-bin/token"))
        .and(query_param("grant_type", "client_credential"))
        .and(query_param("appid", APP_ID))
        .and(query_param("secret", APP_SECRET))
        .respond_with(ok_json(
            json!({ "access_token": token, "expires_in": expires_in }),
        ))
        .up_to_n_times(times)
        .expect(times)
        .named(format!("token {token}"))
        .mount(server)
        .await;
}
