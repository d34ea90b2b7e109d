//! Typed, validated configuration.
//!
//! Every setting is one [`Key`]: a path in `Leptos.toml` and an environment variable that
//! overrides it. [`Settings::load`] reads them all once at start-up and fails with one line
//! naming the bad key, so a mistyped URL never turns into a panic trace later on.

use std::collections::HashMap;
use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use providers::{AppCredentials, Endpoints, ProviderId, Secret};
use url::Url;

/// One configuration key: where it lives in `Leptos.toml` and which variable overrides it.
#[derive(Debug, Clone, Copy)]
pub struct Key {
    pub toml: &'static str,
    pub env: &'static str,
}

macro_rules! keys {
    ($($name:ident = $toml:literal, $env:literal;)*) => {
        $(pub const $name: Key = Key { toml: $toml, env: $env };)*
        /// Every key, for documentation and for the test that each one can be overridden.
        pub const ALL_KEYS: &[Key] = &[$($name),*];
    };
}

keys! {
    SITE_ADDR = "site.addr", "LEPTOS_SITE_ADDR";
    SITE_ROOT = "site.root", "LEPTOS_SITE_ROOT";
    SITE_PKG_DIR = "site.pkg_dir", "LEPTOS_SITE_PKG_DIR";
    OUTPUT_NAME = "site.output_name", "LEPTOS_OUTPUT_NAME";
    PUBLIC_URL = "site.public_url", "DENGLU_PUBLIC_URL";
    ENVIRONMENT = "site.environment", "DENGLU_ENV";
    DATABASE_URL = "database.url", "DATABASE_URL";
    SECRET = "security.secret", "DENGLU_SECRET";
    SESSION_IDLE_MINUTES = "session.idle_minutes", "DENGLU_SESSION_IDLE_MINUTES";
    SIMULATOR = "simulator.enabled", "DENGLU_SIMULATOR";
    PROVIDERS = "providers.offered", "DENGLU_PROVIDERS";
    WECHAT_QR = "providers.wechat_qr", "DENGLU_WECHAT_QR";
    WECHAT_OPEN_APPID = "providers.wechat.appid", "WECHAT_OPEN_APPID";
    WECHAT_OPEN_SECRET = "providers.wechat.secret", "WECHAT_OPEN_SECRET";
    WECHAT_MP_APPID = "providers.wechat_mp.appid", "WECHAT_MP_APPID";
    WECHAT_MP_SECRET = "providers.wechat_mp.secret", "WECHAT_MP_SECRET";
    QQ_APPID = "providers.qq.appid", "QQ_APPID";
    QQ_APPKEY = "providers.qq.appkey", "QQ_APPKEY";
    WEIBO_APPKEY = "providers.weibo.appkey", "WEIBO_APPKEY";
    WEIBO_SECRET = "providers.weibo.secret", "WEIBO_SECRET";
    WECHAT_OPEN_BASE = "providers.wechat_open_base", "WECHAT_OPEN_BASE";
    WECHAT_API_BASE = "providers.wechat_api_base", "WECHAT_API_BASE";
    QQ_BASE = "providers.qq_base", "QQ_BASE";
    WEIBO_BASE = "providers.weibo_base", "WEIBO_BASE";
}

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
    fn invalid(key: Key, reason: impl Into<String>) -> Self {
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

/// The raw values: `Leptos.toml` flattened to dotted keys, with the environment on top.
#[derive(Debug, Default, Clone)]
pub struct Source {
    values: HashMap<&'static str, String>,
}

impl Source {
    /// Reads `path` (absent is fine: every key has a default) and overlays `env`.
    pub fn from_file_and_env(
        path: &Path,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, ConfigError> {
        let file = match std::fs::read_to_string(path) {
            Ok(text) => flatten_toml(&text).map_err(|reason| ConfigError::File {
                path: path.display().to_string(),
                reason,
            })?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => HashMap::new(),
            Err(e) => {
                return Err(ConfigError::File {
                    path: path.display().to_string(),
                    reason: e.to_string(),
                });
            }
        };
        let mut values = HashMap::new();
        for key in ALL_KEYS {
            let value = env(key.env).or_else(|| file.get(key.toml).cloned());
            if let Some(value) = value {
                values.insert(key.env, value);
            }
        }
        Ok(Self { values })
    }

    /// A source from explicit pairs of environment names and values (tests build settings this way).
    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        let given: HashMap<&str, &str> = pairs.into_iter().collect();
        let values = ALL_KEYS
            .iter()
            .filter_map(|key| given.get(key.env).map(|v| (key.env, v.to_string())))
            .collect();
        Self { values }
    }

    pub fn set(&mut self, key: Key, value: impl Into<String>) {
        self.values.insert(key.env, value.into());
    }

    /// The value of `key`, with blank values treated as unset.
    fn get(&self, key: Key) -> Option<&str> {
        self.values
            .get(key.env)
            .map(|v| v.trim())
            .filter(|v| !v.is_empty())
    }
}

fn flatten_toml(text: &str) -> Result<HashMap<String, String>, String> {
    let table: toml::Table = toml::from_str(text).map_err(|e| e.message().to_string())?;
    let mut out = HashMap::new();
    flatten_into(&mut out, "", &table);
    Ok(out)
}

fn flatten_into(out: &mut HashMap<String, String>, prefix: &str, table: &toml::Table) {
    for (name, value) in table {
        let path = if prefix.is_empty() {
            name.clone()
        } else {
            format!("{prefix}.{name}")
        };
        match value {
            toml::Value::Table(inner) => flatten_into(out, &path, inner),
            toml::Value::String(s) => {
                out.insert(path, s.clone());
            }
            toml::Value::Array(items) => {
                let joined: Vec<String> = items
                    .iter()
                    .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_string))
                    .collect();
                out.insert(path, joined.join(","));
            }
            other => {
                out.insert(path, other.to_string());
            }
        }
    }
}

