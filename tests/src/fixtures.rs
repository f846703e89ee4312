//! Builders for the setup the tests share: a merchant the platform created with its owner
//! signed in, a store, a member of staff, a member registered at the till or signed in in the
//! mini-program, a committed order, saved settings, a coupon template and a claimed coupon.
//! Each sends what a test would send, checks the answer as the test would, and returns what
//! the test needs next; the answers under test are checked in the tests themselves.

use crate::{Answer, PLATFORM_KEY, TestApp};
use reqwest::{Method, RequestBuilder, StatusCode};
use serde_json::{Value, json};

/// The owner's password of every merchant the tests create.
pub const OWNER_PASSWORD: &str = "correct horse battery";

/// The password of every staff account the tests create.
pub const STAFF_PASSWORD: &str = "staff password 1";

/// A merchant the platform created, with its owner (headquarters) signed in.
pub struct Merchant {
    /// The code staff and members sign in with.
    pub code: String,
    /// The owner's token: HQ's.
    pub owner: String,
    /// The platform's answer: the merchant and its default store.
    pub created: Value,
}

impl Merchant {
    /// The merchant's id.
    pub fn id(&self) -> String {
        string(&self.created["merchant"]["id"])
    }

    /// The id of the store every merchant starts with.
    pub fn default_store(&self) -> String {
        string(&self.created["default_store"]["id"])
    }
}

/// A string of an answer (an id, a code, a token), owned.
///
/// # Panics
/// When `value` is not a string.
pub fn string(value: &Value) -> String {
    value
        .as_str()
        .unwrap_or_else(|| panic!("a string: {value}"))
        .to_owned()
}

/// What HQ sends to open a staff account of `role` in `stores`, with [`STAFF_PASSWORD`].
pub fn staff_account(username: &str, display_name: &str, role: &str, stores: &[&str]) -> Value {
    json!({ "username": username, "display_name": display_name, "role": role, "store_ids": stores, "password": STAFF_PASSWORD })
}

impl TestApp {
    /// Posts what must be created (201); returns the answer's body.
    pub async fn created(&self, path: &str, token: &str, body: Value) -> Value {
        let answer = self.post(path, token, body).await;
        assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.text);
        answer.body
    }

    /// Creates a merchant through the platform API and signs its owner in.
    pub async fn merchant(&self, code: &str) -> Merchant {
        let created = self.created("/api/v1/platform/merchants", PLATFORM_KEY, json!({ "code": code, "name": format!("Shop {code}"), "owner_password": OWNER_PASSWORD })).await;
        Merchant {
            code: code.to_owned(),
            owner: self.sign_in_staff(code, "owner", OWNER_PASSWORD).await,
            created,
        }
    }

    /// A staff sign-in, to send as it is or with more headers.
    pub fn staff_login(&self, merchant: &str, username: &str, password: &str) -> RequestBuilder {
        self.request(Method::POST, "/api/v1/merchant/auth/login", None)
            .json(&json!({ "merchant_code": merchant, "username": username, "password": password }))
    }

    /// Signs a member of staff in; returns the token.
    pub async fn sign_in_staff(&self, merchant: &str, username: &str, password: &str) -> String {
        let login = self
            .send(self.staff_login(merchant, username, password))
            .await;
        assert_eq!(login.status, StatusCode::OK, "{}", login.text);
        string(&login.body["token"])
    }

    /// HQ's `token` opens a staff account: the server's answer, whatever it is.
    pub async fn create_staff(&self, token: &str, account: Value) -> Answer {
        self.post("/api/v1/merchant/staff", token, account).await
    }

    /// Opens `account` (see [`staff_account`]) as the merchant's owner and signs it in;
    /// returns its token.
    pub async fn staff(&self, merchant: &Merchant, account: Value) -> String {
        let username = string(&account["username"]);
        self.created("/api/v1/merchant/staff", &merchant.owner, account)
            .await;
        self.sign_in_staff(&merchant.code, &username, STAFF_PASSWORD)
            .await
    }

    /// A cashier of the merchant's `store`, named `cashier`, signed in; returns the token.
    pub async fn cashier(&self, merchant: &Merchant, store: &str) -> String {
        self.staff(
            merchant,
            staff_account("cashier", "cashier", "cashier", &[store]),
        )
        .await
    }

    /// Opens a store named `name` (HQ's `token`); returns its id.
    pub async fn store(&self, token: &str, name: &str) -> String {
        let store = self
            .created("/api/v1/merchant/stores", token, json!({ "name": name }))
            .await;
        string(&store["id"])
    }

    /// Registers a member at the till; returns its id.
    pub async fn member(&self, token: &str, phone: &str) -> String {
        let member = self
            .created(
                "/api/v1/merchant/members",
                token,
                json!({ "phone": phone, "name": "张三" }),
            )
            .await;
        string(&member["id"])
    }

    /// Signs a member of `merchant` in by phone (development login); returns the
    /// mini-program's token.
    pub async fn member_token(&self, merchant: &str, phone: &str) -> String {
        let answer = self
            .post_anonymously(
                "/api/v1/member/auth/dev",
                json!({ "merchant_code": merchant, "phone": phone }),
            )
            .await;
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
        string(&answer.body["token"])
    }

    /// A member registered at the merchant's till and signed in in the mini-program; returns
    /// the member's id and the mini-program's token.
    pub async fn signed_in_member(&self, merchant: &Merchant, phone: &str) -> (String, String) {
        let member = self.member(&merchant.owner, phone).await;
        (member, self.member_token(&merchant.code, phone).await)
    }

    /// Commits an order that must succeed; returns the receipt.
    pub async fn order(&self, token: &str, body: Value) -> Value {
        self.created("/api/v1/merchant/orders", token, body).await
    }

    /// Commits an order the till priced: `member` paid `amount_paid` and earns on it by the
    /// policy in force; returns the receipt.
    pub async fn purchase(&self, token: &str, member: &str, amount_paid: &str) -> Value {
        self.order(
            token,
            json!({ "member_id": member, "amount_paid": amount_paid }),
        )
        .await
    }

    /// The member's points balance through the merchant API.
    pub async fn balance(&self, token: &str, member: &str) -> i64 {
        let answer = self
            .get(&format!("/api/v1/merchant/members/{member}"), token)
            .await;
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
        answer.body["points_balance"].as_i64().expect("balance")
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

    /// Saves settings (a `PUT` that must succeed); returns the answer's body.
    pub async fn save_settings(&self, path: &str, token: &str, body: Value) -> Value {
        let saved = self.put(path, token, body).await;
        assert_eq!(saved.status, StatusCode::OK, "{}", saved.text);
        saved.body
    }

    /// Creates a coupon template (HQ's `token`); returns its id.
    pub async fn coupon_template(&self, token: &str, body: Value) -> String {
        let template = self
            .created("/api/v1/merchant/coupon-templates", token, body)
            .await;
        string(&template["id"])
    }

    /// The member (the mini-program's `token`) claims a coupon of `template`; returns its
    /// code.
    pub async fn claim_coupon(&self, token: &str, template: &str) -> String {
        let coupon = self
            .created(
                &format!("/api/v1/member/coupon-templates/{template}/claim"),
                token,
                json!({}),
            )
            .await;
        string(&coupon["code"])
    }
}
