//! The audit log: an append-only record of sign-ins (and why they failed), accounts made,
//! methods linked and unlinked, sessions ended, QR tickets confirmed, clients registered and
//! every administrator action, each with its time, request id, client address and browser.
//!
//! - `event`: what can be recorded (`Kind`, `Event`); never a token, code or secret.
//! - `request`: the request an event happens in, carried by a task-local set in one layer.
//! - `store`: writing (inside the caller's transaction when it has one), reading, exporting
//!   and pruning.
//! - `stats`: the figures the dashboard draws.

mod event;
mod request;
pub mod stats;
mod store;

pub use event::{Event, Kind, RENEWAL};
pub use request::{RequestMeta, carry, remember_request};
pub use store::{ExportError, Filter, PAGE_SIZE, export, note, page, prune, record, spawn_pruner};
