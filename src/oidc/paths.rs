//! Where the provider's endpoints live, under the issuer.

pub const DISCOVERY: &str = "/.well-known/openid-configuration";
pub const AUTHORIZE: &str = "/oauth/authorize";
pub const CONTINUE: &str = "/oauth/continue";
pub const CONSENT: &str = "/oauth/consent";
pub const TOKEN: &str = "/oauth/token";
pub const USERINFO: &str = "/oauth/userinfo";
pub const JWKS: &str = "/oauth/jwks";
pub const LOGOUT: &str = "/oauth/logout";
pub const REVOKE: &str = "/oauth/revoke";
pub const INTROSPECT: &str = "/oauth/introspect";
