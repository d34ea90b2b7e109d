//! Accounts and sign-in: everything that reads or writes who a person is.

pub mod accounts;
pub mod next_path;
pub mod session_user;
