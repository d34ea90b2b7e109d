//! From raw values to typed, checked [`Settings`]: each value parsed where it is read, its
//! default beside it, every error naming its key.

use std::net::SocketAddr;

use providers::{AppCredentials, ConfigKey, Endpoints, ProviderId};
use secrecy::SecretString;
use url::Url;

use super::keys::*;
use super::sources::Sources;
use super::{
    ConfigError, DEFAULT_DATABASE_URL, Environment, FlowLifetimes, ProviderSettings, Settings,
    policy, simulation,
};

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
    let secret = secret(source, production)?;
    let session_idle_minutes = session_idle_minutes(source)?;

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

    Ok(Settings {
        endpoints: endpoints(source)?,
        database_url: database_url(source)?,
        site_addr,
        site_root: text_or(source, SITE_ROOT, "target/site"),
        site_pkg_dir: text_or(source, SITE_PKG_DIR, "pkg"),
        output_name: text_or(source, OUTPUT_NAME, "denglu"),
        public_url,
        environment,
        secret,
        session_idle_minutes,
        simulator,
        providers,
        wechat_qr,
        lifetimes: FlowLifetimes::default(),
        provider_timeouts: providers::Timeouts::default(),
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

fn secret(source: &Sources, production: bool) -> Result<SecretString, ConfigError> {
    match source.get(SECRET) {
        Some(s) if s.len() >= MIN_SECRET_LEN => Ok(SecretString::from(s)),
        Some(_) => Err(ConfigError::invalid(
            SECRET,
            format!("must be at least {MIN_SECRET_LEN} characters"),
        )),
        None if production => Err(ConfigError::invalid(SECRET, "is required in production")),
        None => Ok(SecretString::from(DEVELOPMENT_SECRET)),
    }
}

fn session_idle_minutes(source: &Sources) -> Result<i64, ConfigError> {
    match source.get(SESSION_IDLE_MINUTES) {
        None => Ok(60 * 24 * 7),
        Some(raw) => raw.parse::<i64>().ok().filter(|m| *m > 0).ok_or_else(|| {
            ConfigError::invalid(
                SESSION_IDLE_MINUTES,
                "expected a positive number of minutes",
            )
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
