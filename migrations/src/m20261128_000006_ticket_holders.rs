//! Which browsers hold a login ticket, on the ticket itself: the desktop session that shows it
//! and the phone session that scanned it, each as the hash of the session id. Kept in the
//! session as lists before, two tabs saving at once could lose one.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite adds one column per ALTER TABLE.
        for column in [LoginTickets::DesktopSession, LoginTickets::PhoneSession] {
            manager
                .alter_table(
                    Table::alter()
                        .table(LoginTickets::Table)
                        .add_column(ColumnDef::new(column).string_len(64).null())
                        .to_owned(),
                )
                .await?;
        }
        // The caps count live tickets per desktop session and per network.
        for (name, column) in [
            (
                "ix_login_tickets_desktop_session",
                LoginTickets::DesktopSession,
            ),
            (
                "ix_login_tickets_desktop_network",
                LoginTickets::DesktopNetwork,
            ),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(LoginTickets::Table)
                        .col(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [LoginTickets::DesktopSession, LoginTickets::PhoneSession] {
            manager
                .alter_table(
                    Table::alter()
                        .table(LoginTickets::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum LoginTickets {
    Table,
    DesktopSession,
    PhoneSession,
    DesktopNetwork,
}
