use sea_orm::entity::prelude::*;

/// An authorization request waiting for the person to sign in or consent.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "oidc_requests")]
pub struct Model {
    /// SHA-256 of the request's id, hex.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id_hash: String,
    pub client_id: String,
    /// The validated request, JSON text.
    pub request: String,
    /// `prompt=login`: only a sign-in after this time answers it.
    pub login_after: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub expires_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
