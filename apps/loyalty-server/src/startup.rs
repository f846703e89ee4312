//! Builds the adapters and the engine, and serves them. `main.rs` only bootstraps.

use crate::auth::{hash_password, random_password};
use crate::config::Settings;
use crate::http::extract;
use crate::http::idempotency::InFlight;
use crate::notify::LogNotifier;
use crate::ops::ApiDoc;
use crate::state::{AppState, Engine};
use crate::telemetry::RequestSpan;
use crate::tokens::Tokens;
use crate::{member, merchant, ops, platform};
use actix_cors::Cors;
use actix_web::dev::{Server, Service as _};
use actix_web::http::Method;
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::middleware::Condition;
use actix_web::{App, HttpMessage, HttpRequest, HttpServer, web};
use anyhow::Context;
use loyalty_core::engine::Loyalty;
use loyalty_core::kernel::SystemClock;
use loyalty_seaorm::DatabaseConnection;
use loyalty_seaorm::{ConnectSettings, SeaUnitOfWork, connect, migrate};
use sha2::{Digest, Sha256};
use std::net::TcpListener;
use std::time::Duration;
use tracing_actix_web::{RequestId, TracingLogger};
use utoipa::OpenApi;
use utoipa_actix_web::AppExt;

/// Opens the configured database and brings its schema up to date.
pub async fn open_database(settings: &Settings) -> anyhow::Result<DatabaseConnection> {
    let mut connect_settings = ConnectSettings::new(settings.database.url.clone());
    connect_settings.max_connections = settings.database.max_connections;
    connect_settings.sqlite_page_cache_kib = settings.database.sqlite_page_cache_kib;
    let db = connect(&connect_settings)
        .await
        .context("cannot open the database")?;
    migrate(&db).await.context("cannot migrate the database")?;
    Ok(db)
}

pub fn engine(db: &DatabaseConnection) -> Engine {
    engine_with(
        db,
        LogNotifier::default(),
        loyalty_seaorm::DEFAULT_CACHE_TTL,
    )
}

fn engine_with(db: &DatabaseConnection, notifier: LogNotifier, cache_ttl: Duration) -> Engine {
    Loyalty::new(
        SeaUnitOfWork::with_cache(db.clone(), cache_ttl),
        SystemClock,
        notifier,
    )
}

/// The senders of the notification channels the configuration names.
///
/// # Errors
/// An SMS or WeChat configuration that cannot be used.
pub fn gateways(settings: &Settings) -> anyhow::Result<crate::state::Senders> {
    use crate::config::WeChatMode;
    let sms = loyalty_notify::Gateway::from_settings(&settings.sms)
        .context("invalid SMS configuration")?;
    let wechat: Box<dyn loyalty_core::notifications::WechatGateway> = match settings.wechat.mode {
        WeChatMode::Off => Box::new(loyalty_wechat::NoWechatGateway),
        WeChatMode::Dev => Box::new(loyalty_wechat::LogWechatGateway),
        WeChatMode::Api => Box::new(wechat_client(settings)?),
    };
    let lease = std::time::Duration::from_secs(settings.notifications.lease_seconds);
    Ok(crate::state::Senders {
        sms: crate::state::Bounded::within_lease(sms, lease),
        wechat: crate::state::Bounded::within_lease(wechat, lease),
    })
}

fn wechat_client(settings: &Settings) -> anyhow::Result<loyalty_wechat::WeChatClient> {
    let wechat = &settings.wechat;
    let (Some(app_id), Some(secret)) = (&wechat.app_id, &wechat.app_secret) else {
        anyhow::bail!("wechat.mode = api needs wechat.app_id and wechat.app_secret");
    };
    let config = loyalty_wechat::WeChatConfig::new(
        app_id.clone(),
        loyalty_wechat::Secret::new(secret.clone()),
    )
    .with_base_url(wechat.base_url.clone());
    loyalty_wechat::WeChatClient::new(config).context("invalid WeChat configuration")
}

/// The WeChat identity adapter the configuration names.
fn wechat_auth(
    settings: &Settings,
) -> anyhow::Result<Option<std::sync::Arc<dyn loyalty_core::members::WeChatAuth>>> {
    use crate::config::WeChatMode;
    let wechat = &settings.wechat;
    Ok(match wechat.mode {
        WeChatMode::Off => None,
        WeChatMode::Dev => {
            tracing::warn!(
                "wechat.mode = dev: any dev-<openid> code signs in; never use this in production"
            );
            Some(std::sync::Arc::new(loyalty_wechat::DevWeChatAuth))
        }
        WeChatMode::Api => Some(std::sync::Arc::new(wechat_client(settings)?)),
    })
}

