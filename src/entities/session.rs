use sea_orm::entity::prelude::*;

/// A browser session; see `session` for the store and `auth::devices` for what a person sees.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "sessions")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// SHA-256 of the session id, hex.
    pub key_hash: String,
    /// The session's data, as JSON text.
    pub data: String,
    pub user_id: Option<i64>,
    /// How the session signed in (a provider id).
    pub method: Option<String>,
    /// "Chrome · Windows", from the User-Agent it was last seen with.
    pub agent: Option<String>,
    /// The network it was last seen from (an IPv4 /24 or IPv6 /48), for "approximate place".
    pub network: Option<String>,
    pub created_at: DateTimeUtc,
    pub last_seen_at: DateTimeUtc,
    pub expires_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
