//! The keys ID tokens are signed with: an RS256 key (the algorithm every client must accept)
//! and an ES256 key, made at first start, their private halves sealed at rest like provider
//! tokens. `denglu keys rotate` makes new ones; a retired key stays in the JWKS for the
//! configured overlap, so tokens it signed still verify.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use chrono::{DateTime, Utc};
use jsonwebtoken::jwk::{Jwk, JwkSet, ThumbprintHash};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, DatabaseConnection, DbErr, EntityTrait, QueryFilter,
    QueryOrder,
};
use secrecy::{ExposeSecret, SecretString};

use crate::auth::sealing::{Purpose, TokenSealer};
use crate::entities::oidc_key;

/// How long a new key is published before it signs: the JWKS's cache life
/// (`routes::oidc`, an hour) and a margin for clocks, so no cached set lacks the signing key.
pub const PUBLISHED_AHEAD: chrono::Duration = chrono::Duration::minutes(65);

/// The algorithms Denglu signs with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SigningAlg {
    Rs256,
    Es256,
}

impl SigningAlg {
    pub const ALL: [SigningAlg; 2] = [SigningAlg::Rs256, SigningAlg::Es256];

    pub fn as_str(self) -> &'static str {
        match self {
            SigningAlg::Rs256 => "RS256",
            SigningAlg::Es256 => "ES256",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|alg| alg.as_str() == raw)
    }

    fn jose(self) -> Algorithm {
        match self {
            SigningAlg::Rs256 => Algorithm::RS256,
            SigningAlg::Es256 => Algorithm::ES256,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("database: {0}")]
    Db(#[from] DbErr),
    #[error("signing key {kid}: {reason}")]
    Unusable { kid: String, reason: String },
    #[error("no signing key for {0}")]
    Missing(&'static str),
}

/// The signing keys, read from the database (every instance sees a rotation) and parsed once.
pub struct KeyRing {
    db: DatabaseConnection,
    sealer: TokenSealer,
    overlap: chrono::Duration,
    parsed: RwLock<HashMap<String, Arc<EncodingKey>>>,
}

impl KeyRing {
    pub fn new(db: DatabaseConnection, sealer: TokenSealer, overlap: chrono::Duration) -> Self {
        Self {
            db,
            sealer,
            overlap,
            parsed: RwLock::new(HashMap::new()),
        }
    }

    /// Makes a key for each algorithm that has none in use (the first start).
    pub async fn ensure(&self) -> Result<(), KeyError> {
        for alg in SigningAlg::ALL {
            if self.current(alg).await?.is_none() {
                self.create(alg, Utc::now()).await?;
            }
        }
        Ok(())
    }

    /// Adds a new key for each algorithm, published at once and signing once every cached
    /// copy of the JWKS without it has expired; the keys in use retire then. Returns the new
    /// kids.
    pub async fn rotate(&self) -> Result<Vec<String>, KeyError> {
        self.rotate_signing_from(Utc::now() + PUBLISHED_AHEAD).await
    }

    /// [`rotate`](Self::rotate), with the new keys signing from `from`.
    pub async fn rotate_signing_from(&self, from: DateTime<Utc>) -> Result<Vec<String>, KeyError> {
        let mut made = Vec::new();
        for alg in SigningAlg::ALL {
            let kid = self.create(alg, from).await?;
            oidc_key::Entity::update_many()
                .col_expr(oidc_key::Column::RetiredAt, Expr::value(from))
                .filter(oidc_key::Column::Alg.eq(alg.as_str()))
                .filter(oidc_key::Column::RetiredAt.is_null())
                .filter(oidc_key::Column::Kid.ne(kid.as_str()))
                .exec(&self.db)
                .await?;
            made.push(kid);
        }
        Ok(made)
    }

    /// The public keys clients verify with: those in use and those retired within the overlap.
    pub async fn jwks(&self) -> Result<JwkSet, KeyError> {
        let keys = self
            .published(Utc::now())
            .await?
            .into_iter()
            .filter_map(|row| serde_json::from_str::<Jwk>(&row.public_jwk).ok())
            .collect();
        Ok(JwkSet { keys })
    }

    /// Signs `claims` with the current key for `alg`.
    pub async fn sign<T: serde::Serialize>(
        &self,
        alg: SigningAlg,
        claims: &T,
    ) -> Result<String, KeyError> {
        self.sign_typed(alg, claims, "JWT").await
    }

    /// Signs with `typ` in the header (a logout token is `logout+jwt`, so that it can never
    /// pass for an ID token).
    pub async fn sign_typed<T: serde::Serialize>(
        &self,
        alg: SigningAlg,
        claims: &T,
        typ: &str,
    ) -> Result<String, KeyError> {
        let row = self
            .current(alg)
            .await?
            .ok_or(KeyError::Missing(alg.as_str()))?;
        let key = self.encoding_key(&row)?;
        let mut header = Header::new(alg.jose());
        header.kid = Some(row.kid.clone());
        header.typ = Some(typ.to_string());
        jsonwebtoken::encode(&header, claims, &key).map_err(|e| KeyError::Unusable {
            kid: row.kid,
            reason: e.to_string(),
        })
    }

    /// The claims of a JWT Denglu signed with a published key, checking the signature only
    /// (an `id_token_hint` may have expired; the caller checks what it needs).
    pub async fn verify_signature<T: serde::de::DeserializeOwned>(&self, token: &str) -> Option<T> {
        let header = jsonwebtoken::decode_header(token).ok()?;
        let kid = header.kid?;
        let jwks = self.jwks().await.ok()?;
        let jwk = jwks.find(&kid)?;
        let key = DecodingKey::from_jwk(jwk).ok()?;
        let alg = SigningAlg::ALL
            .into_iter()
            .find(|a| a.jose() == header.alg)?;
        let mut validation = Validation::new(alg.jose());
        validation.validate_exp = false;
        validation.validate_aud = false;
        validation.required_spec_claims.clear();
        jsonwebtoken::decode::<T>(token, &key, &validation)
            .ok()
            .map(|data| data.claims)
    }

    /// The key that signs now: made (its `created_at` is when it starts signing) and not
    /// retired yet.
    async fn current(&self, alg: SigningAlg) -> Result<Option<oidc_key::Model>, DbErr> {
        let now = Utc::now();
        oidc_key::Entity::find()
            .filter(oidc_key::Column::Alg.eq(alg.as_str()))
            .filter(oidc_key::Column::CreatedAt.lte(now))
            .filter(
                Condition::any()
                    .add(oidc_key::Column::RetiredAt.is_null())
                    .add(oidc_key::Column::RetiredAt.gt(now)),
            )
            .order_by_desc(oidc_key::Column::CreatedAt)
            .one(&self.db)
            .await
    }

    async fn published(&self, now: DateTime<Utc>) -> Result<Vec<oidc_key::Model>, DbErr> {
        oidc_key::Entity::find()
            .filter(
                Condition::any()
                    .add(oidc_key::Column::RetiredAt.is_null())
                    .add(oidc_key::Column::RetiredAt.gt(now - self.overlap)),
            )
            .order_by_desc(oidc_key::Column::CreatedAt)
            .all(&self.db)
            .await
    }

    async fn create(&self, alg: SigningAlg, signs_from: DateTime<Utc>) -> Result<String, KeyError> {
        let pem = generate(alg);
        let key = parse(alg, &pem).map_err(|reason| KeyError::Unusable {
            kid: "(new)".into(),
            reason,
        })?;
        let mut jwk = Jwk::from_encoding_key(&key, alg.jose()).map_err(|e| KeyError::Unusable {
            kid: "(new)".into(),
            reason: e.to_string(),
        })?;
        // The RFC 7638 thumbprint: a kid that names the key itself.
        let kid = jwk.thumbprint(ThumbprintHash::SHA256);
        jwk.common.key_id = Some(kid.clone());
        jwk.common.public_key_use = Some(jsonwebtoken::jwk::PublicKeyUse::Signature);
        let public_jwk = serde_json::to_string(&jwk).expect("a JWK serialises");
        oidc_key::Entity::insert(oidc_key::ActiveModel {
            kid: Set(kid.clone()),
            alg: Set(alg.as_str().to_string()),
            private_sealed: Set(self
                .sealer
                .seal_text(Purpose::SigningKey, pem.expose_secret())),
            public_jwk: Set(public_jwk),
            created_at: Set(signs_from),
            retired_at: Set(None),
        })
        .exec(&self.db)
        .await?;
        tracing::info!(kid, alg = alg.as_str(), "made a new signing key");
        Ok(kid)
    }

    fn encoding_key(&self, row: &oidc_key::Model) -> Result<Arc<EncodingKey>, KeyError> {
        if let Some(key) = self.parsed.read().expect("not poisoned").get(&row.kid) {
            return Ok(key.clone());
        }
        let unusable = |reason: String| KeyError::Unusable {
            kid: row.kid.clone(),
            reason,
        };
        let alg = SigningAlg::parse(&row.alg).ok_or_else(|| unusable("unknown alg".into()))?;
        let pem = self
            .sealer
            .open_text(Purpose::SigningKey, &row.private_sealed)
            .map_err(|e| unusable(format!("{e} (was DENGLU_SECRET changed?)")))?;
        let key = Arc::new(parse(alg, &SecretString::from(pem)).map_err(unusable)?);
        self.parsed
            .write()
            .expect("not poisoned")
            .insert(row.kid.clone(), key.clone());
        Ok(key)
    }
}

/// A new private key as PEM (PKCS#1 for RSA, PKCS#8 for P-256).
fn generate(alg: SigningAlg) -> SecretString {
    use rand_core::OsRng;
    let pem = match alg {
        SigningAlg::Rs256 => {
            use rsa::pkcs1::EncodeRsaPrivateKey;
            let key = rsa::RsaPrivateKey::new(&mut OsRng, 2048).expect("RSA key generation");
            key.to_pkcs1_pem(rsa::pkcs1::LineEnding::LF)
                .expect("an RSA key encodes")
                .to_string()
        }
        SigningAlg::Es256 => {
            use p256::pkcs8::EncodePrivateKey;
            let key = p256::SecretKey::random(&mut OsRng);
            key.to_pkcs8_pem(p256::pkcs8::LineEnding::LF)
                .expect("a P-256 key encodes")
                .to_string()
        }
    };
    SecretString::from(pem)
}

fn parse(alg: SigningAlg, pem: &SecretString) -> Result<EncodingKey, String> {
    let bytes = pem.expose_secret().as_bytes();
    match alg {
        SigningAlg::Rs256 => EncodingKey::from_rsa_pem(bytes),
        SigningAlg::Es256 => EncodingKey::from_ec_pem(bytes),
    }
    .map_err(|e| e.to_string())
}