/// One provider the site offers: who we are to it and where it lives.
#[derive(Debug, Clone)]
pub struct ProviderSettings {
    pub id: ProviderId,
    pub credentials: AppCredentials,
}

/// Everything Denglu needs to start, parsed and checked.
#[derive(Clone)]
pub struct Settings {
    pub site_addr: SocketAddr,
    pub site_root: String,
    pub site_pkg_dir: String,
    pub output_name: String,
    /// The external base URL. `None` means "the address we end up listening on".
    pub public_url: Option<Url>,
    pub environment: Environment,
    pub database_url: Secret,
    /// Key material for sealing provider tokens at rest.
    pub secret: Secret,
    pub session_idle_minutes: i64,
    /// Mount the provider simulator under `/_sim/` and point every provider at it.
    pub simulator: bool,
    pub providers: Vec<ProviderSettings>,
    /// Which WeChat QR code `/login` shows on a desktop.
    pub wechat_qr: WechatQr,
    pub endpoints: Endpoints,
    /// How long each step of a sign-in may take. Not read from the environment: the defaults
    /// are the security rules; tests shorten them to exercise expiry without sleeping.
    pub lifetimes: FlowLifetimes,
    /// Connect and total timeouts of every provider call (not from the environment either).
    pub provider_timeouts: providers::Timeouts,
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
            .field(
                "providers",
                &self.providers.iter().map(|p| p.id).collect::<Vec<_>>(),
            )
            .finish_non_exhaustive()
    }
}

/// Where the simulator is mounted when `DENGLU_SIMULATOR` is on.
pub const SIMULATOR_MOUNT: &str = "/_sim";

pub const DEFAULT_DATABASE_URL: &str = "sqlite://data/denglu.db?mode=rwc";
/// Used only in development, where tokens are simulated; production must set DENGLU_SECRET.
const DEVELOPMENT_SECRET: &str = "denglu-development-secret-not-for-production";
const MIN_SECRET_LEN: usize = 32;

impl Settings {
    /// Loads `Leptos.toml` (or the file named by `DENGLU_CONFIG`) and the process environment.
    pub fn load() -> Result<Self, ConfigError> {
        let path = std::env::var("DENGLU_CONFIG").unwrap_or_else(|_| "Leptos.toml".into());
        let source = Source::from_file_and_env(Path::new(&path), |name| std::env::var(name).ok())?;
        Self::from_source(&source)
    }

