//! Denglu's clients for WeChat, QQ Connect and Sina Weibo.
//!
//! One [`Provider`] trait, one file per provider, one shared HTTP client
//! ([`http_client`]) and parsers that accept every quirk listed in
//! `PROTOCOLS.md`. Each provider file also declares a [`ProviderSpec`]: its
//! configuration keys, hosts and labels, which the app reads instead of naming
//! providers. Every failure is a [`ProviderError`]: the provider's own code and
//! message for operators, an [`ErrorKind`] for the user-facing message.

mod callback;
mod error;
mod http;
mod id;
pub mod parse;
mod provider;
mod qq;
mod registry;
mod spec;
mod types;
mod wechat;
mod weibo;

pub use error::{ErrorKind, ProviderError};
pub use http::{CALL_DURATION, CALLS, Timeouts, describe_metrics, http_client, http_client_with};
pub use id::UnknownProvider;
pub use provider::Provider;
pub use qq::Qq;
pub use registry::{ProviderId, Registry, all_hosts};
pub use spec::{ConfigKey, Host, ProviderSpec};
pub use types::{AppCredentials, AuthorizeRequest, Endpoints, Gender, Profile, TokenSet};
pub use wechat::Wechat;
pub use weibo::Weibo;
