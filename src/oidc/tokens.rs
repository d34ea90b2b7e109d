//! The token endpoint (codes and refresh tokens for tokens), UserInfo, revocation (RFC 7009)
//! and introspection (RFC 7662).
//!
//! Access tokens are opaque and short-lived, refresh tokens rotate on every use; both are
//! stored as their SHA-256. A code used twice, or a spent refresh token used again, is taken
//! as stolen: everything issued from it is revoked (RFC 9700 §4.14).

use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, DatabaseConnection, DatabaseTransaction, DbErr, EntityTrait,
    QueryFilter, TransactionTrait,
};
use serde::Serialize;
use serde_json::{Map, Value, json};

use crate::entities::{oidc_code, oidc_token, session};
use crate::oidc::claims;
use crate::oidc::clients::{self, Client, random_text};
use crate::oidc::grant::Grant;
use crate::oidc::hashing::{sha256_b64, sha256_hex};
use crate::oidc::provider::Oidc;
use crate::oidc::request::is_code_verifier;

const ACCESS: &str = "access";
const REFRESH: &str = "refresh";

/// How the client said who it is.
#[derive(Debug, Clone, Default)]
pub struct ClientCredentials {
    /// From `Authorization: Basic` (already form-decoded).
    pub basic: Option<(String, String)>,
    /// `client_id` / `client_secret` in the body.
    pub form_id: Option<String>,
    pub form_secret: Option<String>,
}

/// An error of the token, revocation or introspection endpoint (RFC 6749 §5.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenFailure {
    pub error: &'static str,
    pub description: &'static str,
    /// `invalid_client` after Basic authentication is a 401 with a challenge.
    pub basic_challenge: bool,
}

impl TokenFailure {
    fn new(error: &'static str, description: &'static str) -> Self {
        Self {
            error,
            description,
            basic_challenge: false,
        }
    }

    pub fn status(&self) -> u16 {
        match self.error {
            "invalid_client" => 401,
            "server_error" => 500,
            _ => 400,
        }
    }
}

impl From<DbErr> for TokenFailure {
    fn from(e: DbErr) -> Self {
        tracing::error!(error = %e, "token endpoint: database");
        TokenFailure::new("server_error", "try again later")
    }
}

#[derive(Debug, Serialize)]
pub struct TokenResponse {
    pub access_token: String,
    pub token_type: &'static str,
    pub expires_in: i64,
    pub refresh_token: String,
    pub id_token: String,
    pub scope: String,
}

/// What a pair of tokens is stored with.
struct Stored<'a> {
    /// What the access token (and the ID token) grant.
    access_grant: &'a Grant,
    /// What the refresh token grants: the family's whole grant.
    refresh_grant: &'a Grant,
    family: &'a str,
    code_hash: Option<&'a str>,
    /// A family ends when its first refresh token would have: refreshing never extends it.
    refresh_until: DateTime<Utc>,
}

/// Claims of an ID token (OIDC Core §2), with the scope's claims beside them.
#[derive(Debug, Serialize)]
struct IdTokenClaims<'a> {
    iss: &'a str,
    sub: &'a str,
    aud: &'a str,
    azp: &'a str,
    exp: i64,
    iat: i64,
    auth_time: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    nonce: Option<&'a str>,
    amr: &'a [String],
    at_hash: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    sid: Option<&'a str>,
    #[serde(flatten)]
    claims: Map<String, Value>,
}

impl Oidc {
    /// Who the client is: Basic or the body, never both; a confidential client proves it
    /// with its secret, a public one only names itself.
    pub async fn authenticate(
        &self,
        credentials: &ClientCredentials,
    ) -> Result<Client, TokenFailure> {
        let invalid_client = |basic: bool| TokenFailure {
            error: "invalid_client",
            description: "client authentication failed",
            basic_challenge: basic,
        };
        let (id, secret, basic) = match (&credentials.basic, &credentials.form_secret) {
            (Some(_), Some(_)) => {
                return Err(TokenFailure::new(
                    "invalid_request",
                    "use one client authentication method",
                ));
            }
            (Some((id, secret)), None) => {
                if credentials.form_id.as_ref().is_some_and(|f| f != id) {
                    return Err(TokenFailure::new("invalid_request", "client_id differs"));
                }
                (id.clone(), Some(secret.clone()), true)
            }
            (None, secret) => match &credentials.form_id {
                Some(id) => (id.clone(), secret.clone(), false),
                None => return Err(invalid_client(false)),
            },
        };
        if id.len() > 64 {
            return Err(invalid_client(basic));
        }
        let client = clients::find(&self.db, &id)
            .await?
            .ok_or_else(|| invalid_client(basic))?;
        let ok = match (client.public, secret.as_deref()) {
            (true, None) => true,
            (true, Some(_)) => false,
            (false, Some(secret)) => client.secret_matches(secret),
            (false, None) => false,
        };
        if ok {
            Ok(client)
        } else {
            Err(invalid_client(basic))
        }
    }

