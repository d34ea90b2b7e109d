//! Denglu as an OpenID Connect provider: its signing keys, the sites (clients) it signs people
//! in to, authorization requests waiting for a sign-in, codes, tokens, consents, each person's
//! subject, and which sessions signed in to which client (for back-channel logout).
//!
//! Codes and tokens are stored as their SHA-256, never as themselves; private keys are sealed
//! under `DENGLU_SECRET` like provider tokens; client secrets are hashed.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

fn time(column: impl IntoIden) -> ColumnDef {
    ColumnDef::new(column)
        .timestamp_with_time_zone()
        .not_null()
        .to_owned()
}

fn time_or_null(column: impl IntoIden) -> ColumnDef {
    ColumnDef::new(column)
        .timestamp_with_time_zone()
        .null()
        .to_owned()
}

fn key(column: impl IntoIden) -> ColumnDef {
    ColumnDef::new(column)
        .string_len(64)
        .not_null()
        .primary_key()
        .to_owned()
}

fn text(column: impl IntoIden) -> ColumnDef {
    ColumnDef::new(column).text().not_null().to_owned()
}

fn text_or_null(column: impl IntoIden) -> ColumnDef {
    ColumnDef::new(column).text().null().to_owned()
}

fn id(column: impl IntoIden) -> ColumnDef {
    ColumnDef::new(column).string_len(64).not_null().to_owned()
}

