//! Typed, validated configuration.
//!
//! Every setting is a key in `Leptos.toml` and an environment variable that overrides it
//! ([`keys`]; the providers declare theirs). [`Settings::load`] reads them all once at
//! start-up and fails with one line naming the bad key, so a mistyped URL never turns into a
//! panic trace later on. Loading (`sources`, `load`) is kept apart from the decisions made
//! from the values (`policy`, [`simulation`]).

pub mod keys;
mod load;
mod policy;
pub mod simulation;
mod sources;

use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use providers::{AppCredentials, ConfigKey, Endpoints, ProviderId};
use secrecy::{ExposeSecret, SecretString};
use url::Url;

pub use policy::WechatQr;
pub use simulation::SIMULATOR_MOUNT;
use sources::Sources;

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
    fn invalid(key: ConfigKey, reason: impl Into<String>) -> Self {
        Self::Invalid {
            env: key.env,
            toml: key.toml,
            reason: reason.into(),
        }
    }
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

pub const DEFAULT_DATABASE_URL: &str = "sqlite://data/denglu.db?mode=rwc";

impl Settings {
    /// Loads `Leptos.toml` (or the file named by `DENGLU_CONFIG`) and the process environment.
    pub fn load() -> Result<Self, ConfigError> {
        let path = std::env::var("DENGLU_CONFIG").unwrap_or_else(|_| "Leptos.toml".into());
        let sources =
            Sources::from_file_and_env(Path::new(&path), |name| std::env::var(name).ok())?;
        load::settings(&sources)
    }

    /// Settings from pairs of environment names and values alone, as if no file existed
    /// (tests build settings this way). A later pair for the same name wins.
    pub fn from_pairs<'a>(
        pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Self, ConfigError> {
        load::settings(&Sources::from_pairs(pairs))
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

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(pairs: &[(&str, &str)]) -> Result<Settings, ConfigError> {
        Settings::from_pairs(pairs.iter().copied())
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

    /// What a provider needs besides its file: its two translations and its icon.
    #[test]
    fn every_provider_has_its_button() {
        let locales = [
            include_str!("../../locales/en/main.ftl"),
            include_str!("../../locales/zh-CN/main.ftl"),
        ];
        for id in ProviderId::ALL {
            let spec = id.spec();
            for (locale, key) in locales
                .iter()
                .flat_map(|l| [(l, spec.label_key), (l, spec.hint_key)])
            {
                let translated = locale.lines().any(|line| {
                    line.split_once(" = ")
                        .is_some_and(|(k, v)| k.trim() == key && !v.trim().is_empty())
                });
                assert!(translated, "{key} is not translated");
            }
            let icon = Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("public")
                .join(spec.icon.trim_start_matches('/'));
            assert!(icon.is_file(), "{} is missing", icon.display());
        }
    }
}
