//! Helpers for the black-box tests: a server on port 0 over a fresh database, and an HTTP
//! client that speaks to it as the mini-program, the till and the platform would.

pub mod aliyun;

use loyalty_seaorm::testing::TestDatabase;
use loyalty_server::{Application, Settings};
use reqwest::{Client, Method, RequestBuilder, Response, StatusCode};
use serde_json::{Value, json};

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

    /// Asserts a problem+json answer with this status and code.
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
    settings.demo.seed_on_first_start = false;
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

    pub async fn post(&self, path: &str, token: &str, body: Value) -> Answer {
        self.send(self.request(Method::POST, path, Some(token)).json(&body))
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

    /// Creates a merchant through the platform API and signs its owner in; returns the
    /// staff token and the creation answer.
    pub async fn merchant(&self, code: &str) -> (String, Value) {
        let created = self.post("/api/v1/platform/merchants", PLATFORM_KEY, json!({ "code": code, "name": format!("Shop {code}"), "owner_password": "correct horse battery" })).await;
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
        let login = self
            .send(self.request(Method::POST, "/api/v1/merchant/auth/login", None).json(&json!({ "merchant_code": code, "username": "owner", "password": "correct horse battery" })))
            .await;
        assert_eq!(login.status, StatusCode::OK, "{}", login.text);
        (
            login.body["token"].as_str().expect("token").to_owned(),
            created.body,
        )
    }

    /// Creates a staff account of `role` in `stores` (HQ's `token`) and signs it in; returns
    /// its token.
    pub async fn staff(
        &self,
        token: &str,
        merchant: &str,
        username: &str,
        role: &str,
        stores: &[&str],
    ) -> String {
        let made = self
            .post(
                "/api/v1/merchant/staff",
                token,
                json!({ "username": username, "display_name": username, "role": role, "store_ids": stores, "password": "staff password 1" }),
            )
            .await;
        assert_eq!(made.status, StatusCode::CREATED, "{}", made.text);
        let login = self
            .send(self.request(Method::POST, "/api/v1/merchant/auth/login", None).json(&json!({ "merchant_code": merchant, "username": username, "password": "staff password 1" })))
            .await;
        assert_eq!(login.status, StatusCode::OK, "{}", login.text);
        login.body["token"].as_str().expect("token").to_owned()
    }

    /// Signs a member of `merchant` in by phone (development login); returns the token.
    pub async fn member_token(&self, merchant: &str, phone: &str) -> String {
        let answer = self
            .send(
                self.request(Method::POST, "/api/v1/member/auth/dev", None)
                    .json(&json!({ "merchant_code": merchant, "phone": phone })),
            )
            .await;
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
        answer.body["token"].as_str().expect("token").to_owned()
    }

    /// Registers a member at the till; returns its id.
    pub async fn member(&self, token: &str, phone: &str) -> String {
        let answer = self
            .post(
                "/api/v1/merchant/members",
                token,
                json!({ "phone": phone, "name": "张三" }),
            )
            .await;
        assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.text);
        answer.body["id"].as_str().expect("id").to_owned()
    }

    /// The member's whole ledger through the merchant API, newest first, page by page.
    pub async fn ledger(&self, token: &str, member: &str) -> Vec<Value> {
        let mut entries = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let path = match &cursor {
                Some(c) => {
                    format!("/api/v1/merchant/members/{member}/points/ledger?limit=2&cursor={c}")
                }
                None => format!("/api/v1/merchant/members/{member}/points/ledger?limit=2"),
            };
            let page = self.get(&path, token).await;
            assert_eq!(page.status, StatusCode::OK, "{}", page.text);
            entries.extend(
                page.body["items"]
                    .as_array()
                    .expect("items")
                    .iter()
                    .cloned(),
            );
            match page.body["next_cursor"].as_str() {
                Some(next) => cursor = Some(next.to_owned()),
                None => return entries,
            }
        }
    }
}
