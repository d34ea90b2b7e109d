use sea_orm::entity::prelude::*;

/// A key Denglu signs ID tokens with; see `oidc::keys`.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "oidc_keys")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub kid: String,
    /// `RS256` or `ES256`.
    pub alg: String,
    /// The private key as PEM, sealed (base64).
    pub private_sealed: String,
    /// The public key as a JWK, JSON text.
    pub public_jwk: String,
    /// When it starts signing (a rotated key is published an hour before).
    pub created_at: DateTimeUtc,
    /// No longer signs; stays in the JWKS until the overlap has passed.
    pub retired_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
