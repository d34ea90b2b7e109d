//! Sign-in callbacks in flight and just done, shared by every instance: a state is spent by
//! the first callback that claims it (a second use is refused), and the repeats of that same
//! callback (WeChat's double redirect) follow the first one's outcome from any instance.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Callbacks::Table)
                    .if_not_exists()
                    // SHA-256 of the provider and the state: never the state itself.
                    .col(
                        ColumnDef::new(Callbacks::KeyHash)
                            .string_len(64)
                            .not_null()
                            .primary_key(),
                    )
                    // SHA-256 of the code the first callback carried (empty for a refusal).
                    .col(
                        ColumnDef::new(Callbacks::CodeHash)
                            .string_len(64)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Callbacks::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Callbacks::FinishedAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    // Where the first callback sent the browser.
                    .col(ColumnDef::new(Callbacks::Location).text().null())
                    // The session id it retired (hashed) and the one it made (sealed), so that
                    // a repeat from the same browser is handed the new session.
                    .col(ColumnDef::new(Callbacks::MovedFrom).string_len(64).null())
                    .col(ColumnDef::new(Callbacks::MovedTo).text().null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_callbacks_created_at")
                    .table(Callbacks::Table)
                    .col(Callbacks::CreatedAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Callbacks::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum Callbacks {
    Table,
    KeyHash,
    CodeHash,
    CreatedAt,
    FinishedAt,
    Location,
    MovedFrom,
    MovedTo,
}
