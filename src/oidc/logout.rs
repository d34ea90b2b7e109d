//! Ending sign-ins at the sites: RP-Initiated Logout 1.0 (a site sends the person here to
//! sign out of Denglu too) and Back-Channel Logout 1.0 (when a Denglu session ends, each site
//! it signed in to is told with a signed logout token, and the tokens it holds end).

use std::collections::HashMap;

use async_trait::async_trait;
use chrono::Utc;
use sea_orm::{ColumnTrait, DbErr, EntityTrait, QueryFilter};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::auth::{SessionEnds, SignInSession};
use crate::entities::oidc_login;
use crate::oidc::authorize::sid_of;
use crate::oidc::claims;
use crate::oidc::clients::{self, Client, random_text};
use crate::oidc::paths;
use crate::oidc::provider::Oidc;
use crate::oidc::request::PageError;

/// Where the browser goes after a logout request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LogoutAnswer {
    /// Signed out (or nobody was): go here.
    Done(String),
    /// No proof the request comes from the person's site: ask them first, on our page.
    Confirm(String),
    ErrorPage(PageError),
}

/// What an `id_token_hint` tells, once its signature is ours.
#[derive(Debug, Deserialize)]
struct Hint {
    sub: String,
    aud: Audience,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum Audience {
    One(String),
    Many(Vec<String>),
}

impl Audience {
    fn first(&self) -> Option<&str> {
        match self {
            Audience::One(a) => Some(a),
            Audience::Many(list) => list.first().map(String::as_str),
        }
    }
}

/// A JWT's claims, read without checking anything.
fn unverified_claims<T: serde::de::DeserializeOwned>(token: &str) -> Option<T> {
    use base64::Engine;
    let payload = token.split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// A logout token's claims (Back-Channel Logout 1.0 §2.4).
#[derive(Debug, Serialize)]
struct LogoutToken<'a> {
    iss: &'a str,
    sub: &'a str,
    aud: &'a str,
    iat: i64,
    exp: i64,
    jti: String,
    sid: &'a str,
    events: serde_json::Value,
}

impl Oidc {
    /// Whether some client registered `uri` as where to go after signing out.
    pub async fn is_post_logout_redirect_uri(&self, uri: &str) -> Result<bool, DbErr> {
        Ok(clients::list(&self.db)
            .await?
            .iter()
            .any(|c| c.has_post_logout_redirect_uri(uri)))
    }

    /// `GET|POST /oauth/logout`. `confirmed` is set by our own confirmation form.
    pub async fn end_session(
        &self,
        session: &SignInSession,
        params: &HashMap<String, String>,
        confirmed: bool,
    ) -> LogoutAnswer {
        // A hint Denglu cannot verify (signed by a key retired since) is no hint: the person
        // is asked instead (RP-Initiated Logout §2: an expired one is still accepted).
        let hint = match params.get("id_token_hint") {
            Some(token) => self.keys.verify_signature::<Hint>(token).await,
            None => None,
        };
        // Such a hint still names the site it was issued to (only to find that site's
        // registered addresses: it proves nothing about who is signed in).
        let unverified_audience = match (&hint, params.get("id_token_hint")) {
            (None, Some(token)) => {
                unverified_claims::<Hint>(token).and_then(|h| h.aud.first().map(str::to_string))
            }
            _ => None,
        };
        let client_id = match (
            hint.as_ref()
                .and_then(|h| h.aud.first())
                .or(unverified_audience.as_deref()),
            params.get("client_id"),
        ) {
            (Some(a), Some(c)) if a != c => return LogoutAnswer::ErrorPage(PageError::BadHint),
            (Some(a), _) => Some(a.to_string()),
            (None, c) => c.cloned(),
        };
        let client = match &client_id {
            Some(id) => match clients::find(&self.db, id).await {
                Ok(Some(client)) => Some(client),
                Ok(None) => return LogoutAnswer::ErrorPage(PageError::UnknownClient),
                Err(e) => {
                    tracing::error!(error = %e, "cannot read a client");
                    return LogoutAnswer::ErrorPage(PageError::UnknownClient);
                }
            },
            None => None,
        };
        // Only a registered address, and only for a client we know (§3).
        let after = match (params.get("post_logout_redirect_uri"), &client) {
            (Some(uri), Some(client)) if client.has_post_logout_redirect_uri(uri) => {
                let mut url = url::Url::parse(uri).expect("registered URIs parse");
                if let Some(state) = params.get("state") {
                    url.query_pairs_mut().append_pair("state", state);
                }
                url.to_string()
            }
            (Some(_), _) => return LogoutAnswer::ErrorPage(PageError::UnregisteredRedirectUri),
            (None, _) => "/login?notice=signed_out".to_string(),
        };
        let who = self.auth.signed_in(session).await.ok().flatten();
        let Some(who) = who else {
            return LogoutAnswer::Done(after);
        };
        // The hint must name the person signed in here, as that client knows them.
        let hint_is_theirs = match (&hint, &client) {
            (Some(hint), Some(client)) => claims::subject(
                &self.db,
                who.user_id(),
                client,
                self.settings.pairwise_subjects,
            )
            .await
            .is_ok_and(|sub| sub == hint.sub),
            _ => false,
        };
        if !hint_is_theirs && !confirmed {
            // The hint named the client; the confirmation names it instead.
            let named = client
                .as_ref()
                .filter(|_| !params.contains_key("client_id"))
                .map(|c| ("client_id".to_string(), c.id.clone()));
            let query: String = url::form_urlencoded::Serializer::new(String::new())
                .extend_pairs(params.iter().filter(|(k, _)| k.as_str() != "id_token_hint"))
                .extend_pairs(named)
                .finish();
            return LogoutAnswer::Confirm(format!("{}/confirm?{query}", paths::LOGOUT));
        }
        if let Err(e) = self.auth.sign_out(session).await {
            tracing::error!(error = %e, "cannot sign out");
            return LogoutAnswer::ErrorPage(PageError::Expired);
        }
        LogoutAnswer::Done(after)
    }

