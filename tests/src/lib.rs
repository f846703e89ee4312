//! Helpers for the black-box tests: a server on port 0 over a fresh database, and an HTTP
//! client that speaks to it as the mini-program, the till and the platform would; builders
//! for the setup the tests share ([`fixtures`]), a mock of Aliyun's SMS API ([`aliyun`]) and a
//! calendar by hand ([`calendar`]).

pub mod aliyun;
pub mod calendar;
pub mod fixtures;

pub use fixtures::{Merchant, STAFF_PASSWORD, staff_account, string};

use loyalty_seaorm::testing::TestDatabase;
use loyalty_server::{Application, Settings};
use reqwest::{Client, Method, RequestBuilder, Response, StatusCode};
use serde_json::Value;

pub const PLATFORM_KEY: &str = "platform-key-for-tests-0123456789";

/// A running server and what it stands on.
pub struct TestApp {
    pub base: String,
    pub client: Client,
}

/// An HTTP answer, read once.
#[derive(Debug)]
pub struct Answer {
    pub status: StatusCode,
    pub content_type: String,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
    pub text: String,
}

impl Answer {
    async fn read(response: Response) -> Self {
        let status = response.status();
        let headers = response.headers().clone();
        let content_type = headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let text = response.text().await.expect("a body");
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        Self {
            status,
            content_type,
            headers,
            body,
            text,
        }
    }

    /// A header's value, if it is there and is text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The seconds `Retry-After` says to wait.
    ///
    /// # Panics
    /// When the answer has no such header.
    pub fn retry_after(&self) -> u64 {
        self.header("retry-after")
            .and_then(|v| v.parse().ok())
            .expect("Retry-After seconds")
    }

    /// Asserts a problem+json answer with this status and code.
    #[track_caller]
    pub fn assert_problem(&self, status: u16, code: &str) {
        assert_eq!(self.status.as_u16(), status, "{}", self.text);
        assert_eq!(
            self.content_type, "application/problem+json",
            "{}",
            self.text
        );
        assert_eq!(self.body["code"], code, "{}", self.text);
        assert_eq!(self.body["status"], status, "{}", self.text);
    }

    /// Asserts a 422 `validation_failed` whose first error names `field`.
    #[track_caller]
    pub fn assert_invalid_field(&self, field: &str) {
        self.assert_problem(422, "validation_failed");
        assert_eq!(self.body["errors"][0]["field"], field, "{}", self.text);
    }
}

/// Starts the server on `db` with the platform key, dev member login and dev WeChat sign-in.
pub async fn spawn_app(db: &TestDatabase) -> TestApp {
    spawn_app_with(db, |_| {}).await
}

/// Like [`spawn_app`], with `adjust` changing the settings last.
pub async fn spawn_app_with(db: &TestDatabase, adjust: impl FnOnce(&mut Settings)) -> TestApp {
    let mut settings = Settings::default();
    settings.server.port = 0;
    settings.server.workers = Some(2);
    settings.server.expiry_interval_seconds = 0;
    settings.server.tier_review_interval_seconds = 0;
    settings.database.url = db.url.clone();
    settings.platform.api_key = Some(PLATFORM_KEY.into());
    settings.auth.token_secret = Some("a-test-secret-of-at-least-32-bytes!!".into());
    settings.auth.dev_member_login = true;
    settings.demo.seed_on_first_start = Some(false);
    settings.wechat.mode = loyalty_server::config::WeChatMode::Dev;
    adjust(&mut settings);
    if std::env::var("TEST_LOG").is_ok() {
        loyalty_server::telemetry::init("info");
    }
    let app = Application::build(settings)
        .await
        .expect("the server starts");
    let base = format!("http://127.0.0.1:{}", app.port());
    tokio::spawn(app.run_until_stopped());
    TestApp {
        base,
        client: Client::new(),
    }
}

impl TestApp {
    pub fn request(&self, method: Method, path: &str, token: Option<&str>) -> RequestBuilder {
        let request = self.client.request(method, format!("{}{path}", self.base));
        match token {
            Some(token) => request.bearer_auth(token),
            None => request,
        }
    }

    pub async fn send(&self, request: RequestBuilder) -> Answer {
        Answer::read(request.send().await.expect("the server answers")).await
    }

    pub async fn get(&self, path: &str, token: &str) -> Answer {
        self.send(self.request(Method::GET, path, Some(token)))
            .await
    }

    /// A request with a JSON body, as `token` (or nobody) sends it.
    pub async fn send_json(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: &Value,
    ) -> Answer {
        self.send(self.request(method, path, token).json(body))
            .await
    }

    pub async fn post(&self, path: &str, token: &str, body: Value) -> Answer {
        self.send_json(Method::POST, path, Some(token), &body).await
    }

    /// A request with no token: what anyone may send, like a sign-in.
    pub async fn post_anonymously(&self, path: &str, body: Value) -> Answer {
        self.send_json(Method::POST, path, None, &body).await
    }

    pub async fn put(&self, path: &str, token: &str, body: Value) -> Answer {
        self.send_json(Method::PUT, path, Some(token), &body).await
    }

    pub async fn patch(&self, path: &str, token: &str, body: Value) -> Answer {
        self.send_json(Method::PATCH, path, Some(token), &body)
            .await
    }

    pub async fn post_with_key(&self, path: &str, token: &str, key: &str, body: Value) -> Answer {
        self.send(
            self.request(Method::POST, path, Some(token))
                .header("Idempotency-Key", key)
                .json(&body),
        )
        .await
    }

    /// Sends a request with an `Idempotency-Key`, then sends it again as a till retries after
    /// a lost answer; returns the first answer and the retry's.
    pub async fn post_with_key_twice(
        &self,
        path: &str,
        token: &str,
        key: &str,
        body: Value,
    ) -> (Answer, Answer) {
        let first = self.post_with_key(path, token, key, body.clone()).await;
        let again = self.post_with_key(path, token, key, body).await;
        (first, again)
    }
}