    /// `POST /oauth/token`.
    #[tracing::instrument(skip_all, fields(client = %client.id))]
    pub async fn token(
        &self,
        client: &Client,
        form: &HashMap<String, String>,
    ) -> Result<TokenResponse, TokenFailure> {
        match form.get("grant_type").map(String::as_str) {
            Some("authorization_code") => self.redeem_code(client, form).await,
            Some("refresh_token") => self.refresh(client, form).await,
            Some(_) => Err(TokenFailure::new(
                "unsupported_grant_type",
                "authorization_code and refresh_token only",
            )),
            None => Err(TokenFailure::new(
                "invalid_request",
                "grant_type is missing",
            )),
        }
    }

    async fn redeem_code(
        &self,
        client: &Client,
        form: &HashMap<String, String>,
    ) -> Result<TokenResponse, TokenFailure> {
        let invalid_grant = |why| TokenFailure::new("invalid_grant", why);
        let code = form
            .get("code")
            .ok_or_else(|| TokenFailure::new("invalid_request", "code is missing"))?;
        let code_hash = sha256_hex(code);
        let now = Utc::now();
        let Some(row) = oidc_code::Entity::find_by_id(code_hash.as_str())
            .one(&self.db)
            .await?
        else {
            return Err(invalid_grant("unknown code"));
        };
        if row.client_id != client.id {
            return Err(invalid_grant("the code was issued to another client"));
        }
        let grant: Grant = serde_json::from_str(&row.grant)
            .map_err(|_| TokenFailure::new("server_error", "try again later"))?;
        let person = self.person(client, row.user_id, &grant).await?;
        if !self.session_alive(&grant, row.user_id, now).await? {
            return Err(invalid_grant("the sign-in at Denglu has ended"));
        }

        // Spending the code and storing its tokens are one transaction: a second redemption
        // waits for the first and then finds (and revokes) what it issued.
        let txn = self.db.begin().await?;
        let spent = oidc_code::Entity::update_many()
            .col_expr(oidc_code::Column::UsedAt, Expr::value(now))
            .filter(oidc_code::Column::CodeHash.eq(code_hash.as_str()))
            .filter(oidc_code::Column::UsedAt.is_null())
            .exec(&txn)
            .await?
            .rows_affected
            == 1;
        if !spent {
            txn.rollback().await?;
            // A second use: whoever has it is not the client alone (RFC 9700 §4.14).
            self.revoke_where(oidc_token::Column::CodeHash.eq(code_hash.as_str()))
                .await?;
            tracing::warn!("an authorization code was used twice; its tokens are revoked");
            return Err(invalid_grant("the code was already used"));
        }
        let refused = if row.expires_at <= now {
            Some("the code has expired")
        } else if form.get("redirect_uri") != Some(&grant.redirect_uri) {
            Some("redirect_uri differs from the authorization request")
        } else {
            verifier_problem(client, &grant, form.get("code_verifier"))
        };
        if let Some(why) = refused {
            // Spent all the same: a code gets one try.
            txn.commit().await?;
            return Err(invalid_grant(why));
        }
        let family = random_text(16);
        let issued = self
            .store_tokens(
                &txn,
                client,
                row.user_id,
                Stored {
                    access_grant: &grant,
                    refresh_grant: &grant,
                    family: &family,
                    code_hash: Some(&code_hash),
                    refresh_until: now + self.settings.refresh_token_life,
                },
                now,
            )
            .await?;
        txn.commit().await?;
        self.sign(client, &grant, person, issued, true, now).await
    }

