//! Where a person is signed in: their sessions, listed and ended from the account page, and
//! all of them ended when the account is disabled.

use sea_orm::DbErr;

use crate::auth::context::{Auth, Ending};
use crate::auth::session::{SessionError, SignInSession};
use crate::auth::signed_in::SignedIn;
use crate::auth::store::sessions::{self, Which};
use crate::model::DeviceSession;
use crate::session::key_hash;

impl Auth {
    /// The person's live sessions, most recently used first; `viewer`'s own is marked.
    pub async fn sessions_of(
        &self,
        who: &SignedIn,
        viewer: &SignInSession,
    ) -> Result<Vec<DeviceSession>, DbErr> {
        let current = viewer.id().map(|id| key_hash(&id));
        let time =
            |t: chrono::DateTime<chrono::Utc>| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        Ok(sessions::of_user(&self.db, who.user_id())
            .await?
            .into_iter()
            .map(|row| DeviceSession {
                current: current.as_deref() == Some(row.key_hash.as_str()),
                id: row.id,
                agent: row.agent,
                network: row.network,
                method: row.method,
                signed_in_at: time(row.created_at),
                last_seen_at: time(row.last_seen_at),
            })
            .collect())
    }

    /// Ends one of the person's sessions (never someone else's).
    pub async fn end_session(&self, who: &SignedIn, id: i64) -> Result<bool, DbErr> {
        let ended = sessions::end(&self.db, who.user_id(), Which::Numbered(id), |_| None).await?;
        let any = !ended.is_empty();
        self.report_ended(who.user_id(), ended, Ending::ByPerson)
            .await;
        Ok(any)
    }

    /// Ends every session of the person but the one `viewer` uses.
    pub async fn end_other_sessions(
        &self,
        who: &SignedIn,
        viewer: &SignInSession,
    ) -> Result<u64, DbErr> {
        let keep = viewer.id().map(|id| key_hash(&id)).unwrap_or_default();
        let ended = sessions::end(&self.db, who.user_id(), Which::AllBut(&keep), |_| None).await?;
        let count = ended.len() as u64;
        self.report_ended(who.user_id(), ended, Ending::ByPerson)
            .await;
        Ok(count)
    }

    /// Ends the person's other sessions that signed in with `method` (after unlinking it).
    pub async fn end_sessions_signed_in_with(
        &self,
        who: &SignedIn,
        viewer: &SignInSession,
        method: &str,
    ) -> Result<u64, DbErr> {
        let keep = viewer.id().map(|id| key_hash(&id)).unwrap_or_default();
        let ended = sessions::end(
            &self.db,
            who.user_id(),
            Which::SignedInWith {
                method,
                keep: &keep,
            },
            |_| None,
        )
        .await?;
        let count = ended.len() as u64;
        self.report_ended(who.user_id(), ended, Ending::MethodUnlinked)
            .await;
        Ok(count)
    }

    /// Disables an account: every signed-in check refuses it from now on, and every one of
    /// its sessions ends.
    pub async fn disable_account(&self, user_id: i64) -> Result<(), DbErr> {
        let ended = sessions::disable_account(&self.db, user_id, None).await?;
        self.report_ended(user_id, ended, Ending::AccountDisabled { by: None })
            .await;
        Ok(())
    }

    /// Signs this browser out: its session is deleted, and whatever signed in through it
    /// hears so.
    pub async fn sign_out(&self, session: &SignInSession) -> Result<(), SessionError> {
        let user_id = session.user_id().await?;
        let key = session.store_key();
        session.signed_out().await?;
        if let (Some(user_id), Some(key)) = (user_id, key) {
            self.report_ended(user_id, vec![key], Ending::SignedOut)
                .await;
        }
        Ok(())
    }
}
