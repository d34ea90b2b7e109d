//! sea-orm entities for the tables in `migrations/`.

pub mod callback;
pub mod identity;
pub mod identity_app_openid;
pub mod login_ticket;
pub mod session;
pub mod user;
