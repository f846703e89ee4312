//! Configuration: built-in defaults, then `loyalty.toml` (or the file `--config` names) if
//! present, then `LOYALTY__SECTION__KEY` environment variables. Unknown keys are errors, so
//! a typo is reported instead of silently ignored. Secrets are never printed.

use serde::Deserialize;
use std::fmt;
use std::path::Path;

#[derive(Debug, Clone, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    pub server: ServerSettings,
    pub database: DatabaseSettings,
    pub platform: PlatformSettings,
    pub auth: AuthSettings,
    pub demo: DemoSettings,
    pub log: LogSettings,
    pub wechat: WeChatSettings,
    /// The SMS provider (`provider = "log" | "aliyun" | "tencent"` and its credentials).
    pub sms: loyalty_notify::SmsSettings,
    pub notifications: NotificationsSettings,
}

/// How this process works off the notification outbox.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NotificationsSettings {
    /// Dispatch due messages at least this often, and at once when a change writes some
    /// (0: no dispatcher in this process; run `loyalty-server dispatch` instead).
    pub dispatch_interval_ms: u64,
    /// Messages claimed at a time.
    pub batch: u64,
    /// How long a claim holds before another dispatcher may take the message over.
    pub lease_seconds: u64,
    /// Attempts before a message is given up (then HQ can queue it again).
    pub max_attempts: u32,
}

impl Default for NotificationsSettings {
    fn default() -> Self {
        Self {
            dispatch_interval_ms: 1000,
            batch: 100,
            lease_seconds: 60,
            max_attempts: 5,
        }
    }
}

impl NotificationsSettings {
    #[must_use]
    pub fn dispatch(&self) -> loyalty_core::notifications::DispatchSettings {
        loyalty_core::notifications::DispatchSettings {
            batch: self.batch,
            lease: chrono::Duration::seconds(i64::try_from(self.lease_seconds).unwrap_or(60)),
            max_attempts: self.max_attempts,
        }
    }
}

/// Which WeChat identity adapter members sign in through.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum WeChatMode {
    /// `POST /api/v1/member/auth/wechat` and `/member/phone` answer 404.
    #[default]
    Off,
    /// Codes `dev-<openid>` and `dev-<phone>`: for development and tests only.
    Dev,
    /// The real WeChat API with `app_id` and `app_secret`.
    Api,
}

#[derive(Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WeChatSettings {
    pub mode: WeChatMode,
    pub app_id: Option<String>,
    pub app_secret: Option<String>,
    pub base_url: String,
}

impl Default for WeChatSettings {
    fn default() -> Self {
        Self {
            mode: WeChatMode::Off,
            app_id: None,
            app_secret: None,
            base_url: loyalty_wechat::DEFAULT_BASE_URL.into(),
        }
    }
}

impl fmt::Debug for WeChatSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WeChatSettings")
            .field("mode", &self.mode)
            .field("app_id", &self.app_id)
            .field("app_secret", &self.app_secret.as_ref().map(|_| "<set>"))
            .field("base_url", &self.base_url)
            .finish()
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServerSettings {
    pub host: String,
    /// 0 picks a free port (tests).
    pub port: u16,
    /// HTTP worker threads; the number of cores when absent.
    pub workers: Option<usize>,
    /// Largest request body accepted, in bytes.
    pub body_limit_bytes: usize,
    /// Run the points expiry job (and its advance notice) every this many seconds (0: never,
    /// in this process).
    pub expiry_interval_seconds: u64,
    /// Run the tier review and the birthday greetings every this many seconds (0: never, in
    /// this process).
    pub tier_review_interval_seconds: u64,
    /// Proxies whose `X-Forwarded-For` is believed (comma-separated in the environment).
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// Web origins (`https://console.example.com`) whose pages may call the API from a
    /// browser (CORS); none by default, so browsers allow only the server's own origin.
    pub cors_origins: Vec<String>,
}

