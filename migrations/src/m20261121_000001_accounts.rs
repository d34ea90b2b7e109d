//! Accounts and the provider identities linked to them.
//!
//! `users` knows nothing of providers: everything a provider tells us lives in `identities`
//! (one row per person per provider) and `identity_app_openids` (every WeChat app-specific
//! openid seen for an identity, since one person has a different openid in each app).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Users::Table)
                    .if_not_exists()
                    .col(
                        ColumnDef::new(Users::Id)
                            .big_integer()
                            .not_null()
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(Users::Username).string_len(64).not_null())
                    // Case-folded, normalised form of the username: the unique key, so that
                    // "Alice" and "alice" cannot both exist, in any script.
                    .col(
                        ColumnDef::new(Users::UsernameKey)
                            .string_len(128)
                            .not_null()
                            .unique_key(),
                    )
                    .col(
                        ColumnDef::new(Users::DisplayName)
                            .string_len(128)
                            .not_null(),
                    )
                    .col(ColumnDef::new(Users::Email).string_len(254).null())
                    .col(ColumnDef::new(Users::AvatarUrl).string_len(1024).null())
                    .col(
                        ColumnDef::new(Users::Status)
                            .string_len(16)
                            .not_null()
                            .default("active"),
                    )
                    .col(
                        ColumnDef::new(Users::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Users::UpdatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Identities::Table)
                    .if_not_exists()
                    .col(
                        ColumnDef::new(Identities::Id)
                            .big_integer()
                            .not_null()
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(Identities::UserId).big_integer().not_null())
                    .col(
                        ColumnDef::new(Identities::Provider)
                            .string_len(16)
                            .not_null(),
                    )
                    // unionid when WeChat gives one, else the app-specific openid or uid.
                    .col(
                        ColumnDef::new(Identities::Subject)
                            .string_len(128)
                            .not_null(),
                    )
                    .col(ColumnDef::new(Identities::Unionid).string_len(128).null())
                    .col(ColumnDef::new(Identities::AppId).string_len(64).not_null())
                    .col(
                        ColumnDef::new(Identities::DisplayName)
                            .string_len(256)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Identities::AvatarUrl)
                            .string_len(1024)
                            .null(),
                    )
                    .col(ColumnDef::new(Identities::Profile).json().not_null())
                    // Tokens are sealed with DENGLU_SECRET (nonce || ciphertext), never stored plain.
                    .col(
                        ColumnDef::new(Identities::AccessTokenSealed)
                            .binary()
                            .null(),
                    )
                    .col(
                        ColumnDef::new(Identities::RefreshTokenSealed)
                            .binary()
                            .null(),
                    )
                    .col(
                        ColumnDef::new(Identities::ExpiresAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(
                        ColumnDef::new(Identities::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Identities::LastLoginAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_identities_user")
                            .from(Identities::Table, Identities::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_identities_provider_subject")
                    .table(Identities::Table)
                    .col(Identities::Provider)
                    .col(Identities::Subject)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_identities_user")
                    .table(Identities::Table)
                    .col(Identities::UserId)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(IdentityAppOpenids::Table)
                    .if_not_exists()
                    .col(
                        ColumnDef::new(IdentityAppOpenids::Id)
                            .big_integer()
                            .not_null()
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(IdentityAppOpenids::IdentityId)
                            .big_integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(IdentityAppOpenids::AppId)
                            .string_len(64)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(IdentityAppOpenids::Openid)
                            .string_len(128)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(IdentityAppOpenids::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_identity_app_openids_identity")
                            .from(IdentityAppOpenids::Table, IdentityAppOpenids::IdentityId)
                            .to(Identities::Table, Identities::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_identity_app_openids_app_openid")
                    .table(IdentityAppOpenids::Table)
                    .col(IdentityAppOpenids::AppId)
                    .col(IdentityAppOpenids::Openid)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(IdentityAppOpenids::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Identities::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Users::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
    Username,
    UsernameKey,
    DisplayName,
    Email,
    AvatarUrl,
    Status,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Identities {
    Table,
    Id,
    UserId,
    Provider,
    Subject,
    Unionid,
    AppId,
    DisplayName,
    AvatarUrl,
    Profile,
    AccessTokenSealed,
    RefreshTokenSealed,
    ExpiresAt,
    CreatedAt,
    LastLoginAt,
}

#[derive(DeriveIden)]
enum IdentityAppOpenids {
    Table,
    Id,
    IdentityId,
    AppId,
    Openid,
    CreatedAt,
}
