//! The names of Denglu's own settings. The providers' keys (credentials, base URLs) are
//! declared by the provider files; [`all`] lists both.

use providers::{ConfigKey, ProviderId};

const fn key(toml: &'static str, env: &'static str) -> ConfigKey {
    ConfigKey { env, toml }
}

pub const SITE_ADDR: ConfigKey = key("site.addr", "LEPTOS_SITE_ADDR");
pub const SITE_ROOT: ConfigKey = key("site.root", "LEPTOS_SITE_ROOT");
pub const SITE_PKG_DIR: ConfigKey = key("site.pkg_dir", "LEPTOS_SITE_PKG_DIR");
pub const OUTPUT_NAME: ConfigKey = key("site.output_name", "LEPTOS_OUTPUT_NAME");
pub const PUBLIC_URL: ConfigKey = key("site.public_url", "DENGLU_PUBLIC_URL");
pub const ENVIRONMENT: ConfigKey = key("site.environment", "DENGLU_ENV");
pub const DATABASE_URL: ConfigKey = key("database.url", "DATABASE_URL");
pub const SECRET: ConfigKey = key("security.secret", "DENGLU_SECRET");
pub const SESSION_IDLE_MINUTES: ConfigKey =
    key("session.idle_minutes", "DENGLU_SESSION_IDLE_MINUTES");
pub const SESSION_ANONYMOUS_MINUTES: ConfigKey = key(
    "session.anonymous_minutes",
    "DENGLU_SESSION_ANONYMOUS_MINUTES",
);
pub const SESSION_ABSOLUTE_DAYS: ConfigKey =
    key("session.absolute_days", "DENGLU_SESSION_ABSOLUTE_DAYS");
pub const SIMULATOR: ConfigKey = key("simulator.enabled", "DENGLU_SIMULATOR");
pub const PROVIDERS: ConfigKey = key("providers.offered", "DENGLU_PROVIDERS");
pub const WECHAT_QR: ConfigKey = key("providers.wechat_qr", "DENGLU_WECHAT_QR");

const SITE_KEYS: [ConfigKey; 14] = [
    SITE_ADDR,
    SITE_ROOT,
    SITE_PKG_DIR,
    OUTPUT_NAME,
    PUBLIC_URL,
    ENVIRONMENT,
    DATABASE_URL,
    SECRET,
    SESSION_IDLE_MINUTES,
    SESSION_ANONYMOUS_MINUTES,
    SESSION_ABSOLUTE_DAYS,
    SIMULATOR,
    PROVIDERS,
    WECHAT_QR,
];

/// Every key Denglu reads: its own, then each provider's credentials, then each host's base.
pub fn all() -> Vec<ConfigKey> {
    let credentials = ProviderId::ALL
        .into_iter()
        .flat_map(|id| [id.spec().app_id, id.spec().secret]);
    let bases = providers::all_hosts().map(|host| host.base);
    SITE_KEYS
        .into_iter()
        .chain(credentials)
        .chain(bases)
        .collect()
}
