//! From raw values to typed, checked [`Settings`]: each value parsed where it is read, its
//! default beside it, every error naming its key.

use std::net::SocketAddr;

use providers::{AppCredentials, ConfigKey, Endpoints, ProviderId};
use secrecy::{ExposeSecret, SecretString};
use url::Url;

use std::path::Path;

use super::keys::*;
use super::settings::{
    ConfigError, DEFAULT_DATABASE_URL, Environment, FlowLifetimes, Limits, MetricsAccess,
    OidcSettings, ProviderSettings, Settings,
};
use super::sources::Sources;
use super::{policy, simulation};

impl Settings {
    /// Loads `Leptos.toml` (or the file named by `DENGLU_CONFIG`) and the process environment.
    pub fn load() -> Result<Self, ConfigError> {
        let path = std::env::var("DENGLU_CONFIG").unwrap_or_else(|_| "Leptos.toml".into());
        let sources =
            Sources::from_file_and_env(Path::new(&path), |name| std::env::var(name).ok())?;
        settings(&sources)
    }

    /// Settings from pairs of environment names and values alone, as if no file existed
    /// (tests build settings this way). A later pair for the same name wins.
    pub fn from_pairs<'a>(
        pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Self, ConfigError> {
        settings(&Sources::from_pairs(pairs))
    }

    /// Whether tokens are sealed with the public development key (no `DENGLU_SECRET` given,
    /// which only the simulator's play money allows).
    pub fn uses_development_secret(&self) -> bool {
        self.secret.expose_secret() == DEVELOPMENT_SECRET
    }
}

/// Used only in development, where tokens are simulated; production must set DENGLU_SECRET.
const DEVELOPMENT_SECRET: &str = "denglu-development-secret-not-for-production";
const MIN_SECRET_LEN: usize = 32;

/// Reads every setting, in the order that decides which error a start-up reports first.
pub fn settings(source: &Sources) -> Result<Settings, ConfigError> {
    let environment = environment(source)?;
    let production = environment == Environment::Production;
    let site_addr = site_addr(source)?;
    let public_url = source
        .get(PUBLIC_URL)
        .map(|raw| parse_base_url(PUBLIC_URL, &raw))
        .transpose()?;
    let secret = source.get(SECRET);
    let session_idle_minutes = positive(source, SESSION_IDLE_MINUTES, 60 * 24 * 7, "minutes")?;
    let session_anonymous_minutes = positive(source, SESSION_ANONYMOUS_MINUTES, 30, "minutes")?;
    let session_absolute_days = positive(source, SESSION_ABSOLUTE_DAYS, 30, "days")?;

    let configured = configured_providers(source)?;
    let simulator = policy::simulator(
        source.get(SIMULATOR).as_deref(),
        !configured.is_empty(),
        production,
    )?;
    let available = if simulator {
        simulation::simulated_providers()
    } else {
        configured
    };
    let providers = policy::offered(available, source.get(PROVIDERS).as_deref())?;
    let wechat_qr = policy::wechat_qr(source.get(WECHAT_QR).as_deref(), &providers)?;
    // Real tokens need a real key: the development one is public.
    let real_providers = (!simulator && !providers.is_empty()).then_some(&providers[..]);
    let secret = self::secret(secret, production, real_providers)?;
    let endpoints = endpoints(source)?;
    if production {
        require_https(public_url.as_ref(), &endpoints)?;
    }

    Ok(Settings {
        endpoints,
        database_url: database_url(source)?,
        site_addr,
        site_root: text_or(source, SITE_ROOT, "target/site"),
        site_pkg_dir: text_or(source, SITE_PKG_DIR, "pkg"),
        output_name: text_or(source, OUTPUT_NAME, "denglu"),
        public_url,
        environment,
        secret,
        session_idle_minutes,
        session_anonymous_minutes,
        session_absolute_days,
        simulator,
        providers,
        wechat_qr,
        lifetimes: FlowLifetimes::default(),
        provider_timeouts: providers::Timeouts::default(),
        limits: limits(source)?,
        oidc: oidc(source, chrono::Duration::days(session_absolute_days))?,
        audit_retention: std::time::Duration::from_secs(
            positive(
                source,
                AUDIT_RETENTION_DAYS,
                crate::config::settings::DEFAULT_AUDIT_RETENTION_DAYS,
                "days",
            )?
            .unsigned_abs()
            .saturating_mul(86_400),
        ),
        metrics: metrics(source)?,
    })
}

