//! Typed, validated configuration.
//!
//! Every setting is a key in `Leptos.toml` and an environment variable that overrides it
//! ([`keys`]; the providers declare theirs). [`Settings::load`] reads them all once at
//! start-up and fails with one line naming the bad key, so a mistyped URL never turns into a
//! panic trace later on. Loading (`sources`, `load`) is kept apart from the decisions made
//! from the values (`policy`, [`simulation`]).

pub mod keys;
mod load;
pub mod policy;
mod settings;
pub mod simulation;
mod sources;

pub use settings::{
    ConfigError, ConfiguredClient, DEFAULT_DATABASE_URL, Environment, FlowLifetimes, Limits,
    MetricsAccess, OidcSettings, ProviderSettings, Settings, WechatQr, local_url,
};
pub use simulation::SIMULATOR_MOUNT;
