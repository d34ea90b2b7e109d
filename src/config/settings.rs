//! The typed settings Denglu runs with, and the one-line error that names a bad key.

use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;

use providers::{AppCredentials, ConfigKey, Endpoints, ProviderId};
use secrecy::{ExposeSecret, SecretString};
use url::Url;

/// A configuration problem, always naming the key so the operator knows what to fix.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read {path}: {reason}")]
    File { path: String, reason: String },
    #[error("{env} ({toml}): {reason}")]
    Invalid {
        env: &'static str,
        toml: &'static str,
        reason: String,
    },
}

impl ConfigError {
    pub(in crate::config) fn invalid(key: ConfigKey, reason: impl Into<String>) -> Self {
        Self::Invalid {
            env: key.env,
            toml: key.toml,
            reason: reason.into(),
        }
    }
}

/// The WeChat QR code on the login page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WechatQr {
    /// WeChat's own QR (the Open Platform website app), embedded in the page.
    Embedded,
    /// Our QR for the Official Account: scan, authorise and confirm on the phone.
    Own,
    /// Neither WeChat app is configured.
    Off,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Environment {
    Development,
    Production,
}

/// One provider the site offers: who we are to it.
#[derive(Debug, Clone)]
pub struct ProviderSettings {
    pub id: ProviderId,
    pub credentials: AppCredentials,
}

/// Requests per minute per client address and per session, for the sign-in steps and for
/// form posts; live-status streams per client and in all; live QR codes per network; the
/// proxy header to trust.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    pub signin_per_address: u32,
    pub signin_per_session: u32,
    pub forms_per_address: u32,
    pub forms_per_session: u32,
    pub streams_per_client: usize,
    pub streams_max: usize,
    /// Live QR login tickets one network (an IPv4 /24, an IPv6 /48) may hold at once.
    pub qr_tickets_per_network: u32,
    /// `None`: the client is the socket's peer. Set only behind a proxy that writes it.
    pub trusted_proxy_header: Option<http::HeaderName>,
}

impl Default for Limits {
    /// Generous: a person never meets them; a script hammering one route does.
    fn default() -> Self {
        Self {
            signin_per_address: 300,
            signin_per_session: 60,
            forms_per_address: 600,
            forms_per_session: 300,
            streams_per_client: 10,
            streams_max: 10_000,
            qr_tickets_per_network: 30,
            trusted_proxy_header: None,
        }
    }
}

/// Who may read `/metrics`: a client whose address is in `allow`, or one that presents `token`
/// as a bearer token. Neither set: nobody, and no metrics are kept.
#[derive(Clone, Default)]
pub struct MetricsAccess {
    pub allow: Vec<ipnet::IpNet>,
    pub token: Option<SecretString>,
}

impl MetricsAccess {
    pub fn enabled(&self) -> bool {
        !self.allow.is_empty() || self.token.is_some()
    }
}

impl fmt::Debug for MetricsAccess {
    // By hand: the token never prints, only whether there is one.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MetricsAccess")
            .field("allow", &self.allow)
            .field("token", &self.token.as_ref().map(|_| "(set)"))
            .finish()
    }
}

/// Everything Denglu needs to start, parsed and checked.
pub struct Settings {
    pub site_addr: SocketAddr,
    pub site_root: String,
    pub site_pkg_dir: String,
    pub output_name: String,
    /// The external base URL. `None` means "the address we end up listening on".
    pub public_url: Option<Url>,
    pub environment: Environment,
    pub database_url: SecretString,
    /// Key material for sealing provider tokens at rest.
    pub secret: SecretString,
    /// A session ends after this much inactivity...
    pub session_idle_minutes: i64,
    /// ...or, while nobody is signed in on it, after this much (a sign-in in progress).
    pub session_anonymous_minutes: i64,
    /// ...and in any case this long after it began.
    pub session_absolute_days: i64,
    /// Mount the provider simulator under `/_sim/` and point every provider at it.
    pub simulator: bool,
    pub providers: Vec<ProviderSettings>,
    /// Which WeChat QR code `/login` shows on a desktop.
    pub wechat_qr: WechatQr,
    pub endpoints: Endpoints,
    /// How long each step of a sign-in may take. Not read from the environment: the defaults
    /// are the security rules; tests shorten them to exercise expiry without sleeping.
    pub lifetimes: FlowLifetimes,
    /// Rate limits, live-stream caps and where the client address comes from.
    pub limits: Limits,
    /// Connect and total timeouts of every provider call (not from the environment either).
    pub provider_timeouts: providers::Timeouts,
    /// Denglu as an OpenID Connect provider.
    pub oidc: OidcSettings,
    /// How long the audit log keeps an event.
    pub audit_retention: std::time::Duration,
    /// Who may read `/metrics`.
    pub metrics: MetricsAccess,
}

