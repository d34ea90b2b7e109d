//! Denglu's database schema. The app runs [`Migrator::up`] at start-up, so a new SQLite file or
//! an empty PostgreSQL database is ready without a separate step.

pub use sea_orm_migration::prelude::*;

mod m20261121_000001_accounts;
mod m20261121_000002_login_tickets;
mod m20261128_000003_sessions;
mod m20261128_000004_callbacks;
mod m20261128_000005_ticket_relay_defence;
mod m20261128_000006_ticket_holders;
mod m20261128_000007_username_skeleton_keys;
mod m20261128_000008_openid_provider;
mod m20261128_000009_ticket_next;
mod m20261129_000010_operators_and_audit;

pub use m20261128_000007_username_skeleton_keys::username_key as username_key_v2;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261121_000001_accounts::Migration),
            Box::new(m20261121_000002_login_tickets::Migration),
            Box::new(m20261128_000003_sessions::Migration),
            Box::new(m20261128_000004_callbacks::Migration),
            Box::new(m20261128_000005_ticket_relay_defence::Migration),
            Box::new(m20261128_000006_ticket_holders::Migration),
            Box::new(m20261128_000007_username_skeleton_keys::Migration),
            Box::new(m20261128_000008_openid_provider::Migration),
            Box::new(m20261128_000009_ticket_next::Migration),
            Box::new(m20261129_000010_operators_and_audit::Migration),
        ]
    }
}
