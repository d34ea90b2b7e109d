use sea_orm::entity::prelude::*;

/// An access or refresh token issued to a client.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "oidc_tokens")]
pub struct Model {
    /// SHA-256 of the token, hex.
    #[sea_orm(primary_key, auto_increment = false)]
    pub token_hash: String,
    /// `access` or `refresh`.
    pub kind: String,
    /// Every token descended from one code shares a family; reuse revokes the family.
    pub family: String,
    pub client_id: String,
    pub user_id: i64,
    /// What the token grants (`oidc::grant::Grant`), JSON text.
    pub grant: String,
    /// The session the person signed in with (for back-channel logout).
    pub sid: Option<String>,
    /// SHA-256 of the code that started the family.
    pub code_hash: Option<String>,
    pub created_at: DateTimeUtc,
    pub expires_at: DateTimeUtc,
    /// A refresh token that was exchanged for a new one.
    pub spent_at: Option<DateTimeUtc>,
    pub revoked_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
