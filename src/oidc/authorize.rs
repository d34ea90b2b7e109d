//! The authorization endpoint: check the request, make sure the right person is signed in
//! (sending them through Denglu's own sign-in, profile completion included, when not), ask for
//! consent when a third-party client needs it, and return to the client with a code.
//!
//! A request waiting for the sign-in or the consent is kept in `oidc_requests` under a random
//! id, so the way back (`/oauth/continue/{id}`) fits a sign-in's `next` and works on any
//! instance.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::{ActiveValue::Set, ColumnTrait, DbErr, EntityTrait, QueryFilter};
use url::Url;

use crate::auth::SignInSession;
use crate::entities::{oidc_code, oidc_login, oidc_request};
use crate::oidc::claims;
use crate::oidc::clients::{self, Client, random_text};
use crate::oidc::grant::{Grant, amr_of};
use crate::oidc::hashing::sha256_hex;
use crate::oidc::paths;
use crate::oidc::provider::Oidc;
use crate::oidc::request::{
    self, AuthorizationRequest, ErrorCode, PageError, Refusal, client_and_redirect,
};

/// How long a request may wait for its sign-in and consent.
const REQUEST_LIFE: chrono::Duration = chrono::Duration::minutes(30);
/// Codes live a minute: the client redeems them at once (RFC 6749 §4.1.2: at most ten).
const CODE_LIFE: chrono::Duration = chrono::Duration::seconds(60);

/// What the browser is answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// A 302 to this location.
    Redirect(String),
    /// Denglu's own error page (the client cannot be trusted with a redirect).
    ErrorPage(PageError),
}