    async fn refresh(
        &self,
        client: &Client,
        form: &HashMap<String, String>,
    ) -> Result<TokenResponse, TokenFailure> {
        let invalid_grant = |why| TokenFailure::new("invalid_grant", why);
        let token = form
            .get("refresh_token")
            .ok_or_else(|| TokenFailure::new("invalid_request", "refresh_token is missing"))?;
        let hash = sha256_hex(token);
        let now = Utc::now();
        let Some(row) = oidc_token::Entity::find_by_id(hash.as_str())
            .filter(oidc_token::Column::Kind.eq(REFRESH))
            .one(&self.db)
            .await?
        else {
            return Err(invalid_grant("unknown refresh token"));
        };
        if row.client_id != client.id {
            return Err(invalid_grant("the token was issued to another client"));
        }
        if row.revoked_at.is_some() || row.expires_at <= now {
            return Err(invalid_grant("the refresh token has ended"));
        }
        let family_grant: Grant = serde_json::from_str(&row.grant)
            .map_err(|_| TokenFailure::new("server_error", "try again later"))?;
        if !self.session_alive(&family_grant, row.user_id, now).await? {
            self.revoke_where(oidc_token::Column::Family.eq(row.family.as_str()))
                .await?;
            return Err(invalid_grant("the sign-in at Denglu has ended"));
        }
        let mut grant = family_grant.clone();
        if let Some(asked) = form.get("scope") {
            let asked: BTreeSet<String> = asked
                .split(' ')
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect();
            if !asked.is_subset(&grant.scope) {
                return Err(TokenFailure::new(
                    "invalid_scope",
                    "a refresh cannot widen the scope",
                ));
            }
            if !asked.is_empty() {
                grant.scope = asked;
            }
        }
        // A refreshed ID token has no nonce (OIDC Core §12.2).
        grant.nonce = None;
        let person = self.person(client, row.user_id, &grant).await?;

        let txn = self.db.begin().await?;
        let spent = oidc_token::Entity::update_many()
            .col_expr(oidc_token::Column::SpentAt, Expr::value(now))
            .filter(oidc_token::Column::TokenHash.eq(hash.as_str()))
            .filter(oidc_token::Column::SpentAt.is_null())
            // Revoked meanwhile (a logout, a revoked app): no successor.
            .filter(oidc_token::Column::RevokedAt.is_null())
            .filter(oidc_token::Column::ExpiresAt.gt(now))
            .exec(&txn)
            .await?
            .rows_affected
            == 1;
        if !spent {
            txn.rollback().await?;
            self.revoke_where(oidc_token::Column::Family.eq(row.family.as_str()))
                .await?;
            tracing::warn!("a spent refresh token was used again; its family is revoked");
            return Err(invalid_grant("the refresh token was already used"));
        }
        // The family keeps its code (a late second use of that code still ends it), its scope
        // (RFC 6749 §6: a narrower refresh narrows only the access token) and its end.
        let issued = self
            .store_tokens(
                &txn,
                client,
                row.user_id,
                Stored {
                    access_grant: &grant,
                    refresh_grant: &family_grant,
                    family: &row.family,
                    code_hash: row.code_hash.as_deref(),
                    refresh_until: row.expires_at,
                },
                now,
            )
            .await?;
        txn.commit().await?;
        self.sign(client, &grant, person, issued, false, now).await
    }

    /// What the ID token says of the person (their claims and subject), read before any
    /// transaction so that the subject, made on first use, is not written inside one.
    async fn person(
        &self,
        client: &Client,
        user_id: i64,
        grant: &Grant,
    ) -> Result<(String, Map<String, Value>), TokenFailure> {
        let Some(claims) = claims::claims(&self.db, user_id, &grant.scope).await? else {
            return Err(TokenFailure::new(
                "invalid_grant",
                "the account is not active",
            ));
        };
        let sub =
            claims::subject(&self.db, user_id, client, self.settings.pairwise_subjects).await?;
        Ok((sub, claims))
    }

    /// Whether the Denglu session the grant was made in still lives (whatever ended it: a
    /// sign-out, its expiry, a sweep).
    async fn session_alive(
        &self,
        grant: &Grant,
        user_id: i64,
        now: DateTime<Utc>,
    ) -> Result<bool, DbErr> {
        let Some(key) = &grant.session_key else {
            return Ok(false);
        };
        Ok(session::Entity::find()
            .filter(session::Column::KeyHash.eq(key.as_str()))
            .filter(session::Column::UserId.eq(user_id))
            .filter(session::Column::ExpiresAt.gt(now))
            .one(&self.db)
            .await?
            .is_some())
    }

