//! [`WeChatClient`]: the four server-side calls a loyalty mini-program needs.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use serde::Deserialize;
use serde::de::{DeserializeOwned, IgnoredAny};

use crate::clock::{Clock, SystemClock};
use crate::config::{Secret, WeChatConfig};
use crate::error::{ConfigError, INVALID_APP_ID, INVALID_APP_SECRET, TOKEN_INVALID, WeChatError};
use crate::message::SubscribeMessage;
use crate::session::{PhoneInfo, Session, SessionKey};
use crate::token::{FetchedToken, TokenCache};
use crate::transport::Http;

const CODE_TO_SESSION: &str = "/sns/jscode2session";
const TOKEN: &str = "/cgi-bin/token";
const PHONE_NUMBER: &str = "/wxa/business/getuserphonenumber";
const SUBSCRIBE_SEND: &str = "/cgi-bin/message/subscribe/send";

/// A client for one mini-program's server API.
///
/// Cloning is cheap and clones share the connection pool and the access-token cache, so one
/// client per AppID is the intended use.
#[derive(Clone)]
pub struct WeChatClient {
    inner: Arc<Inner>,
}

struct Inner {
    app_id: String,
    app_secret: Secret,
    http: Http,
    tokens: TokenCache,
}

impl fmt::Debug for WeChatClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WeChatClient")
            .field("app_id", &self.inner.app_id)
            .finish_non_exhaustive()
    }
}

impl WeChatClient {
    /// A client on the system clock.
    ///
    /// # Errors
    /// [`ConfigError::InvalidBaseUrl`] if `base_url` is not an absolute http(s) URL;
    /// [`ConfigError::HttpClient`] if the HTTP client cannot be built.
    pub fn new(config: WeChatConfig) -> Result<Self, ConfigError> {
        Self::with_clock(config, Arc::new(SystemClock))
    }

    /// A client whose access-token cache reads time from `clock` (tests move it by hand).
    ///
    /// # Errors
    /// As [`WeChatClient::new`].
    pub fn with_clock(config: WeChatConfig, clock: Arc<dyn Clock>) -> Result<Self, ConfigError> {
        let http = Http::new(&config)?;
        Ok(Self {
            inner: Arc::new(Inner {
                app_id: config.app_id,
                app_secret: config.app_secret,
                http,
                tokens: TokenCache::new(clock),
            }),
        })
    }

    /// Exchanges a `wx.login` code for the user's openid, unionid and session key
    /// (`auth.code2Session`). Each code works once and for about five minutes.
    ///
    /// # Errors
    /// [`WeChatError::InvalidCode`] (40029), [`WeChatError::CodeUsed`] (40163),
    /// [`WeChatError::RateLimited`] (45011), [`WeChatError::Busy`] after the busy retries,
    /// [`WeChatError::Api`] for any other errcode (e.g. 40226, a blocked high-risk user),
    /// [`WeChatError::Transport`] or [`WeChatError::Decode`].
    pub async fn code_to_session(&self, js_code: &str) -> Result<Session, WeChatError> {
        #[derive(Deserialize)]
        struct Wire {
            openid: String,
            session_key: String,
            #[serde(default)]
            unionid: Option<String>,
        }
        let inner = &self.inner;
        let url = inner.http.url(
            CODE_TO_SESSION,
            &[
                ("appid", &inner.app_id),
                ("secret", inner.app_secret.expose()),
                ("js_code", js_code),
                ("grant_type", "authorization_code"),
            ],
        );
        let wire: Wire = inner.http.call(CODE_TO_SESSION, &url, None).await?;
        Ok(Session {
            openid: wire.openid,
            unionid: wire.unionid.filter(|u| !u.is_empty()),
            session_key: SessionKey::new(wire.session_key),
        })
    }

    /// The phone number behind a `getPhoneNumber` button code
    /// (`phonenumber.getPhoneNumber`). Uses the access token; see [`WeChatClient::access_token`].
    ///
    /// # Errors
    /// [`WeChatError::InvalidCode`] (40029) for a bad or used code,
    /// [`WeChatError::InvalidToken`] if a freshly fetched token is rejected too, any error of
    /// [`WeChatClient::access_token`], [`WeChatError::RateLimited`], [`WeChatError::Busy`],
    /// [`WeChatError::Api`], [`WeChatError::Transport`] or [`WeChatError::Decode`].
    pub async fn phone_number(&self, code: &str) -> Result<PhoneInfo, WeChatError> {
        #[derive(Deserialize)]
        struct Wire {
            phone_info: WirePhone,
        }
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct WirePhone {
            phone_number: String,
            pure_phone_number: String,
            country_code: StringOrNumber,
        }
        let body = serde_json::json!({ "code": code });
        let wire: Wire = self
            .post_with_token(PHONE_NUMBER, &body, Busy::Retry)
            .await?;
        Ok(PhoneInfo {
            phone_number: wire.phone_info.phone_number,
            pure_phone_number: wire.phone_info.pure_phone_number,
            country_code: wire.phone_info.country_code.into_string(),
        })
    }