/// A failure of our own while answering: the client is told `server_error`.
#[derive(Debug, thiserror::Error)]
enum Trouble {
    #[error("database: {0}")]
    Db(#[from] DbErr),
    #[error("session store: {0}")]
    Session(#[from] crate::auth::SessionError),
    #[error("{0}")]
    Other(String),
}

impl Oidc {
    /// `GET|POST /oauth/authorize`.
    #[tracing::instrument(skip_all)]
    pub async fn authorize(&self, session: &SignInSession, pairs: Vec<(String, String)>) -> Answer {
        let params = match request::parameters(pairs) {
            Ok(params) => params,
            Err(e) => return Answer::ErrorPage(e),
        };
        let client = match self.client_named(&params).await {
            Ok(client) => client,
            Err(e) => {
                tracing::error!(error = %e, "cannot read the client");
                return Answer::ErrorPage(PageError::UnknownClient);
            }
        };
        let redirect_uri = match client_and_redirect(&params, client.as_ref()) {
            Ok(uri) => uri,
            Err(e) => return Answer::ErrorPage(e),
        };
        let client = client.expect("checked above");
        match request::validate(&params, &client, redirect_uri) {
            Ok(request) => self.proceed(session, &client, request, None).await,
            Err(refusal) => self.refusal(refusal),
        }
    }

    /// `/oauth/continue/{id}`: back from the sign-in (or the profile completion).
    pub async fn resume(&self, session: &SignInSession, id: &str) -> Answer {
        let Some((request, client, login_after)) = self.waiting(id).await else {
            return Answer::ErrorPage(PageError::Expired);
        };
        self.proceed(
            session,
            &client,
            request,
            Some((id.to_string(), login_after)),
        )
        .await
    }

    /// Decides what the signed-in (or not) browser needs next for `request`.
    pub(super) async fn proceed(
        &self,
        session: &SignInSession,
        client: &Client,
        request: AuthorizationRequest,
        waiting: Option<(String, Option<DateTime<Utc>>)>,
    ) -> Answer {
        match self.next_step(session, client, &request, waiting).await {
            Ok(answer) => answer,
            Err(e) => {
                tracing::error!(error = %e, "cannot answer an authorization request");
                self.error_redirect(&request, ErrorCode::ServerError, "try again later")
            }
        }
    }

    async fn next_step(
        &self,
        session: &SignInSession,
        client: &Client,
        request: &AuthorizationRequest,
        waiting: Option<(String, Option<DateTime<Utc>>)>,
    ) -> Result<Answer, Trouble> {
        let now = Utc::now();
        let who = self
            .auth
            .signed_in(session)
            .await
            .map_err(|e| Trouble::Other(e.to_string()))?;
        let proof = session.sign_in_proof().await?;
        let (waiting_id, login_after) = match waiting {
            Some((id, after)) => (Some(id), after),
            None => (None, None),
        };
        let signed_in_at = proof.as_ref().map(|(at, _)| *at);
        let needs_sign_in = match (&who, signed_in_at) {
            (None, _) | (Some(_), None) => true,
            (Some(_), Some(at)) => match (waiting_id.is_some(), login_after) {
                // Back from a sign-in that had to be fresh: it must have happened since.
                (true, Some(after)) => at < after,
                (true, None) => false,
                (false, _) => {
                    request.prompt.login
                        // Milliseconds, so that max_age=0 always asks (it means prompt=login).
                        || request.max_age.is_some_and(|max| {
                            (now - at).num_milliseconds() > max.saturating_mul(1000)
                        })
                }
            },
        };
        if needs_sign_in {
            if request.prompt.none {
                return Ok(self.error_redirect(request, ErrorCode::LoginRequired, "not signed in"));
            }
            if waiting_id.is_some() && who.is_some() {
                // Still not fresh after going to sign in (a stale tab): ask again.
                tracing::info!("the sign-in a client asked for is not fresh yet");
            }
            // Someone already signed in must prove it again, after now.
            let after = match (&who, login_after) {
                (_, Some(after)) => Some(after),
                (Some(_), None) => Some(now),
                (None, None) => None,
            };
            let id = match waiting_id {
                Some(id) => id,
                None => self.keep(request, after, now).await?,
            };
            let next = format!("{}/{id}", paths::CONTINUE);
            return Ok(Answer::Redirect(format!(
                "/login?next={}",
                url::form_urlencoded::byte_serialize(next.as_bytes()).collect::<String>()
            )));
        }
        let who = who.expect("signed in");
        let (auth_time, method) = proof.expect("signed in with a proof");
        // A silent request for someone else than who is signed in here must not answer for
        // the person who is (OIDC Core §3.1.2.1, id_token_hint).
        if request.prompt.none
            && let Some(hint) = &request.id_token_hint
            && !self.hint_names(hint, who.user_id(), client).await?
        {
            return Ok(self.error_redirect(
                request,
                ErrorCode::LoginRequired,
                "another person is signed in",
            ));
        }

        if self.needs_consent(who.user_id(), client, request).await? {
            if request.prompt.none {
                return Ok(self.error_redirect(
                    request,
                    ErrorCode::ConsentRequired,
                    "the person has not consented",
                ));
            }
            let id = match waiting_id {
                Some(id) => id,
                None => self.keep(request, None, now).await?,
            };
            return Ok(Answer::Redirect(format!("{}?request={id}", paths::CONSENT)));
        }
        if let Some(id) = waiting_id {
            self.forget(&id).await?;
        }
        let grant = Grant {
            scope: request.scope.clone(),
            redirect_uri: request.redirect_uri.clone(),
            code_challenge: request.code_challenge.clone(),
            nonce: request.nonce.clone(),
            auth_time: auth_time.timestamp(),
            amr: vec![amr_of(&method).to_string()],
            sid: session.store_key().map(|key| sid_of(&key)),
            session_key: session.store_key(),
        };
        let code = self.issue_code(client, who.user_id(), &grant, now).await?;
        Ok(Answer::Redirect(self.success_redirect(request, &code)))
    }

    /// Whether `hint`, an ID token Denglu signed, names `user_id` as `client` knows them.
    async fn hint_names(&self, hint: &str, user_id: i64, client: &Client) -> Result<bool, DbErr> {
        #[derive(serde::Deserialize)]
        struct Subject {
            sub: String,
        }
        let Some(named) = self.keys.verify_signature::<Subject>(hint).await else {
            return Ok(false);
        };
        let sub =
            claims::subject(&self.db, user_id, client, self.settings.pairwise_subjects).await?;
        Ok(named.sub == sub)
    }

    /// Makes a code and remembers that this session signed in to the client.
    async fn issue_code(
        &self,
        client: &Client,
        user_id: i64,
        grant: &Grant,
        now: DateTime<Utc>,
    ) -> Result<String, DbErr> {
        let code = random_text(32);
        oidc_code::Entity::insert(oidc_code::ActiveModel {
            code_hash: Set(sha256_hex(&code)),
            client_id: Set(client.id.clone()),
            user_id: Set(user_id),
            grant: Set(serde_json::to_string(grant).expect("a grant serialises")),
            created_at: Set(now),
            expires_at: Set(now + CODE_LIFE),
            used_at: Set(None),
        })
        .exec(&self.db)
        .await?;
        if let Some(sid) = &grant.sid {
            oidc_login::Entity::insert(oidc_login::ActiveModel {
                sid: Set(sid.clone()),
                client_id: Set(client.id.clone()),
                user_id: Set(user_id),
                created_at: Set(now),
            })
            .on_conflict(
                sea_orm::sea_query::OnConflict::columns([
                    oidc_login::Column::Sid,
                    oidc_login::Column::ClientId,
                ])
                .do_nothing()
                .to_owned(),
            )
            .exec_without_returning(&self.db)
            .await?;
        }
        Ok(code)
    }

    // ---- Waiting requests ----

    async fn keep(
        &self,
        request: &AuthorizationRequest,
        login_after: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> Result<String, DbErr> {
        let id = random_text(24);
        oidc_request::Entity::insert(oidc_request::ActiveModel {
            id_hash: Set(sha256_hex(&id)),
            client_id: Set(request.client_id.clone()),
            request: Set(serde_json::to_string(request).expect("a request serialises")),
            login_after: Set(login_after),
            created_at: Set(now),
            expires_at: Set(now + REQUEST_LIFE),
        })
        .exec(&self.db)
        .await?;
        Ok(id)
    }

    /// A waiting request, its client and the time a sign-in must follow.
    pub(super) async fn waiting(
        &self,
        id: &str,
    ) -> Option<(AuthorizationRequest, Client, Option<DateTime<Utc>>)> {
        if id.len() > 64 {
            return None;
        }
        let row = oidc_request::Entity::find_by_id(sha256_hex(id))
            .filter(oidc_request::Column::ExpiresAt.gt(Utc::now()))
            .one(&self.db)
            .await
            .inspect_err(|e| tracing::error!(error = %e, "cannot read a waiting request"))
            .ok()??;
        let request: AuthorizationRequest = serde_json::from_str(&row.request).ok()?;
        let client = clients::find(&self.db, &row.client_id).await.ok()??;
        // The client may have changed its redirect URIs meanwhile.
        client
            .has_redirect_uri(&request.redirect_uri)
            .then_some((request, client, row.login_after))
    }

    pub(super) async fn forget(&self, id: &str) -> Result<(), DbErr> {
        oidc_request::Entity::delete_by_id(sha256_hex(id))
            .exec(&self.db)
            .await?;
        Ok(())
    }

    async fn client_named(
        &self,
        params: &HashMap<String, String>,
    ) -> Result<Option<Client>, DbErr> {
        match params.get("client_id") {
            Some(id) if id.len() <= 64 => clients::find(&self.db, id).await,
            _ => Ok(None),
        }
    }

    // ---- Answers to the client ----

    fn refusal(&self, refusal: Refusal) -> Answer {
        match refusal {
            Refusal::Redirect {
                redirect_uri,
                state,
                error,
                description,
            } => Answer::Redirect(self.answer_at(
                &redirect_uri,
                &[
                    ("error", Some(error.as_str())),
                    ("error_description", Some(description)),
                    ("state", state.as_deref()),
                ],
            )),
        }
    }

    pub(super) fn error_redirect(
        &self,
        request: &AuthorizationRequest,
        error: ErrorCode,
        description: &'static str,
    ) -> Answer {
        self.refusal(Refusal::Redirect {
            redirect_uri: request.redirect_uri.clone(),
            state: request.state.clone(),
            error,
            description,
        })
    }

    fn success_redirect(&self, request: &AuthorizationRequest, code: &str) -> String {
        self.answer_at(
            &request.redirect_uri,
            &[("code", Some(code)), ("state", request.state.as_deref())],
        )
    }

    /// The redirect URI with the answer's parameters and `iss` (RFC 9207) added to its query.
    fn answer_at(&self, redirect_uri: &str, pairs: &[(&str, Option<&str>)]) -> String {
        let Ok(mut url) = Url::parse(redirect_uri) else {
            // Registered URIs are checked when registered; this cannot happen.
            return "/".into();
        };
        {
            let mut query = url.query_pairs_mut();
            for (name, value) in pairs {
                if let Some(value) = value {
                    query.append_pair(name, value);
                }
            }
            query.append_pair("iss", &self.issuer);
        }
        url.to_string()
    }
}

/// The `sid` a client is told for a Denglu session: derived from the session's store key, so
/// it is stable while the session lives and reveals nothing of its id.
pub(super) fn sid_of(store_key: &str) -> String {
    sha256_hex(&format!("sid\n{store_key}"))[..32].to_string()
}