    /// Stores a new access token and refresh token in `txn`; returns them.
    async fn store_tokens(
        &self,
        txn: &DatabaseTransaction,
        client: &Client,
        user_id: i64,
        stored: Stored<'_>,
        now: DateTime<Utc>,
    ) -> Result<(String, String), DbErr> {
        let access_token = random_text(32);
        let refresh_token = random_text(32);
        let row = |token: &str, kind: &str, grant: &Grant, expires: DateTime<Utc>| {
            oidc_token::ActiveModel {
                token_hash: Set(sha256_hex(token)),
                kind: Set(kind.to_string()),
                family: Set(stored.family.to_string()),
                client_id: Set(client.id.clone()),
                user_id: Set(user_id),
                grant: Set(serde_json::to_string(grant).expect("a grant serialises")),
                sid: Set(grant.sid.clone()),
                code_hash: Set(stored.code_hash.map(str::to_string)),
                created_at: Set(now),
                expires_at: Set(expires),
                spent_at: Set(None),
                revoked_at: Set(None),
            }
        };
        oidc_token::Entity::insert_many([
            row(
                &access_token,
                ACCESS,
                stored.access_grant,
                now + self.settings.access_token_life,
            ),
            row(
                &refresh_token,
                REFRESH,
                stored.refresh_grant,
                stored.refresh_until,
            ),
        ])
        .exec(txn)
        .await?;
        Ok((access_token, refresh_token))
    }

    /// The token response, with its ID token signed.
    async fn sign(
        &self,
        client: &Client,
        grant: &Grant,
        (sub, claims): (String, Map<String, Value>),
        (access_token, refresh_token): (String, String),
        first: bool,
        now: DateTime<Utc>,
    ) -> Result<TokenResponse, TokenFailure> {
        let access_life = self.settings.access_token_life;
        let id_claims = IdTokenClaims {
            iss: &self.issuer,
            sub: &sub,
            aud: &client.id,
            azp: &client.id,
            exp: (now + access_life).timestamp(),
            iat: now.timestamp(),
            auth_time: grant.auth_time,
            nonce: if first { grant.nonce.as_deref() } else { None },
            amr: &grant.amr,
            at_hash: at_hash(&access_token),
            sid: grant.sid.as_deref(),
            claims,
        };
        let id_token = self
            .keys
            .sign(client.id_token_alg, &id_claims)
            .await
            .map_err(|e| {
                tracing::error!(error = %e, "cannot sign an ID token");
                TokenFailure::new("server_error", "try again later")
            })?;
        Ok(TokenResponse {
            access_token,
            token_type: "Bearer",
            expires_in: access_life.num_seconds(),
            refresh_token,
            id_token,
            scope: grant.scope_text(),
        })
    }

    async fn revoke_where(
        &self,
        condition: impl sea_orm::sea_query::IntoCondition,
    ) -> Result<(), DbErr> {
        oidc_token::Entity::update_many()
            .col_expr(oidc_token::Column::RevokedAt, Expr::value(Utc::now()))
            .filter(condition)
            .filter(oidc_token::Column::RevokedAt.is_null())
            .exec(&self.db)
            .await?;
        Ok(())
    }

    /// A live access token's row, its client still registered.
    async fn live_access_token(&self, token: &str) -> Result<Option<oidc_token::Model>, DbErr> {
        live(&self.db, token, ACCESS).await
    }

    /// `GET|POST /oauth/userinfo`: the claims of the token's scope, as a plain JSON object.
    pub async fn userinfo(&self, bearer: &str) -> Result<Option<Value>, DbErr> {
        let Some(row) = self.live_access_token(bearer).await? else {
            return Ok(None);
        };
        let Some(client) = clients::find(&self.db, &row.client_id).await? else {
            return Ok(None);
        };
        let Ok(grant) = serde_json::from_str::<Grant>(&row.grant) else {
            return Ok(None);
        };
        let Some(mut claims) = claims::claims(&self.db, row.user_id, &grant.scope).await? else {
            return Ok(None);
        };
        let sub = claims::subject(
            &self.db,
            row.user_id,
            &client,
            self.settings.pairwise_subjects,
        )
        .await?;
        claims.insert("sub".into(), json!(sub));
        Ok(Some(Value::Object(claims)))
    }

