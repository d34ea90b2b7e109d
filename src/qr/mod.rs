//! QR sign-in: a computer shows a QR code for a login ticket; a phone scans it in WeChat,
//! authorises through the Official Account and confirms; the computer that made the ticket
//! (and only that one) claims it and is signed in.
//!
//! - `tickets`: the ticket store and its state machine (private data access).
//! - `hub`: wakes the pages waiting on a ticket, across instances.
//! - `agent`: what a User-Agent says (inside WeChat, a phone, which computer).
//! - `image`: the QR code as SVG.
//! - `streams`: how many live-status streams may be open (per ticket, per client, in all).
//!
//! [`QrSignIn`] is the service the pages and routes call. It hands verified identities to
//! tickets for sign-in (`IdentityHandoff`) and lands claimed ones through `auth::Auth`.

pub mod agent;
mod events;
mod hub;
mod image;
pub mod streams;
mod tickets;

use std::net::IpAddr;
use std::sync::Arc;

use async_trait::async_trait;
use chrono::Utc;
use sea_orm::{DatabaseConnection, DbErr};
use url::Url;

pub use events::TicketEvents;
pub use hub::TicketHub;
pub use streams::StreamCaps;
use tickets::Side;
pub use tickets::{MatchCode, TICKET_LIFETIME, TicketStatus};

use crate::audit::{self, Event, Kind, RENEWAL};
use crate::auth::next_path::NextPath;
use crate::auth::states::StateCookie;
use streams::StreamGate;

use crate::auth::{
    Auth, HandoffError, Handover, IdentityHandoff, SessionError, SignInSession, VerifiedIdentity,
};
use crate::db::Database;
use crate::model::{ConfirmWill, LoginError, PhoneView, QrTicket, paths};

/// Live tickets one browser may have at once (a page renews its code when it expires).
const MAX_LIVE_PER_BROWSER: u64 = 5;

#[derive(Debug, thiserror::Error)]
pub enum QrError {
    /// The network's live tickets reached [`QrLimits::tickets_per_network`]: a limit the
    /// person is told about, not a failure.
    #[error("too many live login tickets from this network")]
    TooMany,
    #[error("database: {0}")]
    Db(#[from] DbErr),
    #[error("session store: {0}")]
    Session(#[from] SessionError),
    #[error("who is signed in: {0}")]
    SignedIn(#[from] crate::auth::Unknowable),
    #[error("the ticket URL does not fit a QR code")]
    TooLong,
    /// Not this session's ticket, or no such ticket.
    #[error("no such ticket")]
    NotFound,
    /// Too many live-status streams open (this ticket's, this client's, or in all).
    #[error("too many open streams")]
    Busy,
}

/// A phone's answer to "sign in on that computer?".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// With the number picked among three: the computer's confirms, another cancels.
    Confirm(MatchCode),
    Cancel,
}

/// Where the phone goes after scanning, and the sign-in it starts (kept in its cookie).
pub struct Scanned {
    pub location: String,
    pub state: Option<StateCookie>,
}

impl From<String> for Scanned {
    fn from(location: String) -> Self {
        Self {
            location,
            state: None,
        }
    }
}

impl Decision {
    /// The phone's form: `decision=cancel`, or `decision=confirm` with the `code` picked. A
    /// confirm without a well-formed number is no decision at all.
    pub fn from_form(decision: &str, code: Option<&str>) -> Option<Self> {
        match decision {
            "cancel" => Some(Decision::Cancel),
            "confirm" => code.and_then(MatchCode::parse).map(Decision::Confirm),
            _ => None,
        }
    }
}

/// How much of the instance QR sign-in may hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QrLimits {
    /// Open live-status streams.
    pub streams: StreamCaps,
    /// Live tickets from one network at once: a page per person behind one office's address
    /// (or a carrier's shared one), not a flood of rows.
    pub tickets_per_network: u32,
}

pub struct QrSignIn {
    db: DatabaseConnection,
    hub: Arc<TicketHub>,
    auth: Arc<Auth>,
    public_url: Url,
    /// While simulating, any browser may play the phone (the simulator stands in for WeChat).
    simulated: bool,
    streams: Arc<StreamGate>,
    tickets_per_network: u64,
}

impl QrSignIn {
    /// Starts the hub's background tasks, which end when the service is dropped.
    pub fn start(
        db: &Database,
        auth: Arc<Auth>,
        public_url: Url,
        simulated: bool,
        limits: QrLimits,
    ) -> Self {
        Self {
            db: db.conn.clone(),
            hub: TicketHub::start(db.clone()),
            auth,
            public_url,
            simulated,
            streams: StreamGate::new(limits.streams),
            tickets_per_network: u64::from(limits.tickets_per_network),
        }
    }

