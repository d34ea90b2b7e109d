//! Login tickets: the QR code a desktop shows, scanned and confirmed on a phone.
//!
//! A ticket lives in the database, not in memory, so that the phone's requests and the
//! desktop's may land on different instances of the app.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(LoginTickets::Table)
                    .if_not_exists()
                    .col(
                        ColumnDef::new(LoginTickets::Id)
                            .string_len(64)
                            .not_null()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(LoginTickets::Status)
                            .string_len(16)
                            .not_null(),
                    )
                    // Where the sign-in happens ("Chrome on Windows"), shown on the phone.
                    .col(
                        ColumnDef::new(LoginTickets::DesktopAgent)
                            .string_len(128)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(LoginTickets::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(LoginTickets::ExpiresAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(LoginTickets::ScannedAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(
                        ColumnDef::new(LoginTickets::DecidedAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    // The verified provider profile and sealed tokens, set when the phone has
                    // authorised, cleared when the desktop claims the ticket.
                    .col(ColumnDef::new(LoginTickets::Profile).json().null())
                    .col(ColumnDef::new(LoginTickets::Tokens).json().null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_login_tickets_expires_at")
                    .table(LoginTickets::Table)
                    .col(LoginTickets::ExpiresAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(LoginTickets::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum LoginTickets {
    Table,
    Id,
    Status,
    DesktopAgent,
    CreatedAt,
    ExpiresAt,
    ScannedAt,
    DecidedAt,
    Profile,
    Tokens,
}