    /// `POST /oauth/revoke` (RFC 7009): the client's own token ends (a refresh token with its
    /// family). Unknown tokens are answered the same, so nothing is learnt.
    pub async fn revoke(&self, client: &Client, token: &str) -> Result<(), DbErr> {
        let Some(row) = oidc_token::Entity::find_by_id(sha256_hex(token))
            .one(&self.db)
            .await?
        else {
            return Ok(());
        };
        if row.client_id != client.id {
            return Ok(());
        }
        if row.kind == REFRESH {
            self.revoke_where(oidc_token::Column::Family.eq(row.family.as_str()))
                .await
        } else {
            self.revoke_where(oidc_token::Column::TokenHash.eq(row.token_hash.as_str()))
                .await
        }
    }

    /// `POST /oauth/introspect` (RFC 7662), for the client's own tokens.
    pub async fn introspect(&self, client: &Client, token: &str) -> Result<Value, DbErr> {
        let inactive = json!({"active": false});
        let hash = sha256_hex(token);
        let row = oidc_token::Entity::find_by_id(hash.as_str())
            .one(&self.db)
            .await?;
        let Some(row) = row.filter(|r| {
            r.client_id == client.id
                && r.revoked_at.is_none()
                && r.spent_at.is_none()
                && r.expires_at > Utc::now()
        }) else {
            return Ok(inactive);
        };
        let Ok(grant) = serde_json::from_str::<Grant>(&row.grant) else {
            return Ok(inactive);
        };
        // A disabled account's tokens end with it, whether or not they were revoked.
        if !claims::is_active(&self.db, row.user_id).await? {
            return Ok(inactive);
        }
        let sub = claims::subject(
            &self.db,
            row.user_id,
            client,
            self.settings.pairwise_subjects,
        )
        .await?;
        Ok(json!({
            "active": true,
            "scope": grant.scope_text(),
            "client_id": row.client_id,
            "sub": sub,
            "aud": row.client_id,
            "iss": self.issuer,
            "exp": row.expires_at.timestamp(),
            "iat": row.created_at.timestamp(),
            "token_type": if row.kind == ACCESS { "Bearer" } else { "refresh_token" },
        }))
    }

    /// Ends the tokens of the given sessions (their person signed out there).
    pub(super) async fn revoke_sessions(&self, sids: &[String]) -> Result<(), DbErr> {
        if sids.is_empty() {
            return Ok(());
        }
        self.revoke_where(oidc_token::Column::Sid.is_in(sids.to_vec()))
            .await
    }

    /// Ends every token of a person (the account was disabled).
    pub(super) async fn revoke_person(&self, user_id: i64) -> Result<(), DbErr> {
        self.revoke_where(oidc_token::Column::UserId.eq(user_id))
            .await
    }
}

/// Why the PKCE verifier does not redeem the code, if it does not. A public client's code
/// always has a challenge (a client made public after the code was issued has no secret to
/// stand in for one).
fn verifier_problem(
    client: &Client,
    grant: &Grant,
    verifier: Option<&String>,
) -> Option<&'static str> {
    match (&grant.code_challenge, verifier) {
        (Some(challenge), Some(verifier))
            if is_code_verifier(verifier) && &sha256_b64(verifier) == challenge =>
        {
            None
        }
        (Some(_), _) => Some("code_verifier does not match"),
        // RFC 9700 §2.1.1: a verifier for a code that had no challenge is refused too.
        (None, Some(_)) => Some("no code_challenge was sent"),
        (None, None) if client.public => Some("a public client's code needs PKCE"),
        (None, None) => None,
    }
}

async fn live(
    db: &DatabaseConnection,
    token: &str,
    kind: &str,
) -> Result<Option<oidc_token::Model>, DbErr> {
    oidc_token::Entity::find_by_id(sha256_hex(token))
        .filter(oidc_token::Column::Kind.eq(kind))
        .filter(oidc_token::Column::RevokedAt.is_null())
        .filter(oidc_token::Column::ExpiresAt.gt(Utc::now()))
        .one(db)
        .await
}

/// The left half of the access token's SHA-256, base64url (OIDC Core §3.1.3.6). Every
/// signing algorithm Denglu uses hashes with SHA-256.
fn at_hash(access_token: &str) -> String {
    use base64::Engine;
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(access_token.as_bytes());
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&digest[..16])
}

#[cfg(test)]
mod tests {
    #[test]
    fn at_hash_is_the_left_half_of_the_sha256() {
        // From `printf TOKEN | sha256sum | head -c32 | xxd -r -p | base64` made url-safe.
        assert_eq!(
            super::at_hash("dNZX1hEZ9wBCzNL40Upu646bdzQA"),
            "wfgvmE9VxjAudsl9lc6TqA"
        );
    }
}
