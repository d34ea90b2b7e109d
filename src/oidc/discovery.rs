//! `/.well-known/openid-configuration` (OpenID Connect Discovery 1.0 §3): what a client's
//! library reads to configure itself. Only what Denglu does is announced.

use serde_json::{Value, json};

use crate::oidc::paths;
use crate::oidc::provider::Oidc;
use crate::oidc::request::SCOPES;

impl Oidc {
    pub fn discovery(&self) -> Value {
        json!({
            "issuer": self.issuer,
            "authorization_endpoint": self.url(paths::AUTHORIZE),
            "token_endpoint": self.url(paths::TOKEN),
            "userinfo_endpoint": self.url(paths::USERINFO),
            "jwks_uri": self.url(paths::JWKS),
            "end_session_endpoint": self.url(paths::LOGOUT),
            "revocation_endpoint": self.url(paths::REVOKE),
            "introspection_endpoint": self.url(paths::INTROSPECT),
            "scopes_supported": SCOPES,
            "response_types_supported": ["code"],
            "response_modes_supported": ["query"],
            "grant_types_supported": ["authorization_code", "refresh_token"],
            "subject_types_supported": [if self.settings.pairwise_subjects { "pairwise" } else { "public" }],
            "id_token_signing_alg_values_supported": ["RS256", "ES256"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
            "revocation_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
            "introspection_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
            "code_challenge_methods_supported": ["S256"],
            "claims_supported": [
                "sub", "iss", "aud", "azp", "exp", "iat", "auth_time", "nonce", "amr", "at_hash",
                "sid", "name", "preferred_username", "picture", "updated_at", "email",
                "email_verified", "identities", "wechat"
            ],
            "claims_parameter_supported": false,
            "request_parameter_supported": false,
            "request_uri_parameter_supported": false,
            "authorization_response_iss_parameter_supported": true,
            "prompt_values_supported": ["none", "login", "consent", "select_account"],
            "backchannel_logout_supported": true,
            "backchannel_logout_session_supported": true,
            "frontchannel_logout_supported": false,
            "ui_locales_supported": ["zh-CN", "en"],
        })
    }
}
