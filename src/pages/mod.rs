//! One module per page, each with the server functions it calls.

pub mod account;
pub mod apps;
pub mod login;
pub mod not_found;
pub mod oauth;
pub mod qr_confirm;
pub mod qr_login;
pub mod sessions;
pub mod signup;