    /// A new login ticket bound to this browser session, as a QR code of its phone URL, with
    /// what the phone will be told about this computer: its browser and system, its network
    /// (`network`, from the connection) and whether it is signed in.
    #[tracing::instrument(skip_all)]
    pub async fn new_ticket(
        &self,
        session: &SignInSession,
        user_agent: Option<&str>,
        network: Option<String>,
        next: Option<&str>,
        renewal: bool,
    ) -> Result<QrTicket, QrError> {
        let now = Utc::now();
        if let Some(network) = network.as_deref()
            && tickets::live_from_network(&self.db, network, now).await? >= self.tickets_per_network
        {
            return Err(QrError::TooMany);
        }
        let key = session.ticket_key().await?;
        // A page renews its code when it expires: the browser's oldest is let go instead.
        tickets::expire_oldest(&self.db, &key, MAX_LIVE_PER_BROWSER, now).await?;
        let requester = tickets::Requester {
            agent: user_agent.map_or_else(|| "?".to_string(), agent::describe),
            network,
            user_id: self.auth.signed_in(session).await?.map(|who| who.user_id()),
            session: key,
            next: next.and_then(NextPath::parse),
        };
        let ticket = tickets::create(&self.db, requester, now).await?;
        // A page renewing its expired code is the same sign-in, not another one started.
        let started = Event::new(Kind::QrStarted);
        let started = if renewal {
            started.detail(RENEWAL)
        } else {
            started
        };
        audit::note(&self.db, started).await;
        let code = ticket
            .match_code
            .expect("a ticket made now has a match code")
            .as_str();
        let url = self
            .public_url
            .join(&paths::qr_scan(&ticket.id))
            .expect("a ticket path joined to the public URL is a valid URL");
        let svg = image::svg(url.as_str()).ok_or(QrError::TooLong)?;
        // A phone's own browser cannot scan its screen: it gets the code to save as well.
        let phone = user_agent.is_some_and(|ua| agent::is_mobile(ua) && !agent::is_wechat(ua));
        let png = phone.then(|| image::png_data_uri(url.as_str())).flatten();
        Ok(QrTicket {
            id: ticket.id,
            svg,
            url: url.to_string(),
            code,
            png,
        })
    }

