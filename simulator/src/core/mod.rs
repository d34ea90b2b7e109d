//! What every provider shares: configuration, state, the grant records and their rules,
//! the wire formats errors are sent in, HTTP helpers and the router's two layers.
//!
//! Nothing here imports a provider handler, a page or the control API; they build on it.

pub mod auto;
pub mod base;
pub mod config;
pub mod fault_layer;
pub mod faults;
pub mod grants;
pub mod html;
pub mod log_layer;
pub mod mask;
pub mod qr;
pub mod qr_session;
pub mod random;
pub mod records;
pub mod reqlog;
pub mod state;
pub mod store;
pub mod users;
pub mod web;
pub mod wire;