/// The audit log's retention when the configuration does not say: a year.
pub const DEFAULT_AUDIT_RETENTION_DAYS: i64 = 365;

/// How Denglu serves the sites that sign people in through it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OidcSettings {
    /// Each client sees its own `sub` for a person, so two sites cannot join their users.
    pub pairwise_subjects: bool,
    /// How long a retired signing key stays in the JWKS (tokens it signed still verify).
    pub key_overlap: chrono::Duration,
    pub access_token_life: chrono::Duration,
    pub refresh_token_life: chrono::Duration,
    /// Clients declared in the configuration file (`[[oidc.clients]]`).
    pub clients: Vec<ConfiguredClient>,
    /// The longest a Denglu session lives (copied from `session.absolute_days`): how long a
    /// record of which sites a session signed in to is worth keeping.
    pub session_life: chrono::Duration,
}

impl Default for OidcSettings {
    fn default() -> Self {
        Self {
            pairwise_subjects: false,
            key_overlap: chrono::Duration::hours(24 * 7),
            access_token_life: chrono::Duration::minutes(10),
            refresh_token_life: chrono::Duration::days(30),
            clients: Vec::new(),
            session_life: chrono::Duration::days(30),
        }
    }
}

/// A client as `[[oidc.clients]]` declares it. The secret is given as its SHA-256 (hex), so
/// the file holds nothing that signs in; `denglu client hash-secret` makes one.
#[derive(Clone, PartialEq, Eq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfiguredClient {
    pub client_id: String,
    pub name: String,
    #[serde(default)]
    pub secret_sha256: Option<String>,
    pub redirect_uris: Vec<String>,
    #[serde(default)]
    pub post_logout_redirect_uris: Vec<String>,
    #[serde(default)]
    pub backchannel_logout_uri: Option<String>,
    #[serde(default)]
    pub public: bool,
    #[serde(default)]
    pub first_party: bool,
    #[serde(default)]
    pub id_token_signed_response_alg: Option<String>,
}

impl fmt::Debug for ConfiguredClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConfiguredClient")
            .field("client_id", &self.client_id)
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

/// Lifetimes of the short-lived records of a sign-in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FlowLifetimes {
    /// A `state` waiting for its callback (the rule: 10 minutes).
    pub state: std::time::Duration,
    /// A first login waiting for its profile to be completed.
    pub pending_signup: std::time::Duration,
    /// How long a consumed callback is remembered, so that WeChat's double redirect of the
    /// same code lands where the first one did instead of on a "code been used" error.
    pub replay: std::time::Duration,
}

impl Default for FlowLifetimes {
    fn default() -> Self {
        Self {
            state: std::time::Duration::from_secs(10 * 60),
            pending_signup: std::time::Duration::from_secs(30 * 60),
            replay: std::time::Duration::from_secs(60),
        }
    }
}

impl fmt::Debug for Settings {
    // Written by hand so that the database URL (which may hold a password) never prints.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Settings")
            .field("site_addr", &self.site_addr)
            .field("public_url", &self.public_url.as_ref().map(Url::as_str))
            .field("environment", &self.environment)
            .field("simulator", &self.simulator)
            .field("oidc", &self.oidc)
            .field("metrics", &self.metrics)
            .field(
                "providers",
                &self.providers.iter().map(|p| p.id).collect::<Vec<_>>(),
            )
            .finish_non_exhaustive()
    }
}

pub const DEFAULT_DATABASE_URL: &str = "sqlite://data/denglu.db?mode=rwc";

impl Settings {
    /// The external base URL: the configured one, else the address we listen on.
    pub fn public_base(&self) -> Url {
        self.public_url
            .clone()
            .unwrap_or_else(|| local_url(self.site_addr))
    }

    /// Cookies are `Secure` exactly when the site is served over https.
    pub fn secure_cookies(&self) -> bool {
        self.public_url
            .as_ref()
            .is_some_and(|u| u.scheme() == "https")
    }

    /// Where the SQLite database file lives, when the database is SQLite on a file.
    pub fn sqlite_file(&self) -> Option<PathBuf> {
        let url = self.database_url.expose_secret();
        let rest = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))?;
        let path = rest.split('?').next().unwrap_or_default();
        (!path.is_empty() && path != ":memory:").then(|| PathBuf::from(path))
    }
}

/// `http://{address}`: the site as reached on the address it listens on.
pub fn local_url(address: SocketAddr) -> Url {
    Url::parse(&format!("http://{address}")).expect("a socket address forms a valid http URL")
}
