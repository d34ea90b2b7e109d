//! "Refresh profile" on the account page: asks the provider again with the stored (sealed)
//! access token, renewing it with the refresh token when the provider says it expired.

use chrono::Utc;
use providers::{ErrorKind, Profile, Provider, ProviderError, ProviderId, TokenSet};
use sea_orm::DbErr;
use secrecy::SecretString;

use crate::auth::context::Auth;
use crate::auth::pending::SealedTokens;
use crate::auth::sealing::{OpenError, Purpose, TokenSealer};
use crate::auth::signed_in::SignedIn;
use crate::auth::store::accounts;
use crate::auth::store::identities::{self, IdentityKeys};
use crate::entities::identity;

#[derive(Debug, thiserror::Error)]
pub enum RefreshError {
    #[error("no such identity on this account")]
    NotFound,
    /// The provider is no longer offered here.
    #[error("provider not configured")]
    NotConfigured,
    /// No usable token is stored (none kept, or it expired with no way to renew it): only
    /// signing in again with this provider gives a new one.
    #[error("no usable token: sign in again")]
    SignInAgain,
    #[error(transparent)]
    Provider(#[from] ProviderError),
    #[error("stored token cannot be opened: {0}")]
    Sealed(#[from] OpenError),
    #[error("database: {0}")]
    Db(#[from] DbErr),
}

impl Auth {
    /// Refreshes one of the signed-in person's identities from its provider.
    #[tracing::instrument(skip_all, fields(identity_id))]
    pub async fn refresh_identity(
        &self,
        who: &SignedIn,
        identity_id: i64,
    ) -> Result<(), RefreshError> {
        let db = &self.db;
        let identity = accounts::identities_of(db, who.user_id())
            .await?
            .into_iter()
            .find(|i| i.id == identity_id)
            .ok_or(RefreshError::NotFound)?;
        let provider = identity
            .provider
            .parse::<ProviderId>()
            .ok()
            .and_then(|id| self.provider(id))
            .ok_or(RefreshError::NotConfigured)?;
        let sealed_access = identity
            .access_token_sealed
            .as_deref()
            .ok_or(RefreshError::SignInAgain)?;
        let app_subject = identities::app_subject(db, identity.id, provider.app_id())
            .await?
            .unwrap_or_else(|| identity.subject.clone());
        let stored = stored_tokens(
            self.sealer.open(Purpose::AccessToken, sealed_access)?,
            &app_subject,
            identity.unionid.as_deref(),
        );

        let (profile, renewed) = match self.fetch_profile(provider.as_ref(), &stored).await {
            Ok(profile) => (profile, None),
            Err(e) if e.kind() == ErrorKind::TokenExpired => {
                tracing::info!(provider = %provider.id(), "access token expired; refreshing it");
                let renewed =
                    renew(&self.sealer, provider.as_ref(), &identity, &app_subject).await?;
                let profile = self.fetch_profile(provider.as_ref(), &renewed).await?;
                (profile, Some(renewed))
            }
            Err(e) if e.kind() == ErrorKind::TokenInvalid => {
                return Err(RefreshError::SignInAgain);
            }
            Err(e) => return Err(e.into()),
        };
        same_person(provider.as_ref(), &profile, &app_subject)?;
        let now = Utc::now();
        let sealed = renewed
            .as_ref()
            .map(|tokens| SealedTokens::seal(&self.sealer, tokens, now));
        identities::record_refresh(db, identity, &profile, sealed.as_ref(), now).await?;
        Ok(())
    }
}

/// A token set rebuilt from storage: the access token and whose it is.
fn stored_tokens(access: SecretString, app_subject: &str, unionid: Option<&str>) -> TokenSet {
    TokenSet {
        subject: Some(app_subject.to_string()),
        unionid: unionid.map(str::to_string),
        ..TokenSet::new(access)
    }
}

async fn renew(
    sealer: &TokenSealer,
    provider: &dyn Provider,
    identity: &identity::Model,
    app_subject: &str,
) -> Result<TokenSet, RefreshError> {
    let sealed = identity
        .refresh_token_sealed
        .as_deref()
        .ok_or(RefreshError::SignInAgain)?;
    let refresh_token = sealer.open(Purpose::RefreshToken, sealed)?;
    let mut renewed = match provider.refresh(&refresh_token).await {
        Ok(tokens) => tokens,
        Err(e) if matches!(e.kind(), ErrorKind::TokenExpired | ErrorKind::TokenInvalid) => {
            return Err(RefreshError::SignInAgain);
        }
        Err(e) => return Err(e.into()),
    };
    // Providers answer a refresh without the user's id: the stored one is whose it is.
    renewed
        .subject
        .get_or_insert_with(|| app_subject.to_string());
    Ok(renewed)
}

/// The refreshed profile must be the same person at the same app.
fn same_person(
    provider: &dyn Provider,
    profile: &Profile,
    app_subject: &str,
) -> Result<(), RefreshError> {
    let keys = IdentityKeys::of(profile);
    if keys.app_subject == app_subject && keys.app_id == provider.app_id() {
        Ok(())
    } else {
        Err(ProviderError::new(
            ErrorKind::Refused,
            provider.id(),
            None,
            "refreshed profile belongs to someone else",
        )
        .into())
    }
}
