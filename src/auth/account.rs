//! The account page's operations on a signed-in person's account: the summary it shows, the
//! profile edit, and unlinking a sign-in method.

use chrono::Utc;
use sea_orm::DbErr;

use crate::audit::{self, Event, Kind};
use crate::auth::context::Auth;
use crate::auth::fields::{DisplayName, Email};
use crate::auth::session::SignInSession;
use crate::auth::signed_in::SignedIn;
use crate::auth::store::accounts;
use crate::auth::store::identities::{self, IdentityKeys};
use crate::auth::store::sessions;
use crate::model::{AccountSummary, LinkedIdentity, Unlinked};
use crate::session::key_hash;

pub use crate::auth::store::accounts::UnlinkOutcome;

impl Auth {
    /// The signed-in account with its sign-in methods, oldest link first.
    pub async fn account_summary(&self, who: &SignedIn) -> Result<AccountSummary, DbErr> {
        let identities = accounts::identities_of(&self.db, who.user_id()).await?;
        let time = |t: chrono::DateTime<Utc>| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        let account = &who.account;
        Ok(AccountSummary {
            id: account.id,
            username: account.username.clone(),
            display_name: account.display_name.clone(),
            email: account.email.clone(),
            avatar_url: self.avatars.vet_stored(account.avatar_url.as_deref()),
            identities: identities
                .into_iter()
                .map(|i| LinkedIdentity {
                    id: i.id,
                    provider: i.provider,
                    display_name: i.display_name,
                    avatar_url: self.avatars.vet_stored(i.avatar_url.as_deref()),
                    linked_at: time(i.created_at),
                    last_used_at: time(i.last_login_at),
                })
                .collect(),
        })
    }

    /// Changes the editable part of a profile.
    pub async fn update_profile(
        &self,
        who: &SignedIn,
        display_name: &DisplayName,
        email: Option<&Email>,
    ) -> Result<(), DbErr> {
        accounts::update_profile(&self.db, who.user_id(), display_name, email).await?;
        audit::note(
            &self.db,
            Event::new(Kind::ProfileChanged).user(who.user_id()),
        )
        .await;
        Ok(())
    }

    /// The name and picture a verified identity is shown with: the provider's, or, after a
    /// silent authorization (which carries none), those of the identity already known.
    pub async fn shown_as(
        &self,
        profile: &providers::Profile,
    ) -> Result<(String, Option<String>), DbErr> {
        if !profile.nickname.is_empty() {
            return Ok((
                identities::shown_nickname(profile),
                identities::safe_avatar(profile.avatar_url.as_deref()),
            ));
        }
        let known = identities::find(&self.db, &IdentityKeys::of(profile)).await?;
        Ok(known.map_or((String::new(), None), |identity| {
            (identity.display_name, identity.avatar_url)
        }))
    }

    /// The account a verified identity signs in to, if one has it (here or at a sibling
    /// app): its id and display name, for the phone to say so before anyone confirms.
    pub async fn account_holding(
        &self,
        profile: &providers::Profile,
    ) -> Result<Option<(i64, String)>, DbErr> {
        let Some(holder) = identities::holder(&self.db, &IdentityKeys::of(profile)).await? else {
            return Ok(None);
        };
        let user_id = holder.user_id();
        let name = accounts::active_user(&self.db, user_id)
            .await?
            .map(|user| user.display_name)
            .unwrap_or_default();
        Ok(Some((user_id, name)))
    }

    /// Unlinks one sign-in method, never the last one; says how many other sessions it had
    /// signed in, so the person can end them too.
    pub async fn unlink(
        &self,
        who: &SignedIn,
        viewer: &SignInSession,
        identity_id: i64,
    ) -> Result<Result<Unlinked, UnlinkOutcome>, DbErr> {
        match accounts::unlink_identity(&self.db, who.user_id(), identity_id, None).await? {
            UnlinkOutcome::Unlinked { provider } => {
                let current = viewer.id().map(|id| key_hash(&id));
                let sessions = sessions::of_user(&self.db, who.user_id())
                    .await?
                    .into_iter()
                    .filter(|s| s.method.as_deref() == Some(provider.as_str()))
                    .filter(|s| current.as_deref() != Some(s.key_hash.as_str()))
                    .count() as u64;
                Ok(Ok(Unlinked { provider, sessions }))
            }
            refused => Ok(Err(refused)),
        }
    }
}
