//! Pieces of UI shared by several pages.

pub mod href;
pub mod layout;
pub mod provider_button;