impl Default for ServerSettings {
    fn default() -> Self {
        Self {
            host: "127.0.0.1".into(),
            port: 8080,
            workers: None,
            body_limit_bytes: 64 * 1024,
            expiry_interval_seconds: 60,
            tier_review_interval_seconds: 3600,
            trusted_proxies: Vec::new(),
            cors_origins: Vec::new(),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DatabaseSettings {
    /// `sqlite://data/loyalty.db?mode=rwc` (default) or `postgres://user@host/db`.
    pub url: String,
    pub max_connections: u32,
    /// How long this process caches lookups of merchants, stores and rule settings (0: not
    /// at all); another process's change to them shows after at most this long.
    pub cache_ttl_ms: u64,
    /// The most page cache each pooled SQLite connection keeps, in KiB (SQLite only).
    pub sqlite_page_cache_kib: u32,
}

impl Default for DatabaseSettings {
    fn default() -> Self {
        Self {
            url: "sqlite://data/loyalty.db?mode=rwc".into(),
            max_connections: 16,
            cache_ttl_ms: 1000,
            sqlite_page_cache_kib: 2000,
        }
    }
}

#[derive(Clone, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct PlatformSettings {
    /// The platform's credential for `/api/v1/platform/...`; those endpoints answer 401
    /// while it is unset.
    pub api_key: Option<String>,
}

impl fmt::Debug for PlatformSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PlatformSettings")
            .field("api_key", &self.api_key.as_ref().map(|_| "<set>"))
            .finish()
    }
}

#[derive(Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AuthSettings {
    /// The HMAC secret tokens are signed with (at least 32 bytes). When unset a random one is
    /// made at start: tokens then die with the process and differ between processes.
    pub token_secret: Option<String>,
    pub staff_token_minutes: i64,
    pub member_token_minutes: i64,
    /// `POST /api/v1/member/auth/dev` signs a member in by merchant code and phone alone.
    /// For development and tests only, until WeChat and SMS login exist.
    pub dev_member_login: bool,
    /// Staff login attempts allowed per account (merchant + username) per minute.
    pub login_attempts_per_account_per_minute: u32,
    /// Staff login attempts allowed per client address per minute.
    pub login_attempts_per_client_per_minute: u32,
    /// SMS code requests and SMS sign-ins allowed per client address per hour.
    pub sms_requests_per_client_per_hour: u32,
    /// Member lookups by phone allowed per store manager or cashier account per minute.
    pub member_lookups_per_staff_per_minute: u32,
}

impl Default for AuthSettings {
    fn default() -> Self {
        Self {
            token_secret: None,
            staff_token_minutes: 12 * 60,
            member_token_minutes: 30 * 24 * 60,
            dev_member_login: false,
            login_attempts_per_account_per_minute: 10,
            login_attempts_per_client_per_minute: 60,
            sms_requests_per_client_per_hour: 30,
            member_lookups_per_staff_per_minute: 30,
        }
    }
}