    /// The phone scanned the code (`GET /qr/{ticket}`); returns where it goes. Inside WeChat
    /// the ticket is marked scanned and the phone goes through the Official Account
    /// authorization, bound to the ticket; any other browser is told to use WeChat.
    #[tracing::instrument(skip_all)]
    pub async fn scan(&self, session: &SignInSession, id: &str, user_agent: &str) -> Scanned {
        let confirm_page = paths::qr_confirm(id);
        if !tickets::is_ticket_id(id) {
            return confirm_page.into();
        }
        if !agent::is_wechat(user_agent) && !self.simulated {
            return format!("{confirm_page}?need=wechat").into();
        }
        let phone = match session.ticket_key().await {
            Ok(key) => key,
            Err(e) => {
                tracing::error!(error = %e, "cannot bind a ticket to the phone");
                return confirm_page.into();
            }
        };
        match tickets::scan(&self.db, id, &phone, Utc::now()).await {
            Ok(true) => self.hub.publish(id, TicketStatus::Scanned).await,
            // Scanned before: a reload on the phone that scanned it, before it authorised,
            // goes through the authorization again; anyone else gets the confirm page.
            Ok(false) => {
                if !self.awaits_authorization(session, id).await {
                    return confirm_page.into();
                }
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot mark a ticket scanned");
                return confirm_page.into();
            }
        }
        match self
            .auth
            .start_for_ticket(session, id, &confirm_page, agent::is_mobile(user_agent))
            .await
        {
            Ok(started) => Scanned {
                location: started.url.to_string(),
                state: Some(started.cookie),
            },
            Err(error) => error.location().into(),
        }
    }

    async fn awaits_authorization(&self, session: &SignInSession, id: &str) -> bool {
        let scanned_here = self.holds(session, id, Side::Phone).await.unwrap_or(false);
        let ticket = tickets::find(&self.db, id, Utc::now()).await.ok().flatten();
        scanned_here
            && ticket.is_some_and(|t| t.status == TicketStatus::Scanned && !t.has_identity())
    }

    /// What the phone that scanned `id` is shown.
    pub async fn phone_view(
        &self,
        session: &SignInSession,
        id: &str,
    ) -> Result<PhoneView, QrError> {
        let now = Utc::now();
        let Some(found) = tickets::find(&self.db, id, now).await? else {
            return Ok(PhoneView::Expired);
        };
        if !self.holds(session, id, Side::Phone).await? {
            return Ok(match found.status {
                TicketStatus::Waiting | TicketStatus::Expired => PhoneView::Expired,
                _ => PhoneView::NotYours,
            });
        }
        Ok(match (found.status, &found.profile) {
            (TicketStatus::Scanned, Some(profile)) => {
                let (nickname, avatar_url) = self.auth.shown_as(profile).await?;
                let holder = self.auth.account_holding(profile).await?;
                PhoneView::Ask {
                    will: confirm_will(found.desktop_user_id, holder),
                    desktop: found.desktop_agent,
                    network: found.desktop_network,
                    minutes_ago: (now - found.created_at).num_minutes().max(0),
                    nickname,
                    avatar_url,
                    choices: found.choices.into_iter().map(MatchCode::as_str).collect(),
                }
            }
            (TicketStatus::Confirmed, _) => PhoneView::Confirmed,
            (TicketStatus::Cancelled, _) => PhoneView::Cancelled {
                wrong_number: found.picked_wrong,
            },
            (TicketStatus::Claimed, _) => PhoneView::Claimed,
            _ => PhoneView::Expired,
        })
    }

    /// Confirm or cancel, from the phone that scanned the ticket (anyone else changes nothing).
    #[tracing::instrument(skip_all)]
    pub async fn decide(
        &self,
        session: &SignInSession,
        id: &str,
        decision: Decision,
    ) -> Result<(), QrError> {
        if !self.holds(session, id, Side::Phone).await? {
            return Ok(());
        }
        let now = Utc::now();
        let (changed, status) = match decision {
            Decision::Confirm(code) => {
                if tickets::confirm(&self.db, id, code, now).await? {
                    (true, TicketStatus::Confirmed)
                } else {
                    // Not the computer's number (or not confirmable any more): a wrong pick
                    // ends the ticket, so a relayed code cannot be guessed at.
                    (
                        tickets::reject(&self.db, id, code, now).await?,
                        TicketStatus::Cancelled,
                    )
                }
            }
            Decision::Cancel => (
                tickets::cancel(&self.db, id, now).await?,
                TicketStatus::Cancelled,
            ),
        };
        if changed {
            let kind = match status {
                TicketStatus::Confirmed => Kind::QrConfirmed,
                _ => Kind::QrCancelled,
            };
            audit::note(&self.db, Event::new(kind)).await;
            self.hub.publish(id, status).await;
        }
        Ok(())
    }