fn user(column: impl IntoIden) -> ColumnDef {
    ColumnDef::new(column).big_integer().not_null().to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let tables = [
            Table::create()
                .table(OidcKeys::Table)
                .if_not_exists()
                .col(key(OidcKeys::Kid))
                .col(ColumnDef::new(OidcKeys::Alg).string_len(16).not_null())
                .col(text(OidcKeys::PrivateSealed))
                .col(text(OidcKeys::PublicJwk))
                .col(time(OidcKeys::CreatedAt))
                .col(time_or_null(OidcKeys::RetiredAt))
                .to_owned(),
            Table::create()
                .table(OidcClients::Table)
                .if_not_exists()
                .col(key(OidcClients::ClientId))
                .col(text(OidcClients::Name))
                .col(
                    ColumnDef::new(OidcClients::SecretHash)
                        .string_len(64)
                        .null(),
                )
                .col(text(OidcClients::RedirectUris))
                .col(text(OidcClients::PostLogoutRedirectUris))
                .col(text_or_null(OidcClients::BackchannelLogoutUri))
                .col(ColumnDef::new(OidcClients::Public).boolean().not_null())
                .col(ColumnDef::new(OidcClients::FirstParty).boolean().not_null())
                .col(
                    ColumnDef::new(OidcClients::IdTokenAlg)
                        .string_len(16)
                        .not_null(),
                )
                .col(ColumnDef::new(OidcClients::FromConfig).boolean().not_null())
                .col(time(OidcClients::CreatedAt))
                .to_owned(),
            Table::create()
                .table(OidcRequests::Table)
                .if_not_exists()
                .col(key(OidcRequests::IdHash))
                .col(id(OidcRequests::ClientId))
                .col(text(OidcRequests::Request))
                .col(time_or_null(OidcRequests::LoginAfter))
                .col(time(OidcRequests::CreatedAt))
                .col(time(OidcRequests::ExpiresAt))
                .to_owned(),
            Table::create()
                .table(OidcCodes::Table)
                .if_not_exists()
                .col(key(OidcCodes::CodeHash))
                .col(id(OidcCodes::ClientId))
                .col(user(OidcCodes::UserId))
                .col(text(OidcCodes::Grant))
                .col(time(OidcCodes::CreatedAt))
                .col(time(OidcCodes::ExpiresAt))
                .col(time_or_null(OidcCodes::UsedAt))
                .to_owned(),
            Table::create()
                .table(OidcTokens::Table)
                .if_not_exists()
                .col(key(OidcTokens::TokenHash))
                .col(ColumnDef::new(OidcTokens::Kind).string_len(16).not_null())
                .col(id(OidcTokens::Family))
                .col(id(OidcTokens::ClientId))
                .col(user(OidcTokens::UserId))
                .col(text(OidcTokens::Grant))
                .col(ColumnDef::new(OidcTokens::Sid).string_len(64).null())
                .col(ColumnDef::new(OidcTokens::CodeHash).string_len(64).null())
                .col(time(OidcTokens::CreatedAt))
                .col(time(OidcTokens::ExpiresAt))
                .col(time_or_null(OidcTokens::SpentAt))
                .col(time_or_null(OidcTokens::RevokedAt))
                .to_owned(),
            Table::create()
                .table(OidcConsents::Table)
                .if_not_exists()
                .col(user(OidcConsents::UserId))
                .col(id(OidcConsents::ClientId))
                .col(text(OidcConsents::Scope))
                .col(time(OidcConsents::GrantedAt))
                .primary_key(
                    Index::create()
                        .col(OidcConsents::UserId)
                        .col(OidcConsents::ClientId),
                )
                .to_owned(),
            Table::create()
                .table(OidcSubjects::Table)
                .if_not_exists()
                .col(
                    ColumnDef::new(OidcSubjects::UserId)
                        .big_integer()
                        .not_null()
                        .primary_key(),
                )
                .col(
                    ColumnDef::new(OidcSubjects::Subject)
                        .string_len(64)
                        .not_null()
                        .unique_key(),
                )
                .to_owned(),
            Table::create()
                .table(OidcLogins::Table)
                .if_not_exists()
                .col(id(OidcLogins::Sid))
                .col(id(OidcLogins::ClientId))
                .col(user(OidcLogins::UserId))
                .col(time(OidcLogins::CreatedAt))
                .primary_key(
                    Index::create()
                        .col(OidcLogins::Sid)
                        .col(OidcLogins::ClientId),
                )
                .to_owned(),
        ];
        for table in tables {
            manager.create_table(table).await?;
        }
        let indexes = [
            (
                "ix_oidc_tokens_family",
                OidcTokens::Table.into_iden(),
                OidcTokens::Family.into_iden(),
            ),
            (
                "ix_oidc_tokens_user",
                OidcTokens::Table.into_iden(),
                OidcTokens::UserId.into_iden(),
            ),
            (
                "ix_oidc_tokens_sid",
                OidcTokens::Table.into_iden(),
                OidcTokens::Sid.into_iden(),
            ),
            (
                "ix_oidc_tokens_code",
                OidcTokens::Table.into_iden(),
                OidcTokens::CodeHash.into_iden(),
            ),
            (
                "ix_oidc_tokens_expires",
                OidcTokens::Table.into_iden(),
                OidcTokens::ExpiresAt.into_iden(),
            ),
            (
                "ix_oidc_codes_expires",
                OidcCodes::Table.into_iden(),
                OidcCodes::ExpiresAt.into_iden(),
            ),
            (
                "ix_oidc_requests_expires",
                OidcRequests::Table.into_iden(),
                OidcRequests::ExpiresAt.into_iden(),
            ),
            (
                "ix_oidc_logins_user",
                OidcLogins::Table.into_iden(),
                OidcLogins::UserId.into_iden(),
            ),
        ];
        for (name, table, column) in indexes {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(table)
                        .col(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            OidcLogins::Table.into_iden(),
            OidcSubjects::Table.into_iden(),
            OidcConsents::Table.into_iden(),
            OidcTokens::Table.into_iden(),
            OidcCodes::Table.into_iden(),
            OidcRequests::Table.into_iden(),
            OidcClients::Table.into_iden(),
            OidcKeys::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum OidcKeys {
    Table,
    Kid,
    Alg,
    PrivateSealed,
    PublicJwk,
    CreatedAt,
    RetiredAt,
}

#[derive(DeriveIden)]
enum OidcClients {
    Table,
    ClientId,
    Name,
    SecretHash,
    RedirectUris,
    PostLogoutRedirectUris,
    BackchannelLogoutUri,
    Public,
    FirstParty,
    IdTokenAlg,
    FromConfig,
    CreatedAt,
}

#[derive(DeriveIden)]
enum OidcRequests {
    Table,
    IdHash,
    ClientId,
    Request,
    LoginAfter,
    CreatedAt,
    ExpiresAt,
}

#[derive(DeriveIden)]
enum OidcCodes {
    Table,
    CodeHash,
    ClientId,
    UserId,
    Grant,
    CreatedAt,
    ExpiresAt,
    UsedAt,
}

#[derive(DeriveIden)]
enum OidcTokens {
    Table,
    TokenHash,
    Kind,
    Family,
    ClientId,
    UserId,
    Grant,
    Sid,
    CodeHash,
    CreatedAt,
    ExpiresAt,
    SpentAt,
    RevokedAt,
}

#[derive(DeriveIden)]
enum OidcConsents {
    Table,
    UserId,
    ClientId,
    Scope,
    GrantedAt,
}

#[derive(DeriveIden)]
enum OidcSubjects {
    Table,
    UserId,
    Subject,
}

#[derive(DeriveIden)]
enum OidcLogins {
    Table,
    Sid,
    ClientId,
    UserId,
    CreatedAt,
}