impl fmt::Debug for AuthSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuthSettings")
            .field("token_secret", &self.token_secret.as_ref().map(|_| "<set>"))
            .field("staff_token_minutes", &self.staff_token_minutes)
            .field("member_token_minutes", &self.member_token_minutes)
            .field("dev_member_login", &self.dev_member_login)
            .field(
                "login_attempts_per_account_per_minute",
                &self.login_attempts_per_account_per_minute,
            )
            .field(
                "login_attempts_per_client_per_minute",
                &self.login_attempts_per_client_per_minute,
            )
            .field(
                "sms_requests_per_client_per_hour",
                &self.sms_requests_per_client_per_hour,
            )
            .field(
                "member_lookups_per_staff_per_minute",
                &self.member_lookups_per_staff_per_minute,
            )
            .finish()
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DemoSettings {
    /// Seed a demo merchant when the database has no merchant at start; unset, only on the
    /// embedded SQLite default, never on a PostgreSQL database unless asked.
    pub seed_on_first_start: Option<bool>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LogSettings {
    /// A `tracing` filter such as `info` or `loyalty_server=debug,info`; `RUST_LOG` wins.
    pub filter: String,
}

impl DemoSettings {
    /// Whether to seed a database at `url` that has no merchant.
    #[must_use]
    pub fn seeds(&self, url: &str) -> bool {
        self.seed_on_first_start
            .unwrap_or_else(|| url.starts_with("sqlite:"))
    }
}

impl Default for LogSettings {
    fn default() -> Self {
        Self {
            filter: "info".into(),
        }
    }
}

/// Why the configuration cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read the configuration: {0}")]
    Source(#[from] config::ConfigError),
    #[error("invalid configuration: {0}")]
    Invalid(String),
}

impl Settings {
    /// Loads and validates the configuration. `file` is read if it exists; when it is named
    /// explicitly it must exist.
    ///
    /// # Errors
    /// An unreadable file, an unknown key, a value of the wrong type, or a value out of range.
    pub fn load(file: Option<&Path>) -> Result<Self, ConfigError> {
        let (path, required) = match file {
            Some(path) => (path.to_path_buf(), true),
            None => (Path::new("loyalty.toml").to_path_buf(), false),
        };
        let settings: Self = config::Config::builder()
            .add_source(
                config::File::from(path)
                    .format(config::FileFormat::Toml)
                    .required(required),
            )
            .add_source(
                config::Environment::with_prefix("LOYALTY")
                    .prefix_separator("__")
                    .separator("__")
                    .list_separator(",")
                    .with_list_parse_key("server.trusted_proxies")
                    .with_list_parse_key("server.cors_origins")
                    .try_parsing(true),
            )
            .build()?
            .try_deserialize()?;
        settings.validate()?;
        Ok(settings)
    }

    /// # Errors
    /// The first value out of range, in words.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let invalid = |m: &str| Err(ConfigError::Invalid(m.to_owned()));
        if self.notifications.batch == 0
            || self.notifications.max_attempts == 0
            || !(10..=3600).contains(&self.notifications.lease_seconds)
        {
            // Under ten seconds, a send cut off at 45 % of the lease leaves too little time to
            // settle it before the lease passes on.
            return invalid(
                "notifications: batch and max_attempts must be at least 1, lease_seconds 10 to 3600",
            );
        }
        loyalty_seaorm::Engine::of(&self.database.url)
            .map_err(|e| ConfigError::Invalid(format!("database.url: {e}")))?;
        if self.database.max_connections == 0 {
            return invalid("database.max_connections must be at least 1");
        }
        if !(64..=1_048_576).contains(&self.database.sqlite_page_cache_kib) {
            return invalid("database.sqlite_page_cache_kib must be between 64 and 1048576");
        }
        if self.server.host.trim().is_empty() {
            return invalid("server.host must not be empty");
        }
        if let Some(bad) = self.server.cors_origins.iter().find(|o| !is_origin(o)) {
            return Err(ConfigError::Invalid(format!(
                "server.cors_origins: {bad:?} is not an origin (scheme://host[:port], no path)"
            )));
        }
        if self.server.workers == Some(0) {
            return invalid("server.workers must be at least 1");
        }
        if !(1024..=16 * 1024 * 1024).contains(&self.server.body_limit_bytes) {
            return invalid("server.body_limit_bytes must be between 1024 and 16777216");
        }
        if self
            .auth
            .token_secret
            .as_ref()
            .is_some_and(|s| s.len() < 32)
        {
            return invalid("auth.token_secret must be at least 32 bytes");
        }
        if self.platform.api_key.as_ref().is_some_and(|k| k.len() < 16) {
            return invalid("platform.api_key must be at least 16 characters");
        }
        if self.wechat.mode == WeChatMode::Api
            && (self.wechat.app_id.is_none() || self.wechat.app_secret.is_none())
        {
            return invalid("wechat.mode = \"api\" needs wechat.app_id and wechat.app_secret");
        }
        if !(1..=7 * 24 * 60).contains(&self.auth.staff_token_minutes) {
            return invalid("auth.staff_token_minutes must be between 1 and 10080");
        }
        if !(1..=90 * 24 * 60).contains(&self.auth.member_token_minutes) {
            return invalid("auth.member_token_minutes must be between 1 and 129600");
        }
        Ok(())
    }
}

