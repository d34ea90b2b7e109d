//! Accounts and sign-in: everything that reads or writes who a person is.

pub mod accounts;
pub mod callback;
pub mod fields;
pub mod flow;
pub mod identities;
pub mod next_path;
pub mod pending;
pub mod qr_image;
pub mod refresh;
pub mod replay;
pub mod sealing;
pub mod session_user;
pub mod signup;
pub mod states;
pub mod ticket_hub;
pub mod tickets;