/// A bearer token shorter than this could be guessed by a patient scraper.
const MIN_METRICS_TOKEN_LEN: usize = 16;

/// `/metrics` access: addresses (`10.0.0.5`) and ranges (`10.0.0.0/8`, `fd00::/8`), comma
/// separated, and a bearer token.
fn metrics(source: &Sources) -> Result<MetricsAccess, ConfigError> {
    let allow = source
        .get(METRICS_ALLOW)
        .map(|raw| {
            raw.split(',')
                .map(str::trim)
                .filter(|entry| !entry.is_empty())
                .map(|entry| {
                    entry
                        .parse::<ipnet::IpNet>()
                        .or_else(|_| entry.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
                        .map_err(|_| {
                            ConfigError::invalid(
                                METRICS_ALLOW,
                                format!(
                                    "`{entry}` is neither an IP address nor a range like 10.0.0.0/8"
                                ),
                            )
                        })
                })
                .collect::<Result<Vec<_>, _>>()
        })
        .transpose()?
        .unwrap_or_default();
    let token = match source.get(METRICS_TOKEN) {
        Some(token) if token.chars().count() < MIN_METRICS_TOKEN_LEN => {
            return Err(ConfigError::invalid(
                METRICS_TOKEN,
                format!("must be at least {MIN_METRICS_TOKEN_LEN} characters"),
            ));
        }
        token => token.map(SecretString::from),
    };
    Ok(MetricsAccess { allow, token })
}

fn oidc(source: &Sources, session_life: chrono::Duration) -> Result<OidcSettings, ConfigError> {
    let defaults = OidcSettings::default();
    let pairwise_subjects = match source.get(OIDC_PAIRWISE).as_deref() {
        None | Some("0" | "false" | "no") => false,
        Some("1" | "true" | "yes") => true,
        Some(other) => {
            return Err(ConfigError::invalid(
                OIDC_PAIRWISE,
                format!("`{other}` is neither true nor false"),
            ));
        }
    };
    let clients = source.clients()?;
    for client in &clients {
        crate::config::policy::check_configured_client(client)?;
    }
    Ok(OidcSettings {
        pairwise_subjects,
        key_overlap: chrono::Duration::hours(positive(
            source,
            OIDC_KEY_OVERLAP_HOURS,
            defaults.key_overlap.num_hours(),
            "hours",
        )?),
        access_token_life: chrono::Duration::minutes(positive(
            source,
            OIDC_ACCESS_TOKEN_MINUTES,
            defaults.access_token_life.num_minutes(),
            "minutes",
        )?),
        refresh_token_life: chrono::Duration::days(positive(
            source,
            OIDC_REFRESH_TOKEN_DAYS,
            defaults.refresh_token_life.num_days(),
            "days",
        )?),
        clients,
        session_life,
    })
}

fn text_or(source: &Sources, key: ConfigKey, default: &str) -> String {
    source.get(key).unwrap_or_else(|| default.to_string())
}

fn environment(source: &Sources) -> Result<Environment, ConfigError> {
    match source.get(ENVIRONMENT).as_deref().unwrap_or("development") {
        "development" | "dev" => Ok(Environment::Development),
        "production" | "prod" => Ok(Environment::Production),
        other => Err(ConfigError::invalid(
            ENVIRONMENT,
            format!("`{other}` is neither `development` nor `production`"),
        )),
    }
}

fn site_addr(source: &Sources) -> Result<SocketAddr, ConfigError> {
    text_or(source, SITE_ADDR, "127.0.0.1:3000")
        .parse()
        .map_err(|_| ConfigError::invalid(SITE_ADDR, "expected an address like 127.0.0.1:3000"))
}

fn secret(
    given: Option<String>,
    production: bool,
    real_providers: Option<&[ProviderSettings]>,
) -> Result<SecretString, ConfigError> {
    match (given, real_providers) {
        (Some(s), _) if s.len() >= MIN_SECRET_LEN => Ok(SecretString::from(s)),
        (Some(_), _) => Err(ConfigError::invalid(
            SECRET,
            format!("must be at least {MIN_SECRET_LEN} characters"),
        )),
        (None, _) if production => Err(ConfigError::invalid(SECRET, "is required in production")),
        (None, Some(providers)) => {
            let named: Vec<&str> = providers.iter().map(|p| p.id.spec().app_id.env).collect();
            Err(ConfigError::invalid(
                SECRET,
                format!(
                    "is required when real providers are configured ({}): without it tokens \
                     would be sealed with the public development key",
                    named.join(", ")
                ),
            ))
        }
        (None, None) => Ok(SecretString::from(DEVELOPMENT_SECRET)),
    }
}

/// Production is served over https, and talks to providers over https: codes, tokens and
/// session cookies never cross the network in clear.
fn require_https(public_url: Option<&Url>, endpoints: &Endpoints) -> Result<(), ConfigError> {
    match public_url {
        Some(url) if url.scheme() == "https" => {}
        Some(url) => {
            return Err(ConfigError::invalid(
                PUBLIC_URL,
                format!("`{url}` must be an https URL in production"),
            ));
        }
        None => {
            return Err(ConfigError::invalid(
                PUBLIC_URL,
                "is required in production, as an https URL",
            ));
        }
    }
    for host in providers::all_hosts() {
        let base = endpoints.base(host);
        if base.scheme() != "https" {
            return Err(ConfigError::invalid(
                host.base,
                format!("`{base}` must be an https URL in production"),
            ));
        }
    }
    Ok(())
}

fn limits(source: &Sources) -> Result<Limits, ConfigError> {
    let defaults = Limits::default();
    let count = |key: ConfigKey, default: u32| -> Result<u32, ConfigError> {
        match source.get(key) {
            None => Ok(default),
            Some(raw) => raw.parse::<u32>().ok().filter(|n| *n > 0).ok_or_else(|| {
                ConfigError::invalid(key, format!("`{raw}` is not a positive whole number"))
            }),
        }
    };
    let trusted_proxy_header = source
        .get(TRUSTED_PROXY_HEADER)
        .map(|raw| {
            http::HeaderName::from_bytes(raw.as_bytes()).map_err(|_| {
                ConfigError::invalid(
                    TRUSTED_PROXY_HEADER,
                    format!("`{raw}` is not a header name (e.g. X-Forwarded-For)"),
                )
            })
        })
        .transpose()?;
    let widen = |n: u32| usize::try_from(n).unwrap_or(usize::MAX);
    Ok(Limits {
        signin_per_address: count(LIMIT_SIGNIN_PER_ADDRESS, defaults.signin_per_address)?,
        signin_per_session: count(LIMIT_SIGNIN_PER_SESSION, defaults.signin_per_session)?,
        forms_per_address: count(LIMIT_FORMS_PER_ADDRESS, defaults.forms_per_address)?,
        forms_per_session: count(LIMIT_FORMS_PER_SESSION, defaults.forms_per_session)?,
        streams_per_client: widen(count(
            STREAMS_PER_CLIENT,
            u32::try_from(defaults.streams_per_client).unwrap_or(u32::MAX),
        )?),
        streams_max: widen(count(
            STREAMS_MAX,
            u32::try_from(defaults.streams_max).unwrap_or(u32::MAX),
        )?),
        qr_tickets_per_network: count(QR_TICKETS_PER_NETWORK, defaults.qr_tickets_per_network)?,
        trusted_proxy_header,
    })
}

/// A positive whole number of `unit`s, `default` when unset.
fn positive(
    source: &Sources,
    key: ConfigKey,
    default: i64,
    unit: &str,
) -> Result<i64, ConfigError> {
    match source.get(key) {
        None => Ok(default),
        Some(raw) => raw.parse::<i64>().ok().filter(|n| *n > 0).ok_or_else(|| {
            ConfigError::invalid(key, format!("expected a positive number of {unit}"))
        }),
    }
}

fn database_url(source: &Sources) -> Result<SecretString, ConfigError> {
    let url = text_or(source, DATABASE_URL, DEFAULT_DATABASE_URL);
    if ["sqlite:", "postgres://", "postgresql://"]
        .iter()
        .any(|scheme| url.starts_with(scheme))
    {
        Ok(SecretString::from(url))
    } else {
        Err(ConfigError::invalid(
            DATABASE_URL,
            "expected a sqlite: or postgres:// URL",
        ))
    }
}

/// The providers whose credentials are set. Half a pair is an error, not a silent omission.
fn configured_providers(source: &Sources) -> Result<Vec<ProviderSettings>, ConfigError> {
    let mut out = Vec::new();
    for id in ProviderId::ALL {
        let (app_key, secret_key) = (id.spec().app_id, id.spec().secret);
        match (source.get(app_key), source.get(secret_key)) {
            (Some(app_id), Some(secret)) => out.push(ProviderSettings {
                id,
                credentials: AppCredentials::new(app_id, secret),
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

/// Each provider host the configuration moves; the others stay the real ones.
fn endpoints(source: &Sources) -> Result<Endpoints, ConfigError> {
    let mut endpoints = Endpoints::default();
    for host in providers::all_hosts() {
        if let Some(raw) = source.get(host.base) {
            endpoints.set(host, parse_base_url(host.base, &raw)?);
        }
    }
    Ok(endpoints)
}

fn parse_base_url(key: ConfigKey, raw: &str) -> Result<Url, ConfigError> {
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

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;
    use crate::config::WechatQr;

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
    fn real_providers_need_a_secret_even_in_development() {
        let line = error_line(&[("QQ_APPID", "1"), ("QQ_APPKEY", "k")]);
        assert!(
            line.starts_with("DENGLU_SECRET (security.secret):"),
            "{line}"
        );
        assert!(line.contains("QQ_APPID"), "{line}");
        // The simulator's tokens are play money: the development key is fine for them.
        assert!(settings(&[]).is_ok());
        assert!(
            settings(&[
                ("QQ_APPID", "1"),
                ("QQ_APPKEY", "k"),
                ("DENGLU_SIMULATOR", "1")
            ])
            .is_ok()
        );
    }

    #[test]
    fn production_requires_https_for_the_site_and_every_provider() {
        let long = "x".repeat(40);
        let base = [
            ("DENGLU_ENV", "production"),
            ("DENGLU_SECRET", long.as_str()),
            ("QQ_APPID", "1"),
            ("QQ_APPKEY", "k"),
        ];
        let with = |extra: &[(&'static str, &'static str)]| {
            let mut pairs: Vec<(&str, &str)> = base.to_vec();
            pairs.extend_from_slice(extra);
            pairs
        };
        let line = error_line(&with(&[]));
        assert!(line.starts_with("DENGLU_PUBLIC_URL"), "{line}");
        let line = error_line(&with(&[("DENGLU_PUBLIC_URL", "http://login.example.com")]));
        assert!(line.starts_with("DENGLU_PUBLIC_URL"), "{line}");
        assert!(line.contains("https"), "{line}");
        let line = error_line(&with(&[
            ("DENGLU_PUBLIC_URL", "https://login.example.com"),
            ("QQ_BASE", "http://graph.qq.com"),
        ]));
        assert!(line.starts_with("QQ_BASE"), "{line}");
        assert!(settings(&with(&[("DENGLU_PUBLIC_URL", "https://login.example.com")])).is_ok());
        // Development may use plain http (a laptop, a test double).
        let dev = settings(&[
            ("DENGLU_SECRET", long.as_str()),
            ("QQ_APPID", "1"),
            ("QQ_APPKEY", "k"),
            ("QQ_BASE", "http://127.0.0.1:9"),
        ]);
        assert!(dev.is_ok());
    }

    #[test]
    fn rate_limits_and_stream_caps_have_generous_defaults_and_can_be_set() {
        let s = settings(&[]).expect("defaults are valid");
        assert_eq!(s.limits.signin_per_address, 300);
        assert_eq!(s.limits.signin_per_session, 60);
        assert_eq!(s.limits.forms_per_address, 600);
        assert_eq!(s.limits.forms_per_session, 300);
        assert_eq!(s.limits.streams_per_client, 10);
        assert_eq!(s.limits.streams_max, 10_000);
        assert_eq!(s.limits.qr_tickets_per_network, 30);
        assert_eq!(s.limits.trusted_proxy_header, None);
        let s = settings(&[
            ("DENGLU_LIMIT_SIGNIN_PER_ADDRESS", "5"),
            ("DENGLU_QR_TICKETS_PER_NETWORK", "500"),
            ("DENGLU_TRUSTED_PROXY_HEADER", "X-Forwarded-For"),
        ])
        .expect("valid");
        assert_eq!(s.limits.signin_per_address, 5);
        assert_eq!(s.limits.qr_tickets_per_network, 500);
        assert_eq!(
            s.limits.trusted_proxy_header.as_ref().map(|h| h.as_str()),
            Some("x-forwarded-for")
        );
        let line = error_line(&[("DENGLU_LIMIT_FORMS_PER_SESSION", "0")]);
        assert!(line.starts_with("DENGLU_LIMIT_FORMS_PER_SESSION"), "{line}");
        let line = error_line(&[("DENGLU_QR_TICKETS_PER_NETWORK", "0")]);
        assert!(line.starts_with("DENGLU_QR_TICKETS_PER_NETWORK"), "{line}");
        let line = error_line(&[("DENGLU_TRUSTED_PROXY_HEADER", "not a header")]);
        assert!(line.starts_with("DENGLU_TRUSTED_PROXY_HEADER"), "{line}");
    }

    #[test]
    fn configured_credentials_turn_the_simulator_off_and_offer_only_those_providers() {
        let s = settings(&[
            ("QQ_APPID", "101"),
            ("QQ_APPKEY", "key"),
            ("DENGLU_SECRET", &"s".repeat(40)),
        ])
        .expect("valid");
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
        let secret = "s".repeat(40);
        let mp_only = settings(&[
            ("WECHAT_MP_APPID", "wx1"),
            ("WECHAT_MP_SECRET", "s"),
            ("DENGLU_SECRET", &secret),
        ])
        .expect("valid");
        assert_eq!(mp_only.wechat_qr, WechatQr::Own);
        let qq_only = settings(&[
            ("QQ_APPID", "1"),
            ("QQ_APPKEY", "k"),
            ("DENGLU_SECRET", &secret),
        ])
        .expect("valid");
        assert_eq!(qq_only.wechat_qr, WechatQr::Off);
        let line = error_line(&[
            ("QQ_APPID", "1"),
            ("QQ_APPKEY", "k"),
            ("DENGLU_WECHAT_QR", "embedded"),
        ]);
        assert!(line.starts_with("DENGLU_WECHAT_QR"), "{line}");
    }

    #[test]
    fn metrics_are_off_unless_addresses_or_a_token_are_named() {
        let s = settings(&[]).expect("defaults are valid");
        assert!(!s.metrics.enabled());
        let s = settings(&[(
            "DENGLU_METRICS_ALLOW",
            " 127.0.0.1, 10.0.0.0/8 ,fd00::/8,::1",
        )])
        .expect("valid");
        let allowed: Vec<String> = s.metrics.allow.iter().map(|n| n.to_string()).collect();
        assert_eq!(
            allowed,
            ["127.0.0.1/32", "10.0.0.0/8", "fd00::/8", "::1/128"]
        );
        assert!(s.metrics.enabled());
        let s = settings(&[("DENGLU_METRICS_TOKEN", "a-long-enough-token")]).expect("valid");
        assert!(s.metrics.enabled() && s.metrics.allow.is_empty());
        let line = error_line(&[("DENGLU_METRICS_ALLOW", "127.0.0.1,localhost")]);
        assert!(line.starts_with("DENGLU_METRICS_ALLOW"), "{line}");
        assert!(line.contains("`localhost`"), "{line}");
        let line = error_line(&[("DENGLU_METRICS_TOKEN", "short")]);
        assert!(line.starts_with("DENGLU_METRICS_TOKEN"), "{line}");
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
            ("DENGLU_METRICS_TOKEN", "scrape-token-never-printed"),
        ])
        .expect("valid");
        let printed = format!("{s:?}");
        assert!(
            !printed.contains("hunter2")
                && !printed.contains("sss")
                && !printed.contains("never-printed"),
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
