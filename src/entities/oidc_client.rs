use sea_orm::entity::prelude::*;

/// A site that signs people in through Denglu; see `oidc::clients`.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "oidc_clients")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub client_id: String,
    pub name: String,
    /// SHA-256 of the secret, hex; none for a public client.
    pub secret_hash: Option<String>,
    /// JSON array of the exact redirect URIs.
    pub redirect_uris: String,
    /// JSON array.
    pub post_logout_redirect_uris: String,
    pub backchannel_logout_uri: Option<String>,
    pub public: bool,
    pub first_party: bool,
    pub id_token_alg: String,
    /// Declared in the configuration file (replaced at every start).
    pub from_config: bool,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
