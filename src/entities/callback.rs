use sea_orm::entity::prelude::*;

/// A sign-in callback that claimed its state; see `auth::replay`.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "callbacks")]
pub struct Model {
    /// SHA-256 of the provider and the state, hex.
    #[sea_orm(primary_key, auto_increment = false)]
    pub key_hash: String,
    /// SHA-256 of the code, hex (empty for a refused sign-in).
    pub code_hash: String,
    pub created_at: DateTimeUtc,
    pub finished_at: Option<DateTimeUtc>,
    pub location: Option<String>,
    /// SHA-256 of the session id the first callback retired, hex.
    pub moved_from: Option<String>,
    /// The session id it made, sealed (base64).
    pub moved_to: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
