//! Running a deployment without SQL: administrators (a flag on the account), accounts merged
//! into another (the emptied one names where its identities went), and the audit log, an
//! append-only record of what happened to whom, by whom, from where.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // SQLite adds one column per ALTER TABLE.
        manager
            .alter_table(
                Table::alter()
                    .table(Users::Table)
                    .add_column(
                        ColumnDef::new(Users::IsAdmin)
                            .boolean()
                            .not_null()
                            .default(false),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Users::Table)
                    .add_column(ColumnDef::new(Users::MergedInto).big_integer().null())
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(AuditEvents::Table)
                    .if_not_exists()
                    .col(
                        ColumnDef::new(AuditEvents::Id)
                            .big_integer()
                            .not_null()
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(AuditEvents::At)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(ColumnDef::new(AuditEvents::Kind).string_len(32).not_null())
                    // No foreign keys: the record outlives the accounts it names.
                    .col(ColumnDef::new(AuditEvents::UserId).big_integer().null())
                    .col(ColumnDef::new(AuditEvents::ActorId).big_integer().null())
                    .col(ColumnDef::new(AuditEvents::Provider).string_len(16).null())
                    .col(ColumnDef::new(AuditEvents::ErrorKind).string_len(32).null())
                    .col(
                        ColumnDef::new(AuditEvents::ProviderCode)
                            .string_len(32)
                            .null(),
                    )
                    .col(
                        ColumnDef::new(AuditEvents::ProviderMessage)
                            .string_len(256)
                            .null(),
                    )
                    .col(ColumnDef::new(AuditEvents::Detail).string_len(512).null())
                    .col(ColumnDef::new(AuditEvents::RequestId).string_len(64).null())
                    .col(ColumnDef::new(AuditEvents::Client).string_len(64).null())
                    .col(ColumnDef::new(AuditEvents::Agent).string_len(256).null())
                    .to_owned(),
            )
            .await?;
        for (name, columns) in [
            ("ix_audit_events_at", vec![AuditEvents::At]),
            (
                "ix_audit_events_user_at",
                vec![AuditEvents::UserId, AuditEvents::At],
            ),
            (
                "ix_audit_events_kind_at",
                vec![AuditEvents::Kind, AuditEvents::At],
            ),
        ] {
            let mut index = Index::create();
            index.name(name).table(AuditEvents::Table);
            for column in columns {
                index.col(column);
            }
            manager.create_index(index.to_owned()).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(AuditEvents::Table).to_owned())
            .await?;
        for column in [Users::MergedInto, Users::IsAdmin] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Users::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Users {
    Table,
    IsAdmin,
    MergedInto,
}

#[derive(DeriveIden)]
enum AuditEvents {
    Table,
    Id,
    At,
    Kind,
    UserId,
    ActorId,
    Provider,
    ErrorKind,
    ProviderCode,
    ProviderMessage,
    Detail,
    RequestId,
    Client,
    Agent,
}