    pub fn from_source(source: &Source) -> Result<Self, ConfigError> {
        let environment = match source.get(ENVIRONMENT).unwrap_or("development") {
            "development" | "dev" => Environment::Development,
            "production" | "prod" => Environment::Production,
            other => {
                return Err(ConfigError::invalid(
                    ENVIRONMENT,
                    format!("`{other}` is neither `development` nor `production`"),
                ));
            }
        };
        let production = environment == Environment::Production;

        let site_addr = source
            .get(SITE_ADDR)
            .unwrap_or("127.0.0.1:3000")
            .parse()
            .map_err(|_| {
                ConfigError::invalid(SITE_ADDR, "expected an address like 127.0.0.1:3000")
            })?;

        let public_url = source
            .get(PUBLIC_URL)
            .map(|raw| parse_base_url(PUBLIC_URL, raw))
            .transpose()?;

        let secret = match source.get(SECRET) {
            Some(s) if s.len() >= MIN_SECRET_LEN => Secret::new(s.to_string()),
            Some(_) => {
                return Err(ConfigError::invalid(
                    SECRET,
                    format!("must be at least {MIN_SECRET_LEN} characters"),
                ));
            }
            None if production => {
                return Err(ConfigError::invalid(SECRET, "is required in production"));
            }
            None => Secret::new(DEVELOPMENT_SECRET.to_string()),
        };

        let session_idle_minutes = match source.get(SESSION_IDLE_MINUTES) {
            None => 60 * 24 * 7,
            Some(raw) => raw.parse::<i64>().ok().filter(|m| *m > 0).ok_or_else(|| {
                ConfigError::invalid(
                    SESSION_IDLE_MINUTES,
                    "expected a positive number of minutes",
                )
            })?,
        };

        let configured = configured_providers(source)?;
        let simulator = match source.get(SIMULATOR) {
            None | Some("auto") => configured.is_empty() && !production,
            Some("1" | "true" | "on") => true,
            Some("0" | "false" | "off") => false,
            Some(other) => {
                return Err(ConfigError::invalid(
                    SIMULATOR,
                    format!("`{other}` is not one of 1, 0, auto"),
                ));
            }
        };
        if simulator && production {
            return Err(ConfigError::invalid(
                SIMULATOR,
                "the simulator cannot run in production",
            ));
        }

        let mut providers = if simulator {
            simulated_providers()
        } else {
            configured
        };
        if let Some(offered) = source.get(PROVIDERS) {
            providers = restrict_to_offered(providers, offered)?;
        }

        let offers = |id| providers.iter().any(|p: &ProviderSettings| p.id == id);
        let wechat_qr = match source.get(WECHAT_QR).unwrap_or("auto") {
            "auto" if offers(ProviderId::Wechat) => WechatQr::Embedded,
            "auto" if offers(ProviderId::WechatMp) => WechatQr::Own,
            "auto" => WechatQr::Off,
            "embedded" if offers(ProviderId::Wechat) => WechatQr::Embedded,
            "own" if offers(ProviderId::WechatMp) => WechatQr::Own,
            "embedded" => {
                return Err(ConfigError::invalid(
                    WECHAT_QR,
                    "`embedded` needs the WeChat website app (WECHAT_OPEN_APPID)",
                ));
            }
            "own" => {
                return Err(ConfigError::invalid(
                    WECHAT_QR,
                    "`own` needs the Official Account (WECHAT_MP_APPID)",
                ));
            }
            other => {
                return Err(ConfigError::invalid(
                    WECHAT_QR,
                    format!("`{other}` is not one of auto, embedded, own"),
                ));
            }
        };

        let endpoints = Endpoints {
            wechat_open: base_or_default(source, WECHAT_OPEN_BASE, "https://open.weixin.qq.com")?,
            wechat_api: base_or_default(source, WECHAT_API_BASE, "https://api.weixin.qq.com")?,
            qq: base_or_default(source, QQ_BASE, "https://graph.qq.com")?,
            weibo: base_or_default(source, WEIBO_BASE, "https://api.weibo.com")?,
        };

        let database_url = source.get(DATABASE_URL).unwrap_or(DEFAULT_DATABASE_URL);
        if !(database_url.starts_with("sqlite:")
            || database_url.starts_with("postgres://")
            || database_url.starts_with("postgresql://"))
        {
            return Err(ConfigError::invalid(
                DATABASE_URL,
                "expected a sqlite: or postgres:// URL",
            ));
        }

        Ok(Self {
            site_addr,
            site_root: source.get(SITE_ROOT).unwrap_or("target/site").to_string(),
            site_pkg_dir: source.get(SITE_PKG_DIR).unwrap_or("pkg").to_string(),
            output_name: source.get(OUTPUT_NAME).unwrap_or("denglu").to_string(),
            public_url,
            environment,
            database_url: Secret::new(database_url.to_string()),
            secret,
            session_idle_minutes,
            simulator,
            providers,
            wechat_qr,
            endpoints,
            lifetimes: FlowLifetimes::default(),
            provider_timeouts: providers::Timeouts::default(),
        })
    }

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
        let url = self.database_url.expose();
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

fn parse_base_url(key: Key, raw: &str) -> Result<Url, ConfigError> {
    let url = Url::parse(raw)
        .map_err(|e| ConfigError::invalid(key, format!("`{raw}` is not a URL ({e})")))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(ConfigError::invalid(
            key,
            format!("`{raw}` must be an http or https URL"),
        ));
    }
    Ok(url)
}