/// A running server bound to its port.
pub struct Application {
    port: u16,
    server: Server,
    state: web::Data<AppState>,
    dispatcher: Dispatcher,
    expiry_interval: Duration,
    tier_review_interval: Duration,
}

struct Dispatcher {
    every: Duration,
    settings: loyalty_core::notifications::DispatchSettings,
    doorbell: std::sync::Arc<tokio::sync::Notify>,
}

impl Application {
    /// Opens and migrates the database, seeds the demo on a first start (when configured),
    /// and binds the port (0 picks a free one).
    ///
    /// # Errors
    /// When the database cannot be opened or the port cannot be bound.
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        let db = open_database(&settings).await?;
        let secret = match &settings.auth.token_secret {
            Some(secret) => secret.clone().into_bytes(),
            None => {
                tracing::warn!(
                    "auth.token_secret is not set: tokens are signed with a random key and die with this process"
                );
                rand::random::<[u8; 32]>().to_vec()
            }
        };
        let auth = &settings.auth;
        let notifier = LogNotifier::new(matches!(settings.sms, loyalty_notify::SmsSettings::Log));
        let doorbell = notifier.doorbell();
        let state = web::Data::new(AppState {
            loyalty: engine_with(
                &db,
                notifier,
                Duration::from_millis(settings.database.cache_ttl_ms),
            ),
            senders: std::sync::Arc::new(gateways(&settings)?),
            sms_sign_name: settings.sms.default_sign_name().map(str::to_owned),
            doorbell: std::sync::Arc::clone(&doorbell),
            db,
            tokens: Tokens::new(
                &secret,
                chrono::Duration::minutes(auth.staff_token_minutes),
                chrono::Duration::minutes(auth.member_token_minutes),
            ),
            platform_key: settings
                .platform
                .api_key
                .as_ref()
                .map(|k| Sha256::digest(k.as_bytes()).into()),
            in_flight: InFlight::default(),
            dev_member_login: auth.dev_member_login,
            decoy_hash: hash_password(random_password()).await?,
            wechat: wechat_auth(&settings)?,
            member_codes: loyalty_core::members::MemberCodes::new(&secret),
            sms_throttle: crate::throttle::ClientThrottle::per_hour(
                auth.sms_requests_per_client_per_hour,
            ),
            member_lookups: crate::throttle::Throttle::per_minute(
                auth.member_lookups_per_staff_per_minute,
            ),
            login_throttle: crate::throttle::LoginThrottle::new(
                auth.login_attempts_per_account_per_minute,
                auth.login_attempts_per_client_per_minute,
            ),
            trusted_proxies: settings.server.trusted_proxies.clone(),
        });
        let listener = TcpListener::bind((settings.server.host.as_str(), settings.server.port))
            .with_context(|| {
                format!(
                    "cannot listen on {}:{}",
                    settings.server.host, settings.server.port
                )
            })?;
        let port = listener.local_addr()?.port();
        if settings.demo.seeds(&settings.database.url)
            && state.loyalty.merchants().is_empty().await?
        {
            let login = crate::demo::seed(&state.loyalty)
                .await
                .map_err(|e| anyhow::anyhow!("cannot seed the demo: {e}"))?;
            login.print(&format!("http://{}:{port}", settings.server.host));
        }
        let server = serve(listener, state.clone(), &settings)?;
        tracing::info!(port, database = %redact(&settings.database.url), "listening");
        Ok(Self {
            port,
            server,
            state,
            dispatcher: Dispatcher {
                every: Duration::from_millis(settings.notifications.dispatch_interval_ms),
                settings: settings.notifications.dispatch(),
                doorbell,
            },
            expiry_interval: Duration::from_secs(settings.server.expiry_interval_seconds),
            tier_review_interval: Duration::from_secs(settings.server.tier_review_interval_seconds),
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Serves until the process is told to stop (SIGINT / SIGTERM), finishing requests in
    /// flight; runs the scheduled jobs meanwhile.
    ///
    /// # Errors
    /// When the server fails.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let state = self.state.clone();
        crate::jobs::every(self.expiry_interval, move || {
            let state = state.clone();
            async move { crate::jobs::points_jobs(&state.loyalty).await }
        });
        if !self.dispatcher.every.is_zero() {
            let (state, d) = (self.state.clone(), self.dispatcher);
            tokio::spawn(async move {
                crate::jobs::dispatch_loop(
                    &state.loyalty,
                    &state.senders,
                    d.settings,
                    d.every,
                    &d.doorbell,
                )
                .await;
            });
        }
        let state = self.state.clone();
        crate::jobs::every(Duration::from_secs(60), move || {
            let state = state.clone();
            async move {
                state.login_throttle.forget_stale();
                state.sms_throttle.forget_stale();
                state.member_lookups.forget_stale();
            }
        });
        let state = self.state.clone();
        crate::jobs::every(self.tier_review_interval, move || {
            let state = state.clone();
            async move { crate::jobs::member_jobs(&state.loyalty).await }
        });
        self.server.await
    }
}

/// The URL without its password, for logs.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            format!("{}://***@{}", &url[..scheme], &url[at + 1..])
        }
        _ => url.to_owned(),
    }
}

