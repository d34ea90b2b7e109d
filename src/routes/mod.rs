//! Plain axum routes, one module per area, merged in [`router`].

pub mod auth;
pub mod device;
mod health;
mod home;
mod language;
mod me;
mod oidc;
mod qr;
pub mod redirect;

use axum::Router;

use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .merge(home::routes())
        .merge(auth::routes())
        .merge(health::routes())
        .merge(language::routes())
        .merge(me::routes())
        .merge(oidc::routes())
        .merge(qr::routes())
        .merge(crate::console::routes())
}
