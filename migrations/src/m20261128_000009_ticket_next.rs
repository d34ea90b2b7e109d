//! A QR login ticket remembers where its sign-in goes on once the computer is signed in (a
//! site that sent the person to Denglu is waiting there).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(LoginTickets::Table)
                    .add_column(ColumnDef::new(LoginTickets::Next).text().null())
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(LoginTickets::Table)
                    .drop_column(LoginTickets::Next)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum LoginTickets {
    Table,
    Next,
}