    /// Tells each site the sessions signed in to that they ended, and ends their tokens.
    async fn sessions_ended(&self, user_id: i64, store_keys: &[String]) -> Result<(), DbErr> {
        let sids: Vec<String> = store_keys.iter().map(|k| sid_of(k)).collect();
        if sids.is_empty() {
            return Ok(());
        }
        self.revoke_sessions(&sids).await?;
        let logins = oidc_login::Entity::find()
            .filter(oidc_login::Column::Sid.is_in(sids.clone()))
            .filter(oidc_login::Column::UserId.eq(user_id))
            .all(&self.db)
            .await?;
        oidc_login::Entity::delete_many()
            .filter(oidc_login::Column::Sid.is_in(sids))
            .exec(&self.db)
            .await?;
        for login in logins {
            let Some(client) = clients::find(&self.db, &login.client_id).await? else {
                continue;
            };
            if client.backchannel_logout_uri.is_some() {
                self.send_logout_token(&client, user_id, &login.sid).await;
            }
        }
        Ok(())
    }

    /// POSTs a logout token to the client's back-channel URI (§2.5); a failure is logged, not
    /// retried: the client's session expires on its own.
    async fn send_logout_token(&self, client: &Client, user_id: i64, sid: &str) {
        let Some(uri) = &client.backchannel_logout_uri else {
            return;
        };
        let sub = match claims::subject(&self.db, user_id, client, self.settings.pairwise_subjects)
            .await
        {
            Ok(sub) => sub,
            Err(e) => {
                tracing::error!(error = %e, "cannot read a subject for a logout token");
                return;
            }
        };
        let now = Utc::now().timestamp();
        let claims = LogoutToken {
            iss: &self.issuer,
            sub: &sub,
            aud: &client.id,
            iat: now,
            exp: now + 120,
            jti: random_text(16),
            sid,
            events: json!({"http://schemas.openid.net/event/backchannel-logout": {}}),
        };
        let token = match self
            .keys
            .sign_typed(client.id_token_alg, &claims, "logout+jwt")
            .await
        {
            Ok(token) => token,
            Err(e) => {
                tracing::error!(error = %e, "cannot sign a logout token");
                return;
            }
        };
        let sent = self
            .http
            .post(uri)
            .form(&[("logout_token", token)])
            .send()
            .await;
        match sent {
            Ok(response) if response.status().is_success() => {
                tracing::info!(client = %client.id, "back-channel logout delivered");
            }
            Ok(response) => {
                tracing::warn!(client = %client.id, status = %response.status(), "back-channel logout refused");
            }
            Err(e) => tracing::warn!(client = %client.id, error = %e, "back-channel logout failed"),
        }
    }
}

/// Denglu's sessions end (signed out, ended from `/account`, the account disabled): the
/// sites hear of it.
#[async_trait]
impl SessionEnds for Oidc {
    async fn sessions_ended(&self, user_id: i64, store_keys: Vec<String>) {
        if let Err(e) = Oidc::sessions_ended(self, user_id, &store_keys).await {
            tracing::error!(error = %e, "cannot end the sites' sign-ins of ended sessions");
        }
    }

    async fn account_disabled(&self, user_id: i64) {
        if let Err(e) = self.revoke_person(user_id).await {
            tracing::error!(error = %e, "cannot revoke the tokens of a disabled account");
        }
    }
}
