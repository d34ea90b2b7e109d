//! What a login ticket's phone is shown so that a code relayed by someone else gives itself
//! away: the desktop's network, and the number the desktop shows that the phone must pick.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite adds one column per ALTER TABLE. All nullable, so a
        // ticket made before the upgrade simply cannot be confirmed (it lives two minutes).
        let columns = [
            // `203.0.113.0/24`: where the desktop asked from, roughly.
            ColumnDef::new(LoginTickets::DesktopNetwork)
                .string_len(64)
                .null()
                .to_owned(),
            // The desktop session's signed-in account when it made the ticket, if any.
            ColumnDef::new(LoginTickets::DesktopUserId)
                .big_integer()
                .null()
                .to_owned(),
            // Two digits the desktop shows; the phone must pick them to confirm.
            ColumnDef::new(LoginTickets::MatchCode)
                .string_len(2)
                .null()
                .to_owned(),
            // The three numbers the phone offers, in the order it shows them ("47 12 83").
            ColumnDef::new(LoginTickets::MatchChoices)
                .string_len(8)
                .null()
                .to_owned(),
            // What the phone picked when it picked wrong (the ticket is then cancelled).
            ColumnDef::new(LoginTickets::PickedCode)
                .string_len(2)
                .null()
                .to_owned(),
        ];
        for column in columns {
            manager
                .alter_table(
                    Table::alter()
                        .table(LoginTickets::Table)
                        .add_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [
            LoginTickets::DesktopNetwork,
            LoginTickets::DesktopUserId,
            LoginTickets::MatchCode,
            LoginTickets::MatchChoices,
            LoginTickets::PickedCode,
        ] {
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
    DesktopNetwork,
    DesktopUserId,
    MatchCode,
    MatchChoices,
    PickedCode,
}