fn base_or_default(source: &Source, key: Key, default: &str) -> Result<Url, ConfigError> {
    parse_base_url(key, source.get(key).unwrap_or(default))
}

/// The providers whose credentials are set. Half a pair is an error, not a silent omission.
fn configured_providers(source: &Source) -> Result<Vec<ProviderSettings>, ConfigError> {
    let pairs = [
        (ProviderId::Wechat, WECHAT_OPEN_APPID, WECHAT_OPEN_SECRET),
        (ProviderId::WechatMp, WECHAT_MP_APPID, WECHAT_MP_SECRET),
        (ProviderId::Qq, QQ_APPID, QQ_APPKEY),
        (ProviderId::Weibo, WEIBO_APPKEY, WEIBO_SECRET),
    ];
    let mut out = Vec::new();
    for (id, app_key, secret_key) in pairs {
        match (source.get(app_key), source.get(secret_key)) {
            (Some(app_id), Some(secret)) => out.push(ProviderSettings {
                id,
                credentials: AppCredentials {
                    app_id: app_id.to_string(),
                    secret: Secret::new(secret.to_string()),
                },
            }),
            (Some(_), None) => {
                return Err(ConfigError::invalid(
                    secret_key,
                    format!("is required when {} is set", app_key.env),
                ));
            }
            (None, Some(_)) => {
                return Err(ConfigError::invalid(
                    app_key,
                    format!("is required when {} is set", secret_key.env),
                ));
            }
            (None, None) => {}
        }
    }
    Ok(out)
}

/// The simulator's registered apps, so a laptop gets every provider with no setup.
fn simulated_providers() -> Vec<ProviderSettings> {
    let app = |id, app_id: &str, secret: &str| ProviderSettings {
        id,
        credentials: AppCredentials {
            app_id: app_id.to_string(),
            secret: Secret::new(secret.to_string()),
        },
    };
    vec![
        app(
            ProviderId::Wechat,
            simulator::WECHAT_OPEN_APPID,
            simulator::WECHAT_OPEN_SECRET,
        ),
        app(
            ProviderId::WechatMp,
            simulator::WECHAT_MP_APPID,
            simulator::WECHAT_MP_SECRET,
        ),
        app(ProviderId::Qq, simulator::QQ_APPID, simulator::QQ_APPKEY),
        app(
            ProviderId::Weibo,
            simulator::WEIBO_APPKEY,
            simulator::WEIBO_SECRET,
        ),
    ]
}

