//! The typed session: every key Denglu keeps in a browser's server-side session, and the
//! transitions between them. Nothing else reads or writes session keys, so the rules about
//! rotating the session id and clearing what a transition ends live here, once.
//!
//! | key | what |
//! |---|---|
//! | `user_id` | the signed-in account |
//! | `pending_signup` | a verified first login waiting for its profile ([`PendingSignup`]) |
//! | `qr_holder` | made to hold QR login tickets (the tickets name the session by its id's hash) |
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
use crate::session::{DEVICE_KEY, Device, METHOD_KEY, USER_ID_KEY as USER_ID, key_hash};

pub type SessionError = tower_sessions::session::Error;

const SEEN_AT: &str = "seen_at";
/// When the person last proved who they are here (OpenID Connect's `auth_time`).
const SIGNED_IN_AT: &str = "signed_in_at";
/// How often a signed-in session notes where it is used (and so stays alive while used).
const SEEN_EVERY: chrono::Duration = chrono::Duration::minutes(5);
const PENDING_SIGNUP: &str = "pending_signup";
/// Marks a session made to hold QR login tickets (the tickets name the session, not the
/// other way round).
const QR_HOLDER: &str = "qr_holder";
const KNOWN_WECHAT_PHONE: &str = "wechat_phone_known";

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

    /// Moves a stored session to a new id. A session not stored yet already has a fresh random
    /// id that nobody else knows, so there is nothing to move away from (and cycling it would
    /// only ask the store to end a row that was never written).
    async fn renew_id(&self) -> Result<(), SessionError> {
        // Reading loads the record: the id is then the stored session's, or none.
        self.0.get::<serde_json::Value>(USER_ID).await?;
        if self.0.id().is_some() {
            self.0.cycle_id().await?;
        }
        Ok(())
    }

    // ---- Transitions ----

    /// A verified first login waits here for its profile. A verified identity is worth
    /// stealing, so the session moves to a new id: whoever planted the old one (a sibling
    /// subdomain's cookie, plain http) is left holding nothing.
    pub async fn identity_verified(&self, pending: &PendingSignup) -> Result<(), SessionError> {
        self.renew_id().await?;
        self.0.insert(PENDING_SIGNUP, pending).await
    }

    /// Signs `user_id` in, with a fresh session id so a planted id is never promoted
    /// (fixation). Whatever the browser held before ends here: a previous person's pending
    /// sign-up, started sign-ins and QR tickets (on a shared computer they are someone
    /// else's).
    pub async fn signed_in(&self, user_id: i64, method: &str) -> Result<(), SessionError> {
        self.renew_id().await?;
        // The id changes, so the QR tickets that named the old one are let go as well.
        self.0.remove::<serde_json::Value>(PENDING_SIGNUP).await?;
        // How it signed in, for the list of where the person is signed in.
        self.0.insert(METHOD_KEY, method).await?;
        self.0.insert(SIGNED_IN_AT, Utc::now()).await?;
        self.0.insert(USER_ID, user_id).await
    }

    /// The signed-in person proved again who they are (a site asked for a fresh sign-in):
    /// same session, new sign-in time and method.
    pub async fn reauthenticated(&self, method: &str) -> Result<(), SessionError> {
        self.0.insert(METHOD_KEY, method).await?;
        self.0.insert(SIGNED_IN_AT, Utc::now()).await
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

    /// When and how the signed-in person signed in (none for a session from before this was
    /// kept, which then counts as too old for a site that asks).
    pub async fn sign_in_proof(&self) -> Result<Option<(DateTime<Utc>, String)>, SessionError> {
        let at = self.0.get::<DateTime<Utc>>(SIGNED_IN_AT).await?;
        let method = self.0.get::<String>(METHOD_KEY).await?;
        Ok(at.zip(method))
    }

    /// The key the session store knows this session by (the hash of its id), once loaded.
    pub fn store_key(&self) -> Option<String> {
        self.0.id().map(|id| key_hash(&id))
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

    async fn forget_pending_signup(&self) -> Result<(), SessionError> {
        self.0.remove::<serde_json::Value>(PENDING_SIGNUP).await?;
        Ok(())
    }

    // ---- QR login tickets ----

    /// The key (the hash of the session id) a login ticket names this browser by, making
    /// the session now if there is none yet. The session is read first: the cookie may name
    /// one that ended or expired, and then a new one is made.
    pub async fn ticket_key(&self) -> Result<String, SessionError> {
        if self.existing_ticket_key().await?.is_none() {
            // Something to keep, so that the session is written and its cookie set.
            self.0.insert(QR_HOLDER, true).await?;
            self.0.save().await?;
        }
        Ok(self
            .0
            .id()
            .map(|id| key_hash(&id))
            .expect("a saved session has an id"))
    }

    /// The key of this browser's session, if it has a live one (it then may hold tickets).
    pub async fn existing_ticket_key(&self) -> Result<Option<String>, SessionError> {
        // Reading loads the session: an id whose session is gone reads as none afterwards.
        self.0.get::<bool>(QR_HOLDER).await?;
        Ok(self.0.id().map(|id| key_hash(&id)))
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
