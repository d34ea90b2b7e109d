//! The data access of sign-in: accounts and identities. Private to `auth`: pages, components
//! and routes go through the front door (`auth::Auth`) and never hold a database connection.

pub mod accounts;
pub mod identities;
pub mod operators;
pub mod people;
pub mod sessions;