/// Keeps only the providers named in `offered`, in that order; an unknown name is an error.
fn restrict_to_offered(
    available: Vec<ProviderSettings>,
    offered: &str,
) -> Result<Vec<ProviderSettings>, ConfigError> {
    let mut out = Vec::new();
    for name in offered.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let id: ProviderId = name.parse().map_err(|_| {
            ConfigError::invalid(
                PROVIDERS,
                format!("unknown provider `{name}` (known: wechat, wechat_mp, qq, weibo)"),
            )
        })?;
        let settings = available.iter().find(|p| p.id == id).ok_or_else(|| {
            ConfigError::invalid(
                PROVIDERS,
                format!("provider `{name}` is offered but has no credentials"),
            )
        })?;
        out.push(settings.clone());
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(pairs: &[(&str, &str)]) -> Result<Settings, ConfigError> {
        Settings::from_source(&Source::from_pairs(pairs.iter().copied()))
    }

    fn error_line(pairs: &[(&str, &str)]) -> String {
        settings(pairs)
            .expect_err("configuration should be refused")
            .to_string()
    }

    #[test]
    fn defaults_give_a_development_site_on_sqlite_with_the_simulator() {
        let s = settings(&[]).expect("defaults are valid");
        assert_eq!(s.site_addr.to_string(), "127.0.0.1:3000");
        assert_eq!(s.environment, Environment::Development);
        assert!(s.simulator);
        assert_eq!(s.providers.len(), 4);
        assert_eq!(s.sqlite_file(), Some(PathBuf::from("data/denglu.db")));
        assert!(!s.secure_cookies());
    }

    #[test]
    fn every_key_is_read_from_the_file_and_overridden_by_the_environment() {
        let dir = tempfile::tempdir().expect("temp dir");
        for key in ALL_KEYS {
            let (table, name) = key.toml.rsplit_once('.').expect("keys are dotted");
            let path = dir.path().join("Leptos.toml");
            std::fs::write(&path, format!("[{table}]\n{name} = \"from-file\"\n")).expect("write");
            let from_file = Source::from_file_and_env(&path, |_| None).expect("parse");
            assert_eq!(
                from_file.get(*key),
                Some("from-file"),
                "{} not read from file",
                key.toml
            );
            let overridden = Source::from_file_and_env(&path, |n| {
                (n == key.env).then(|| "from-env".to_string())
            })
            .expect("parse");
            assert_eq!(
                overridden.get(*key),
                Some("from-env"),
                "{} not overridden",
                key.env
            );
        }
    }

    #[test]
    fn a_bad_public_url_names_its_key() {
        let line = error_line(&[("DENGLU_PUBLIC_URL", "not a url")]);
        assert!(
            line.starts_with("DENGLU_PUBLIC_URL (site.public_url):"),
            "{line}"
        );
        let line = error_line(&[("DENGLU_PUBLIC_URL", "ftp://example.com")]);
        assert!(line.contains("http or https"), "{line}");
    }

    #[test]
    fn production_requires_a_long_secret_and_refuses_the_simulator() {
        let line = error_line(&[
            ("DENGLU_ENV", "production"),
            ("QQ_APPID", "1"),
            ("QQ_APPKEY", "k"),
        ]);
        assert!(line.starts_with("DENGLU_SECRET"), "{line}");
        let line = error_line(&[("DENGLU_SECRET", "short")]);
        assert!(line.contains("at least 32"), "{line}");
        let long = "x".repeat(40);
        let line = error_line(&[
            ("DENGLU_ENV", "production"),
            ("DENGLU_SECRET", &long),
            ("DENGLU_SIMULATOR", "1"),
        ]);
        assert!(line.starts_with("DENGLU_SIMULATOR"), "{line}");
    }

    #[test]
    fn configured_credentials_turn_the_simulator_off_and_offer_only_those_providers() {
        let s = settings(&[("QQ_APPID", "101"), ("QQ_APPKEY", "key")]).expect("valid");
        assert!(!s.simulator);
        assert_eq!(
            s.providers.iter().map(|p| p.id).collect::<Vec<_>>(),
            vec![ProviderId::Qq]
        );
        assert_eq!(s.providers[0].credentials.app_id, "101");
    }

    #[test]
    fn half_a_credential_pair_is_an_error() {
        let line = error_line(&[("WEIBO_APPKEY", "2000")]);
        assert!(line.starts_with("WEIBO_SECRET"), "{line}");
    }

    #[test]
    fn an_unknown_provider_is_named() {
        let line = error_line(&[("DENGLU_PROVIDERS", "qq,github")]);
        assert!(line.contains("unknown provider `github`"), "{line}");
    }

    #[test]
    fn offered_providers_keep_the_given_order() {
        let s = settings(&[("DENGLU_PROVIDERS", "weibo, qq")]).expect("valid");
        assert_eq!(
            s.providers.iter().map(|p| p.id).collect::<Vec<_>>(),
            vec![ProviderId::Weibo, ProviderId::Qq]
        );
    }

    #[test]
    fn the_wechat_qr_follows_the_configured_apps() {
        assert_eq!(settings(&[]).expect("valid").wechat_qr, WechatQr::Embedded);
        let own = settings(&[("DENGLU_WECHAT_QR", "own")]).expect("valid");
        assert_eq!(own.wechat_qr, WechatQr::Own);
        let mp_only =
            settings(&[("WECHAT_MP_APPID", "wx1"), ("WECHAT_MP_SECRET", "s")]).expect("valid");
        assert_eq!(mp_only.wechat_qr, WechatQr::Own);
        let qq_only = settings(&[("QQ_APPID", "1"), ("QQ_APPKEY", "k")]).expect("valid");
        assert_eq!(qq_only.wechat_qr, WechatQr::Off);
        let line = error_line(&[
            ("QQ_APPID", "1"),
            ("QQ_APPKEY", "k"),
            ("DENGLU_WECHAT_QR", "embedded"),
        ]);
        assert!(line.starts_with("DENGLU_WECHAT_QR"), "{line}");
    }

    #[test]
    fn https_public_url_makes_cookies_secure() {
        let s = settings(&[("DENGLU_PUBLIC_URL", "https://login.example.com")]).expect("valid");
        assert!(s.secure_cookies());
    }

    #[test]
    fn debug_output_never_shows_secrets() {
        let s = settings(&[
            ("DATABASE_URL", "postgres://u:hunter2@db/denglu"),
            ("DENGLU_SECRET", &"s".repeat(40)),
        ])
        .expect("valid");
        let printed = format!("{s:?}");
        assert!(
            !printed.contains("hunter2") && !printed.contains("sss"),
            "{printed}"
        );
    }
}