/// `http(s)://host[:port]` with nothing after it: what a browser sends as `Origin`.
fn is_origin(origin: &str) -> bool {
    let Some(rest) = origin
        .strip_prefix("https://")
        .or_else(|| origin.strip_prefix("http://"))
    else {
        return false;
    };
    let (host, port) = match rest.rsplit_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (rest, None),
    };
    !host.is_empty()
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-')
        && port.is_none_or(|p| p.parse::<u16>().is_ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid_and_use_sqlite_on_port_8080() {
        let s = Settings::default();
        s.validate().expect("defaults are valid");
        assert_eq!(s.server.port, 8080);
        assert!(s.database.url.starts_with("sqlite:"));
    }

    #[test]
    fn the_demo_is_seeded_on_the_embedded_default_and_on_postgresql_only_when_asked() {
        let unset = DemoSettings::default();
        assert!(unset.seeds("sqlite://data/loyalty.db?mode=rwc"));
        assert!(!unset.seeds("postgres://u@db:5432/loyalty"));
        let asked = DemoSettings {
            seed_on_first_start: Some(true),
        };
        assert!(asked.seeds("postgres://u@db:5432/loyalty"));
        let refused = DemoSettings {
            seed_on_first_start: Some(false),
        };
        assert!(!refused.seeds("sqlite://data/loyalty.db"));
    }

    #[test]
    fn refuses_a_sqlite_page_cache_out_of_bounds() {
        for (kib, valid) in [(63, false), (64, true), (2000, true), (1_048_577, false)] {
            let mut s = Settings::default();
            s.database.sqlite_page_cache_kib = kib;
            assert_eq!(s.validate().is_ok(), valid, "{kib}");
        }
    }

    #[test]
    fn refuses_a_short_secret_and_a_foreign_database() {
        let mut s = Settings::default();
        s.auth.token_secret = Some("short".into());
        assert!(s.validate().is_err());
        let mut s = Settings::default();
        s.database.url = "mysql://x".into();
        assert!(
            s.validate()
                .expect_err("refused")
                .to_string()
                .contains("database.url")
        );
    }

    #[test]
    fn cors_origins_are_origins() {
        for good in [
            "https://console.example.com",
            "http://localhost:5173",
            "https://a-b.cn",
        ] {
            let mut s = Settings::default();
            s.server.cors_origins = vec![good.into()];
            assert!(s.validate().is_ok(), "{good}");
        }
        for bad in [
            "*",
            "console.example.com",
            "https://console.example.com/",
            "https://example.com/path",
            "ftp://example.com",
            "https://example.com:99999",
            "https://",
        ] {
            let mut s = Settings::default();
            s.server.cors_origins = vec![bad.into()];
            let refused = s.validate().expect_err(bad).to_string();
            assert!(refused.contains("server.cors_origins"), "{refused}");
        }
    }

    #[test]
    fn secrets_do_not_reach_debug_output() {
        let mut s = Settings::default();
        s.auth.token_secret = Some("x".repeat(40));
        s.platform.api_key = Some("platform-secret-key".into());
        let shown = format!("{s:?}");
        assert!(
            !shown.contains("xxxx") && !shown.contains("platform-secret-key"),
            "{shown}"
        );
    }

    #[test]
    fn a_file_with_an_unknown_key_is_refused() {
        let dir = std::env::temp_dir().join(format!("loyalty-config-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let file = dir.join("bad.toml");
        std::fs::write(&file, "[server]\nprot = 1\n").expect("written");
        let err = Settings::load(Some(&file)).expect_err("typo refused");
        assert!(err.to_string().contains("prot"), "{err}");
        std::fs::write(&file, "[server]\nport = 9090\n").expect("written");
        assert_eq!(
            Settings::load(Some(&file)).expect("valid").server.port,
            9090
        );
    }

    #[test]
    fn the_sms_provider_is_chosen_by_its_name_and_a_numeric_app_id_is_taken() {
        let dir = std::env::temp_dir().join(format!("loyalty-sms-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let file = dir.join("sms.toml");
        // Environment variables arrive parsed: an all-digit app id becomes a number.
        std::fs::write(
            &file,
            "[sms]\nprovider = \"tencent\"\nsecret_id = \"AKID\"\nsecret_key = \"k\"\nsms_sdk_app_id = 1400006666\n",
        )
        .expect("written");
        let settings = Settings::load(Some(&file)).expect("valid");
        match settings.sms {
            loyalty_notify::SmsSettings::Tencent(config) => {
                assert_eq!(config.sms_sdk_app_id, "1400006666");
            }
            other => panic!("not Tencent: {other:?}"),
        }
        std::fs::write(&file, "[sms]\nprovider = \"pigeon\"\n").expect("written");
        assert!(Settings::load(Some(&file)).is_err());
    }
}
