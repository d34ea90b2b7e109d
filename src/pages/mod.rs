//! One module per page, each with the server functions it calls.

pub mod account;
pub mod login;
pub mod not_found;
pub mod qr_confirm;
pub mod qr_login;
pub mod sessions;
pub mod signup;