    /// Sends a one-time subscribe message (`subscribeMessage.send`). Uses the access token.
    ///
    /// A busy answer (-1) is not sent again here: the message may have gone out all the same,
    /// and a resend answered 43101 would look like a refusal. It comes back as
    /// [`WeChatError::Busy`] for the caller's own retry.
    ///
    /// # Errors
    /// [`WeChatError::SubscriptionRefused`] (43101) when the user has not subscribed or has no
    /// sends left, [`WeChatError::Api`] for e.g. 47003 (data does not fit the template), 40037
    /// (unknown template) or 40003 (unknown openid), [`WeChatError::InvalidToken`], any error of
    /// [`WeChatClient::access_token`], [`WeChatError::Busy`], [`WeChatError::Transport`] or
    /// [`WeChatError::Decode`].
    pub async fn send_subscribe_message(&self, msg: &SubscribeMessage) -> Result<(), WeChatError> {
        let IgnoredAny = self
            .post_with_token(SUBSCRIBE_SEND, &msg.wire(), Busy::Answer)
            .await?;
        Ok(())
    }

    /// The mini-program's access token (`auth.getAccessToken`), from the cache while it is
    /// fresh.
    ///
    /// A token is refreshed `min(5 min, 10 % of its lifetime)` before it expires. However many
    /// tasks ask at once, at most one token request is in flight per client.
    ///
    /// # Errors
    /// [`WeChatError::InvalidCredentials`] when WeChat refuses the AppID or AppSecret (40001,
    /// 40013, 40125 at this endpoint), [`WeChatError::Busy`], [`WeChatError::RateLimited`],
    /// [`WeChatError::Api`] (e.g. 40164, caller IP not whitelisted),
    /// [`WeChatError::Transport`] or [`WeChatError::Decode`]. A failure leaves the cache empty.
    pub async fn access_token(&self) -> Result<String, WeChatError> {
        self.inner
            .tokens
            .get_or_refresh(|| self.fetch_token())
            .await
    }

    async fn fetch_token(&self) -> Result<FetchedToken, WeChatError> {
        #[derive(Deserialize)]
        struct Wire {
            access_token: String,
            expires_in: u64,
        }
        let inner = &self.inner;
        let url = inner.http.url(
            TOKEN,
            &[
                ("grant_type", "client_credential"),
                ("appid", &inner.app_id),
                ("secret", inner.app_secret.expose()),
            ],
        );
        let wire: Wire =
            inner
                .http
                .call(TOKEN, &url, None)
                .await
                .map_err(|e| match e.errcode() {
                    Some(errcode @ (TOKEN_INVALID | INVALID_APP_ID | INVALID_APP_SECRET)) => {
                        WeChatError::InvalidCredentials { errcode }
                    }
                    _ => e,
                })?;
        Ok(FetchedToken {
            token: wire.access_token,
            expires_in: Duration::from_secs(wire.expires_in),
        })
    }

    /// POSTs `body` with the current token; on an invalid-token answer drops that token, gets
    /// a new one and tries exactly once more.
    async fn post_with_token<T: DeserializeOwned>(
        &self,
        endpoint: &'static str,
        body: &impl serde::Serialize,
        busy: Busy,
    ) -> Result<T, WeChatError> {
        // Cannot fail for these bodies (string keys, no custom Serialize).
        let body = serde_json::to_vec(body).map_err(|e| WeChatError::decode(endpoint, &e))?;
        let token = self.access_token().await?;
        match self.post_once(endpoint, &token, &body, busy).await {
            Err(WeChatError::InvalidToken { errcode }) => {
                tracing::debug!(endpoint, errcode, "access token rejected; refreshing once");
                self.inner.tokens.invalidate(&token);
                let fresh = self.access_token().await?;
                self.post_once(endpoint, &fresh, &body, busy).await
            }
            other => other,
        }
    }

    async fn post_once<T: DeserializeOwned>(
        &self,
        endpoint: &'static str,
        token: &str,
        body: &[u8],
        busy: Busy,
    ) -> Result<T, WeChatError> {
        let url = self.inner.http.url(endpoint, &[("access_token", token)]);
        match busy {
            Busy::Retry => self.inner.http.call(endpoint, &url, Some(body)).await,
            Busy::Answer => self.inner.http.call_once(endpoint, &url, Some(body)).await,
        }
    }
}

/// What a call does when WeChat answers -1 ("system busy").
#[derive(Debug, Clone, Copy)]
enum Busy {
    /// Send again, as configured (`BusyRetry`): the request has no effect of its own.
    Retry,
    /// Answer [`WeChatError::Busy`] at once: the request may have taken effect.
    Answer,
}

/// `countryCode` is documented as a string but WeChat's own example sends a number.
#[derive(Deserialize)]
#[serde(untagged)]
enum StringOrNumber {
    String(String),
    Number(i64),
}

impl StringOrNumber {
    fn into_string(self) -> String {
        match self {
            Self::String(s) => s,
            Self::Number(n) => n.to_string(),
        }
    }
}
