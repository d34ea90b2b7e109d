//! The sites that sign people in through Denglu: registered by `denglu client add` or declared
//! in `[[oidc.clients]]`. A secret is shown once and stored as its SHA-256 (it is 256 random
//! bits, so a fast hash is enough: there is nothing to guess).

use chrono::Utc;
use rand::RngCore;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, DatabaseConnection, DatabaseTransaction, DbErr, EntityTrait,
    QueryFilter, QueryOrder, TransactionTrait,
};
use serde::Serialize;
use subtle::ConstantTimeEq;

use crate::audit::{self, Event, Kind};
use crate::config::ConfiguredClient;
use crate::config::policy::redirect_uri_problem;
use crate::entities::{oidc_client, oidc_code, oidc_consent, oidc_login, oidc_token};
use crate::oidc::hashing::sha256_hex;
use crate::oidc::keys::SigningAlg;

/// A registered client, as the flows use it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Client {
    pub id: String,
    pub name: String,
    secret_hash: Option<String>,
    pub redirect_uris: Vec<String>,
    pub post_logout_redirect_uris: Vec<String>,
    pub backchannel_logout_uri: Option<String>,
    pub public: bool,
    pub first_party: bool,
    pub id_token_alg: SigningAlg,
}

impl Client {
    /// Exact string comparison, as RFC 9700 §2.1 asks: no prefix, no pattern.
    pub fn has_redirect_uri(&self, uri: &str) -> bool {
        self.redirect_uris.iter().any(|r| r == uri)
    }

    pub fn has_post_logout_redirect_uri(&self, uri: &str) -> bool {
        self.post_logout_redirect_uris.iter().any(|r| r == uri)
    }

    /// Whether `secret` is this confidential client's secret (constant time).
    pub fn secret_matches(&self, secret: &str) -> bool {
        match &self.secret_hash {
            Some(hash) => bool::from(hash.as_bytes().ct_eq(sha256_hex(secret).as_bytes())),
            None => false,
        }
    }

    /// Where a pairwise subject is scoped (OIDC Core §8.1): the host of the redirect URIs
    /// when they share one real host; otherwise (several hosts, a loopback address, a native
    /// app's scheme) the client itself, so that no two unrelated clients share a sector.
    pub fn sector(&self) -> String {
        let hosts: std::collections::BTreeSet<Option<String>> = self
            .redirect_uris
            .iter()
            .map(|u| {
                url::Url::parse(u)
                    .ok()
                    .and_then(|u| u.host_str().map(str::to_string))
            })
            .collect();
        match hosts.into_iter().collect::<Vec<_>>().as_slice() {
            [Some(host)] if !matches!(host.as_str(), "localhost" | "127.0.0.1" | "[::1]") => {
                host.clone()
            }
            _ => format!("client:{}", self.id),
        }
    }
}

impl From<oidc_client::Model> for Client {
    fn from(row: oidc_client::Model) -> Self {
        let list = |json: &str| serde_json::from_str::<Vec<String>>(json).unwrap_or_default();
        Self {
            redirect_uris: list(&row.redirect_uris),
            post_logout_redirect_uris: list(&row.post_logout_redirect_uris),
            id_token_alg: SigningAlg::parse(&row.id_token_alg).unwrap_or(SigningAlg::Rs256),
            id: row.client_id,
            name: row.name,
            secret_hash: row.secret_hash,
            backchannel_logout_uri: row.backchannel_logout_uri,
            public: row.public,
            first_party: row.first_party,
        }
    }
}

/// What `denglu client add` registers.
#[derive(Debug, Clone, Default)]
pub struct NewClient {
    pub name: String,
    pub redirect_uris: Vec<String>,
    pub post_logout_redirect_uris: Vec<String>,
    pub backchannel_logout_uri: Option<String>,
    pub public: bool,
    pub first_party: bool,
    pub id_token_alg: Option<SigningAlg>,
}

/// What registration answers, printed once as JSON: the only time the secret is seen.
#[derive(Debug, Serialize)]
pub struct Registered {
    pub client_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_secret: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("{0}")]
    Invalid(String),
    #[error("database: {0}")]
    Db(#[from] DbErr),
}

/// Registers a client; returns its id and (for a confidential client) its secret.
pub async fn add(db: &DatabaseConnection, new: NewClient) -> Result<Registered, ClientError> {
    if new.name.trim().is_empty() {
        return Err(ClientError::Invalid("--name must not be empty".into()));
    }
    if new.redirect_uris.is_empty() {
        return Err(ClientError::Invalid(
            "at least one --redirect-uri is needed".into(),
        ));
    }
    for uri in new
        .redirect_uris
        .iter()
        .chain(&new.post_logout_redirect_uris)
        .chain(&new.backchannel_logout_uri)
    {
        if let Some(problem) = redirect_uri_problem(uri) {
            return Err(ClientError::Invalid(format!("`{uri}` {problem}")));
        }
    }
    let client_id = random_text(16);
    let secret = (!new.public).then(|| random_text(32));
    oidc_client::Entity::insert(oidc_client::ActiveModel {
        client_id: Set(client_id.clone()),
        name: Set(new.name.trim().to_string()),
        secret_hash: Set(secret.as_deref().map(sha256_hex)),
        redirect_uris: Set(json_list(&new.redirect_uris)),
        post_logout_redirect_uris: Set(json_list(&new.post_logout_redirect_uris)),
        backchannel_logout_uri: Set(new.backchannel_logout_uri),
        public: Set(new.public),
        first_party: Set(new.first_party),
        id_token_alg: Set(new
            .id_token_alg
            .unwrap_or(SigningAlg::Rs256)
            .as_str()
            .to_string()),
        from_config: Set(false),
        created_at: Set(Utc::now()),
    })
    .exec(db)
    .await?;
    audit::note(
        db,
        Event::new(Kind::ClientRegistered).detail(format!("{client_id} ({})", new.name.trim())),
    )
    .await;
    Ok(Registered {
        client_id,
        client_secret: secret,
    })
}

