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
pub const LIMIT_SIGNIN_PER_ADDRESS: ConfigKey = key(
    "limits.signin_per_address",
    "DENGLU_LIMIT_SIGNIN_PER_ADDRESS",
);
pub const LIMIT_SIGNIN_PER_SESSION: ConfigKey = key(
    "limits.signin_per_session",
    "DENGLU_LIMIT_SIGNIN_PER_SESSION",
);
pub const LIMIT_FORMS_PER_ADDRESS: ConfigKey =
    key("limits.forms_per_address", "DENGLU_LIMIT_FORMS_PER_ADDRESS");
pub const LIMIT_FORMS_PER_SESSION: ConfigKey =
    key("limits.forms_per_session", "DENGLU_LIMIT_FORMS_PER_SESSION");
pub const STREAMS_PER_CLIENT: ConfigKey =
    key("limits.streams_per_client", "DENGLU_STREAMS_PER_CLIENT");
pub const STREAMS_MAX: ConfigKey = key("limits.streams_max", "DENGLU_STREAMS_MAX");
pub const QR_TICKETS_PER_NETWORK: ConfigKey = key(
    "limits.qr_tickets_per_network",
    "DENGLU_QR_TICKETS_PER_NETWORK",
);
pub const TRUSTED_PROXY_HEADER: ConfigKey =
    key("limits.trusted_proxy_header", "DENGLU_TRUSTED_PROXY_HEADER");

pub const METRICS_ALLOW: ConfigKey = key("metrics.allow", "DENGLU_METRICS_ALLOW");
pub const METRICS_TOKEN: ConfigKey = key("metrics.token", "DENGLU_METRICS_TOKEN");

pub const OIDC_PAIRWISE: ConfigKey = key("oidc.pairwise_subjects", "DENGLU_OIDC_PAIRWISE");
pub const OIDC_KEY_OVERLAP_HOURS: ConfigKey =
    key("oidc.key_overlap_hours", "DENGLU_OIDC_KEY_OVERLAP_HOURS");
pub const OIDC_ACCESS_TOKEN_MINUTES: ConfigKey = key(
    "oidc.access_token_minutes",
    "DENGLU_OIDC_ACCESS_TOKEN_MINUTES",
);
pub const OIDC_REFRESH_TOKEN_DAYS: ConfigKey =
    key("oidc.refresh_token_days", "DENGLU_OIDC_REFRESH_TOKEN_DAYS");

pub const AUDIT_RETENTION_DAYS: ConfigKey =
    key("audit.retention_days", "DENGLU_AUDIT_RETENTION_DAYS");

const SITE_KEYS: [ConfigKey; 29] = [
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
    LIMIT_SIGNIN_PER_ADDRESS,
    LIMIT_SIGNIN_PER_SESSION,
    LIMIT_FORMS_PER_ADDRESS,
    LIMIT_FORMS_PER_SESSION,
    STREAMS_PER_CLIENT,
    STREAMS_MAX,
    QR_TICKETS_PER_NETWORK,
    TRUSTED_PROXY_HEADER,
    METRICS_ALLOW,
    METRICS_TOKEN,
    OIDC_PAIRWISE,
    OIDC_KEY_OVERLAP_HOURS,
    OIDC_ACCESS_TOKEN_MINUTES,
    OIDC_REFRESH_TOKEN_DAYS,
    AUDIT_RETENTION_DAYS,
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
