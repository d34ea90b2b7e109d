//! Denglu as an OpenID Connect provider: any site signs people in through its framework's
//! standard OIDC client and gets WeChat, QQ and Weibo sign-in. Authorization code flow only
//! (with PKCE), per OpenID Connect Core 1.0, Discovery 1.0, RP-Initiated and Back-Channel
//! Logout 1.0, RFC 6749/7636/7009/7662/9207 and the BCP of RFC 9700.
//!
//! [`Oidc`] (in `provider`) is the service; one file per part: `request` (what a client asks), `authorize`
//! (sign in, consent, code), `consent`, `tokens` (the token endpoint, userinfo, revocation,
//! introspection), `claims`, `keys`, `clients`, `logout`, `discovery`. Routes translate HTTP
//! to calls here. It signs people in through `auth` and never the other way round.

mod authorize;
mod claims;
pub mod clients;
mod consent;
mod discovery;
mod grant;
pub mod hashing;
pub mod keys;
mod logout;
pub mod paths;
mod provider;
mod request;
mod sweeper;
mod tokens;

pub use authorize::Answer;
pub use hashing::sha256_hex;
pub use keys::KeyRing;
pub use logout::LogoutAnswer;
pub use provider::{Oidc, PrepareError};
pub use request::PageError;
pub use tokens::{ClientCredentials, TokenFailure};
