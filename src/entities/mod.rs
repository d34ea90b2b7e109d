//! sea-orm entities for the tables in `migrations/`.

pub mod audit_event;
pub mod callback;
pub mod identity;
pub mod identity_app_openid;
pub mod login_ticket;
pub mod oidc_client;
pub mod oidc_code;
pub mod oidc_consent;
pub mod oidc_key;
pub mod oidc_login;
pub mod oidc_request;
pub mod oidc_subject;
pub mod oidc_token;
pub mod session;
pub mod user;