/// Every registered client, oldest first.
pub async fn list(db: &DatabaseConnection) -> Result<Vec<Client>, DbErr> {
    Ok(oidc_client::Entity::find()
        .order_by_asc(oidc_client::Column::CreatedAt)
        .all(db)
        .await?
        .into_iter()
        .map(Client::from)
        .collect())
}

pub async fn find(db: &DatabaseConnection, client_id: &str) -> Result<Option<Client>, DbErr> {
    Ok(oidc_client::Entity::find_by_id(client_id)
        .one(db)
        .await?
        .map(Client::from))
}

/// Removes a client, with its tokens, codes and consents: a client registered again under
/// the same id starts with nothing.
pub async fn remove(db: &DatabaseConnection, client_id: &str) -> Result<bool, DbErr> {
    let txn = db.begin().await?;
    let removed = oidc_client::Entity::delete_by_id(client_id)
        .exec(&txn)
        .await?
        .rows_affected
        > 0;
    forget_grants(&txn, &[client_id.to_string()]).await?;
    if removed {
        audit::record(&txn, Event::new(Kind::ClientRemoved).detail(client_id)).await?;
    }
    txn.commit().await?;
    Ok(removed)
}

/// Deletes what clients were given: tokens, codes, consents, sign-ins.
async fn forget_grants(txn: &DatabaseTransaction, client_ids: &[String]) -> Result<(), DbErr> {
    if client_ids.is_empty() {
        return Ok(());
    }
    let ids = || client_ids.to_vec();
    oidc_token::Entity::delete_many()
        .filter(oidc_token::Column::ClientId.is_in(ids()))
        .exec(txn)
        .await?;
    oidc_code::Entity::delete_many()
        .filter(oidc_code::Column::ClientId.is_in(ids()))
        .exec(txn)
        .await?;
    oidc_consent::Entity::delete_many()
        .filter(oidc_consent::Column::ClientId.is_in(ids()))
        .exec(txn)
        .await?;
    oidc_login::Entity::delete_many()
        .filter(oidc_login::Column::ClientId.is_in(ids()))
        .exec(txn)
        .await?;
    Ok(())
}

/// Makes the clients declared in the configuration exactly those of the file (added,
/// changed, removed), leaving registered ones alone. A declared id that a registered client
/// already has is refused: the file must not take over someone else's client.
pub async fn sync_configured(
    db: &DatabaseConnection,
    declared: &[ConfiguredClient],
) -> Result<(), ClientError> {
    // Reads first, outside the transaction: SQLite cannot turn a transaction's read into a
    // write once another connection (a sweeper at start-up) has written.
    let ids: Vec<String> = declared.iter().map(|c| c.client_id.clone()).collect();
    if let Some(taken) = oidc_client::Entity::find()
        .filter(oidc_client::Column::FromConfig.eq(false))
        .filter(oidc_client::Column::ClientId.is_in(ids.clone()))
        .one(db)
        .await?
    {
        return Err(ClientError::Invalid(format!(
            "[[oidc.clients]] declares `{}`, which `denglu client add` registered",
            taken.client_id
        )));
    }
    // Clients gone from the file lose what they were given.
    let dropped: Vec<String> = oidc_client::Entity::find()
        .filter(oidc_client::Column::FromConfig.eq(true))
        .filter(oidc_client::Column::ClientId.is_not_in(ids))
        .all(db)
        .await?
        .into_iter()
        .map(|c| c.client_id)
        .collect();
    let txn = db.begin().await?;
    forget_grants(&txn, &dropped).await?;
    oidc_client::Entity::delete_many()
        .filter(oidc_client::Column::FromConfig.eq(true))
        .exec(&txn)
        .await?;
    for client in declared {
        oidc_client::Entity::insert(oidc_client::ActiveModel {
            client_id: Set(client.client_id.clone()),
            name: Set(client.name.clone()),
            secret_hash: Set(client
                .secret_sha256
                .as_ref()
                .map(|h| h.to_ascii_lowercase())),
            redirect_uris: Set(json_list(&client.redirect_uris)),
            post_logout_redirect_uris: Set(json_list(&client.post_logout_redirect_uris)),
            backchannel_logout_uri: Set(client.backchannel_logout_uri.clone()),
            public: Set(client.public),
            first_party: Set(client.first_party),
            id_token_alg: Set(client
                .id_token_signed_response_alg
                .clone()
                .unwrap_or_else(|| "RS256".into())),
            from_config: Set(true),
            created_at: Set(Utc::now()),
        })
        .exec(&txn)
        .await?;
    }
    txn.commit().await?;
    Ok(())
}

fn json_list(items: &[String]) -> String {
    serde_json::to_string(items).expect("strings serialise")
}

/// `bytes` random bytes as unpadded base64url.
pub(crate) fn random_text(bytes: usize) -> String {
    use base64::Engine;
    let mut raw = vec![0u8; bytes];
    rand::rng().fill_bytes(&mut raw);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(raw)
}

#[cfg(test)]
impl Client {
    pub fn for_tests(id: &str, redirect_uris: Vec<String>, public: bool) -> Self {
        Self {
            id: id.to_string(),
            name: id.to_string(),
            secret_hash: (!public).then(|| sha256_hex("secret")),
            redirect_uris,
            post_logout_redirect_uris: Vec::new(),
            backchannel_logout_uri: None,
            public,
            first_party: false,
            id_token_alg: SigningAlg::Rs256,
        }
    }
}
