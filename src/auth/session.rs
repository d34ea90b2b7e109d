//! The typed session: every key Denglu keeps in a browser's server-side session, and the
//! transitions between them. Nothing else reads or writes session keys, so the rules about
//! rotating the session id and clearing what a transition ends live here, once.
//!
//! | key | what |
//! |---|---|
//! | `user_id` | the signed-in account |
//! | `pending_signup` | a verified first login waiting for its profile ([`PendingSignup`]) |
//! | `qr_tickets` / `qr_scanned_tickets` | login tickets this browser shows / scanned |
//! | `wechat_phone_known` | this phone has authorised a ticket with the full profile |
//! | `sign_in_method`, `device`, `seen_at` | how it signed in and where it was last used |
//!
//! Started sign-ins are not here: each is a sealed cookie of its own (`states`).
//!
//! Transitions: a verified identity enters (`identity_verified`: new id), someone signs in
//! (`signed_in`: new id, the previous person's leftovers cleared), signs out (`signed_out`:
//! the session is deleted).

use chrono::{DateTime, Utc};
use tower_sessions::Session;
use tower_sessions::session::Id;

use crate::auth::pending::PendingSignup;
use crate::session::{DEVICE_KEY, Device, METHOD_KEY, USER_ID_KEY as USER_ID};

pub type SessionError = tower_sessions::session::Error;

const SEEN_AT: &str = "seen_at";
/// How often a signed-in session notes where it is used (and so stays alive while used).
const SEEN_EVERY: chrono::Duration = chrono::Duration::minutes(5);
const PENDING_SIGNUP: &str = "pending_signup";
const DESKTOP_TICKETS: &str = "qr_tickets";
const PHONE_TICKETS: &str = "qr_scanned_tickets";
const KNOWN_WECHAT_PHONE: &str = "wechat_phone_known";
/// Tickets a desktop (or phone) session may hold at once (a page renews its code when it
/// expires).
const MAX_TICKETS: usize = 5;

/// Which side of a QR login ticket a browser session is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TicketSide {
    /// Created the ticket and shows its QR code: the only one that may claim it.
    Desktop,
    /// Scanned it: the only one that may confirm or cancel it.
    Phone,
}

impl TicketSide {
    fn key(self) -> &'static str {
        match self {
            TicketSide::Desktop => DESKTOP_TICKETS,
            TicketSide::Phone => PHONE_TICKETS,
        }
    }
}

/// A browser's session, as sign-in sees it. Cheap to clone (the session is shared).
#[derive(Clone, Debug)]
pub struct SignInSession(Session);

impl SignInSession {
    pub fn new(session: Session) -> Self {
        Self(session)
    }

    /// The id the cookie named (`None` before the session is loaded or once it is retired).
    pub fn id(&self) -> Option<Id> {
        self.0.id()
    }

    /// Writes the session to the store now, rather than when the response leaves; a session
    /// with nothing in it is not written at all.
    pub async fn save_unless_empty(&self) -> Result<(), SessionError> {
        if self.0.is_empty().await {
            return Ok(());
        }
        self.0.save().await
    }

    // ---- Transitions ----

    /// A verified first login waits here for its profile. A verified identity is worth
    /// stealing, so the session moves to a new id: whoever planted the old one (a sibling
    /// subdomain's cookie, plain http) is left holding nothing.
    pub async fn identity_verified(&self, pending: &PendingSignup) -> Result<(), SessionError> {
        self.0.cycle_id().await?;
        self.0.insert(PENDING_SIGNUP, pending).await
    }

    /// Signs `user_id` in, with a fresh session id so a planted id is never promoted
    /// (fixation). Whatever the browser held before ends here: a previous person's pending
    /// sign-up, started sign-ins and QR tickets (on a shared computer they are someone
    /// else's).
    pub async fn signed_in(&self, user_id: i64, method: &str) -> Result<(), SessionError> {
        self.0.cycle_id().await?;
        for key in [PENDING_SIGNUP, DESKTOP_TICKETS, PHONE_TICKETS] {
            self.0.remove::<serde_json::Value>(key).await?;
        }
        // How it signed in, for the list of where the person is signed in.
        self.0.insert(METHOD_KEY, method).await?;
        self.0.insert(USER_ID, user_id).await
    }