    /// The desktop session that created a confirmed ticket signs in with it (or goes on to
    /// complete the profile); returns where it goes. Once only, and only that session.
    #[tracing::instrument(skip_all)]
    pub async fn claim(&self, session: &SignInSession, id: &str) -> String {
        let now = Utc::now();
        match self.holds(session, id, Side::Desktop).await {
            Ok(true) => {}
            Ok(false) => return LoginError::Ticket.location(),
            Err(e) => {
                tracing::error!(error = %e, "cannot read the session");
                return LoginError::Server.location();
            }
        }
        let (identity, next) = match tickets::claim(&self.db, id, now).await {
            Ok(Some(claimed)) => claimed,
            Ok(None) => return LoginError::Ticket.location(),
            Err(e) => {
                tracing::error!(error = %e, "cannot claim a login ticket");
                return LoginError::Server.location();
            }
        };
        self.hub.publish(id, TicketStatus::Claimed).await;
        self.auth
            .land_claimed(session, identity, next.as_ref(), now)
            .await
    }

    /// Whether this browser's session holds ticket `id` on that side (the ticket names it).
    async fn holds(&self, session: &SignInSession, id: &str, side: Side) -> Result<bool, QrError> {
        match session.existing_ticket_key().await? {
            Some(key) => Ok(tickets::held_by(&self.db, id, side, &key).await?),
            None => Ok(false),
        }
    }

    /// The status changes of a ticket this session created, for its live page.
    pub async fn events(
        &self,
        session: &SignInSession,
        id: &str,
        client: IpAddr,
    ) -> Result<TicketEvents, QrError> {
        // Counted before any work; the place is held for as long as the stream lives.
        let permit = self.streams.admit(id, client).ok_or(QrError::Busy)?;
        if !self.holds(session, id, Side::Desktop).await? {
            return Err(QrError::NotFound);
        }
        let ticket = tickets::find(&self.db, id, Utc::now())
            .await?
            .ok_or(QrError::NotFound)?;
        let watch = self.hub.subscribe(id, ticket.status);
        Ok(TicketEvents::new(
            self.db.clone(),
            id.to_string(),
            watch,
            ticket.expires_at,
            permit,
        ))
    }
}

/// What the claim will do, as the landing decides it: a signed-in computer only goes on when
/// the identity is its own account's (a QR claim never links); otherwise an account that has
/// the identity signs in, and a new one is made for an identity nobody has.
fn confirm_will(desktop_user: Option<i64>, holder: Option<(i64, String)>) -> ConfirmWill {
    match (desktop_user, holder) {
        (Some(desktop), Some((owner, account))) if desktop == owner => {
            ConfirmWill::SignIn { account }
        }
        (Some(_), _) => ConfirmWill::Nothing,
        (None, Some((_, account))) => ConfirmWill::SignIn { account },
        (None, None) => ConfirmWill::CreateAccount,
    }
}

#[async_trait]
impl IdentityHandoff for QrSignIn {
    /// The phone's authorization came back: the ticket remembers who would be signed in.
    async fn hand_over(
        &self,
        ticket: &str,
        identity: &VerifiedIdentity,
    ) -> Result<Handover, HandoffError> {
        let accepted = tickets::attach_identity(
            &self.db,
            ticket,
            &identity.profile,
            &identity.tokens,
            Utc::now(),
        )
        .await
        .map_err(|e| match e {
            tickets::TicketError::Db(e) => HandoffError::Store(e),
            tickets::TicketError::Corrupt(reason) => HandoffError::Corrupt(reason),
        })?;
        // Expired or cancelled meanwhile: the ticket page says so.
        Ok(Handover {
            accepted,
            next_page: paths::qr_confirm(ticket),
        })
    }
}
