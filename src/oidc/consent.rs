//! Consent: a third-party client is shown to the person, with each scope in words, before it
//! learns anything; the choice is remembered per person and client, and `/account` lists the
//! apps with access, each with a button that takes it back (ending their tokens).

use chrono::Utc;
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, TransactionTrait,
};

use crate::auth::SignInSession;
use crate::entities::{oidc_client, oidc_code, oidc_consent, oidc_token};
use crate::model::{AppAccess, ConsentView};
use crate::oidc::authorize::Answer;
use crate::oidc::clients::Client;
use crate::oidc::provider::Oidc;
use crate::oidc::request::{AuthorizationRequest, ErrorCode, PageError};

impl Oidc {
    pub(super) async fn needs_consent(
        &self,
        user_id: i64,
        client: &Client,
        request: &AuthorizationRequest,
    ) -> Result<bool, DbErr> {
        if request.prompt.consent {
            return Ok(true);
        }
        // The WeChat ids let a site message the person: only ever with their consent, even
        // for one of this site's own.
        if client.first_party && !request.scope.contains("wechat") {
            return Ok(false);
        }
        let given = oidc_consent::Entity::find_by_id((user_id, client.id.clone()))
            .one(&self.db)
            .await?;
        Ok(match given {
            Some(row) => {
                let allowed: Vec<&str> = row.scope.split(' ').collect();
                !request.scope.iter().all(|s| allowed.contains(&s.as_str()))
            }
            None => true,
        })
    }

    /// The consent page's content, when `id` names a request waiting for this signed-in
    /// person's consent.
    pub async fn consent_view(&self, session: &SignInSession, id: &str) -> Option<ConsentView> {
        self.auth.signed_in(session).await.ok()??;
        let (request, client, _) = self.waiting(id).await?;
        let redirect = url::Url::parse(&request.redirect_uri).ok()?;
        Some(ConsentView {
            client_name: client.name.clone(),
            client_host: redirect.host_str().unwrap_or_default().to_string(),
            // The whole address: the policy takes its origin, or a native app's scheme.
            client_origin: redirect.to_string(),
            scopes: request.scope.iter().cloned().collect(),
        })
    }

    /// The person allowed or refused the client of waiting request `id`.
    pub async fn decide_consent(&self, session: &SignInSession, id: &str, allow: bool) -> Answer {
        let Some((request, client, login_after)) = self.waiting(id).await else {
            return Answer::ErrorPage(PageError::Expired);
        };
        let who = match self.auth.signed_in(session).await {
            Ok(Some(who)) => who,
            // Signed out meanwhile: back to signing in, the request still waiting.
            Ok(None) => return self.resume(session, id).await,
            Err(e) => {
                tracing::error!(error = %e, "cannot tell who is signed in");
                return self.error_redirect(&request, ErrorCode::ServerError, "try again later");
            }
        };
        if !allow {
            if let Err(e) = self.forget(id).await {
                tracing::error!(error = %e, "cannot forget a refused request");
            }
            return self.error_redirect(
                &request,
                ErrorCode::AccessDenied,
                "the person did not allow access",
            );
        }
        if let Err(e) = self
            .remember_consent(who.user_id(), &client, &request)
            .await
        {
            tracing::error!(error = %e, "cannot remember a consent");
            return self.error_redirect(&request, ErrorCode::ServerError, "try again later");
        }
        // The consent asked for is given: go on without asking again.
        let mut request = request;
        request.prompt.consent = false;
        self.proceed(
            session,
            &client,
            request,
            Some((id.to_string(), login_after)),
        )
        .await
    }

    async fn remember_consent(
        &self,
        user_id: i64,
        client: &Client,
        request: &AuthorizationRequest,
    ) -> Result<(), DbErr> {
        // What was allowed before stays allowed: the new scopes join the old.
        let mut scopes = request.scope.clone();
        if let Some(row) = oidc_consent::Entity::find_by_id((user_id, client.id.clone()))
            .one(&self.db)
            .await?
        {
            scopes.extend(row.scope.split(' ').map(str::to_string));
        }
        let scope = scopes.into_iter().collect::<Vec<_>>().join(" ");
        oidc_consent::Entity::insert(oidc_consent::ActiveModel {
            user_id: Set(user_id),
            client_id: Set(client.id.clone()),
            scope: Set(scope),
            granted_at: Set(Utc::now()),
        })
        .on_conflict(
            OnConflict::columns([oidc_consent::Column::UserId, oidc_consent::Column::ClientId])
                .update_columns([oidc_consent::Column::Scope, oidc_consent::Column::GrantedAt])
                .to_owned(),
        )
        .exec(&self.db)
        .await?;
        Ok(())
    }

    /// The third-party apps the person let in.
    pub async fn apps_of(&self, user_id: i64) -> Result<Vec<AppAccess>, DbErr> {
        let rows = oidc_consent::Entity::find()
            .filter(oidc_consent::Column::UserId.eq(user_id))
            .order_by_desc(oidc_consent::Column::GrantedAt)
            .all(&self.db)
            .await?;
        // The clients' names in one query, not one per app.
        let names: std::collections::HashMap<String, String> = oidc_client::Entity::find()
            .filter(oidc_client::Column::ClientId.is_in(rows.iter().map(|r| r.client_id.clone())))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|client| (client.client_id, client.name))
            .collect();
        Ok(rows
            .into_iter()
            .filter_map(|row| {
                let name = names.get(&row.client_id)?.clone();
                Some(AppAccess {
                    name,
                    scopes: row.scope.split(' ').map(str::to_string).collect(),
                    granted_at: row
                        .granted_at
                        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                    client_id: row.client_id,
                })
            })
            .collect())
    }

    /// Takes an app's access back: the consent is forgotten and its tokens end.
    pub async fn revoke_app(&self, user_id: i64, client_id: &str) -> Result<bool, DbErr> {
        let txn = self.db.begin().await?;
        let forgotten = oidc_consent::Entity::delete_by_id((user_id, client_id.to_string()))
            .exec(&txn)
            .await?
            .rows_affected;
        oidc_token::Entity::update_many()
            .col_expr(oidc_token::Column::RevokedAt, Expr::value(Utc::now()))
            .filter(oidc_token::Column::UserId.eq(user_id))
            .filter(oidc_token::Column::ClientId.eq(client_id))
            .filter(oidc_token::Column::RevokedAt.is_null())
            .exec(&txn)
            .await?;
        // A code issued a moment ago must not bring the access back.
        oidc_code::Entity::update_many()
            .col_expr(oidc_code::Column::UsedAt, Expr::value(Utc::now()))
            .filter(oidc_code::Column::UserId.eq(user_id))
            .filter(oidc_code::Column::ClientId.eq(client_id))
            .filter(oidc_code::Column::UsedAt.is_null())
            .exec(&txn)
            .await?;
        txn.commit().await?;
        Ok(forgotten > 0)
    }
}