    /// A signed-in session is being used from `device`: noted at most every few minutes, or
    /// at once when the device changes. The write also keeps the idle expiry moving.
    pub async fn seen(&self, device: Device, now: DateTime<Utc>) -> Result<(), SessionError> {
        if self.user_id().await?.is_none() {
            return Ok(());
        }
        let last = self.0.get::<DateTime<Utc>>(SEEN_AT).await?;
        let known = self.0.get::<Device>(DEVICE_KEY).await?;
        if last.is_some_and(|at| now - at < SEEN_EVERY) && known.as_ref() == Some(&device) {
            return Ok(());
        }
        self.0.insert(DEVICE_KEY, device).await?;
        self.0.insert(SEEN_AT, now).await
    }

    /// Signs out: the session is deleted from the store and the cookie expires.
    pub async fn signed_out(&self) -> Result<(), SessionError> {
        self.0.flush().await
    }

    // ---- Reading ----

    /// The signed-in user's id, if any.
    pub async fn user_id(&self) -> Result<Option<i64>, SessionError> {
        self.0.get::<i64>(USER_ID).await
    }

    /// The pending sign-up of this session, if there is one that has not expired.
    pub async fn pending_signup(
        &self,
        now: DateTime<Utc>,
    ) -> Result<Option<PendingSignup>, SessionError> {
        match self.0.get::<PendingSignup>(PENDING_SIGNUP).await? {
            Some(p) if p.expires_at > now => Ok(Some(p)),
            Some(_) => {
                self.forget_pending_signup().await?;
                Ok(None)
            }
            None => Ok(None),
        }
    }

    /// The pending sign-up, taken out of the session (it is linked elsewhere).
    pub async fn take_pending_signup(
        &self,
        now: DateTime<Utc>,
    ) -> Result<Option<PendingSignup>, SessionError> {
        let pending = self.pending_signup(now).await?;
        if pending.is_some() {
            self.forget_pending_signup().await?;
        }
        Ok(pending)
    }

    async fn forget_pending_signup(&self) -> Result<(), SessionError> {
        self.0.remove::<serde_json::Value>(PENDING_SIGNUP).await?;
        Ok(())
    }

    // ---- QR login tickets ----

    async fn tickets(&self, side: TicketSide) -> Result<Vec<String>, SessionError> {
        Ok(self.0.get(side.key()).await?.unwrap_or_default())
    }

    /// Binds a ticket to this browser session, on one side.
    pub async fn hold_ticket(&self, side: TicketSide, id: &str) -> Result<(), SessionError> {
        let mut ids = self.tickets(side).await?;
        ids.retain(|known| known != id);
        ids.push(id.to_string());
        let excess = ids.len().saturating_sub(MAX_TICKETS);
        ids.drain(..excess);
        self.0.insert(side.key(), ids).await
    }

    /// True when this session holds the ticket on that side.
    pub async fn holds_ticket(&self, side: TicketSide, id: &str) -> Result<bool, SessionError> {
        Ok(self.tickets(side).await?.iter().any(|known| known == id))
    }

    /// Lets go of a ticket, so the session cannot try it again.
    pub async fn release_ticket(&self, side: TicketSide, id: &str) -> Result<(), SessionError> {
        let mut ids = self.tickets(side).await?;
        ids.retain(|known| known != id);
        self.0.insert(side.key(), ids).await
    }

    /// Whether this phone has authorised a ticket with its full WeChat profile before (then
    /// the silent scope is enough).
    pub async fn is_known_wechat_phone(&self) -> Result<bool, SessionError> {
        Ok(self
            .0
            .get::<bool>(KNOWN_WECHAT_PHONE)
            .await?
            .unwrap_or(false))
    }

    pub async fn remember_wechat_phone(&self) -> Result<(), SessionError> {
        self.0.insert(KNOWN_WECHAT_PHONE, true).await
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use tower_sessions::MemoryStore;

    use super::*;

    fn session() -> SignInSession {
        SignInSession::new(Session::new(None, Arc::new(MemoryStore::default()), None))
    }

    #[tokio::test]
    async fn tickets_are_held_per_side_and_only_the_last_five() {
        let s = session();
        for i in 0..7 {
            s.hold_ticket(TicketSide::Desktop, &format!("t{i}"))
                .await
                .expect("stored");
        }
        assert!(
            !s.holds_ticket(TicketSide::Desktop, "t1")
                .await
                .expect("read")
        );
        assert!(
            s.holds_ticket(TicketSide::Desktop, "t6")
                .await
                .expect("read")
        );
        assert!(!s.holds_ticket(TicketSide::Phone, "t6").await.expect("read"));
        s.release_ticket(TicketSide::Desktop, "t6")
            .await
            .expect("stored");
        assert!(
            !s.holds_ticket(TicketSide::Desktop, "t6")
                .await
                .expect("read")
        );
    }
}