fn serve(
    listener: TcpListener,
    state: web::Data<AppState>,
    settings: &Settings,
) -> anyhow::Result<Server> {
    let body_limit = settings.server.body_limit_bytes;
    let metrics = ops::metrics()?;
    let cors_origins = settings.server.cors_origins.clone();
    let mut server = HttpServer::new(move || {
        let (app, api) = App::new()
            .into_utoipa_app()
            .openapi(ApiDoc::openapi())
            .app_data(state.clone())
            .app_data(extract::json_config(body_limit))
            .app_data(extract::query_config())
            .app_data(extract::path_config())
            .app_data(extract::payload_config(body_limit))
            .configure(ops::routes)
            .configure(platform::routes)
            .configure(merchant::routes)
            .configure(member::routes)
            .split_for_parts();
        let mut api = api;
        ops::complete(&mut api);
        let paths = extract::KnownPaths::of(&api);
        let fallback = paths.clone();
        app.configure(|cfg| ops::docs(cfg, api))
            .app_data(paths.clone())
            .default_service(web::to(move |req: HttpRequest| {
                let known = fallback.clone();
                async move { known.answer(&req) }
            }))
            .wrap_fn(|req, srv| {
                let request_id = req.extensions().get::<RequestId>().map(ToString::to_string);
                let call = srv.call(req);
                async move {
                    let mut response = call.await?;
                    let headers = response.headers_mut();
                    if let Some(id) = request_id.and_then(|id| HeaderValue::from_str(&id).ok()) {
                        headers.insert(HeaderName::from_static("x-request-id"), id);
                    }
                    // Answers are personal (balances, tokens, phone numbers): never cached,
                    // never sniffed into another type.
                    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
                    headers.insert(
                        header::X_CONTENT_TYPE_OPTIONS,
                        HeaderValue::from_static("nosniff"),
                    );
                    Ok(response)
                }
            })
            .wrap(Condition::new(
                !cors_origins.is_empty(),
                cors(&cors_origins),
            ))
            .wrap(metrics.clone())
            // Outside the metrics: a method the server does not know never becomes a label.
            .wrap_fn(move |req, srv| {
                let call = if KNOWN_METHODS.contains(req.method()) {
                    Ok(srv.call(req))
                } else {
                    Err(paths.unknown_method(req.method(), req.path()))
                };
                async move { call?.await }
            })
            .wrap(TracingLogger::<RequestSpan>::new())
    })
    .listen(listener)?
    .shutdown_timeout(30);
    if let Some(workers) = settings.server.workers {
        server = server.workers(workers);
    }
    Ok(server.run())
}

/// Browsers on these origins may call the API: bearer tokens (no cookies), the headers the
/// API reads, and the ones a client needs to see (`Retry-After`, `X-Request-Id`, `Location`).
fn cors(origins: &[String]) -> Cors {
    origins
        .iter()
        .fold(Cors::default(), |cors, origin| cors.allowed_origin(origin))
        .allowed_methods([
            Method::GET,
            Method::POST,
            Method::PUT,
            Method::PATCH,
            Method::DELETE,
        ])
        .allowed_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            header::ACCEPT,
            HeaderName::from_static("idempotency-key"),
        ])
        .expose_headers([
            header::RETRY_AFTER,
            header::LOCATION,
            HeaderName::from_static("x-request-id"),
        ])
        .max_age(600)
}

/// The methods the server answers; any other answers 501 before it is counted.
const KNOWN_METHODS: [Method; 7] = [
    Method::GET,
    Method::HEAD,
    Method::POST,
    Method::PUT,
    Method::PATCH,
    Method::DELETE,
    Method::OPTIONS,
];

#[cfg(test)]
mod tests {
    #[test]
    fn database_passwords_stay_out_of_logs() {
        assert_eq!(
            super::redact("postgres://u:secret@h:5432/db"),
            "postgres://***@h:5432/db"
        );
        assert_eq!(super::redact("sqlite://data/x.db"), "sqlite://data/x.db");
    }
}
