//! The status changes one waiting page is told about: each new status once, then nothing
//! after a final one. The database is the truth; the hub only says when to look again.

use std::time::Duration;

use chrono::{DateTime, Utc};
use sea_orm::DatabaseConnection;

use crate::qr::hub::TicketWatch;
use crate::qr::streams::StreamPermit;
use crate::qr::tickets::{self, TicketStatus};

pub struct TicketEvents {
    db: DatabaseConnection,
    id: String,
    watch: TicketWatch,
    expires_at: DateTime<Utc>,
    last_sent: Option<TicketStatus>,
    finished: bool,
    /// This stream's place under the caps, given back when the events are dropped.
    _permit: StreamPermit,
}

impl TicketEvents {
    pub(super) fn new(
        db: DatabaseConnection,
        id: String,
        watch: TicketWatch,
        expires_at: DateTime<Utc>,
        permit: StreamPermit,
    ) -> Self {
        Self {
            db,
            id,
            watch,
            expires_at,
            last_sent: None,
            finished: false,
            _permit: permit,
        }
    }

    /// The next status to tell the page; `None` once a final one was told.
    pub async fn next(&mut self) -> Option<TicketStatus> {
        if self.finished {
            return None;
        }
        loop {
            let status = match self.last_sent {
                // Read after subscribing: a change between the handler's read and the
                // subscription would otherwise wait for the safety poll.
                None => self.read().await,
                Some(_) => self.wait().await?,
            };
            if self.last_sent != Some(status) {
                self.last_sent = Some(status);
                self.finished = status.is_final();
                return Some(status);
            }
        }
    }

    /// Sleeps until the ticket changes or its expiry passes, then reads it back (a scan also
    /// extends the expiry).
    async fn wait(&mut self) -> Option<TicketStatus> {
        let until = (self.expires_at - Utc::now()).to_std().unwrap_or_default();
        tokio::select! {
            changed = self.watch.changed() => { changed?; }
            () = tokio::time::sleep(until) => {}
        }
        Some(self.read().await)
    }

    async fn read(&mut self) -> TicketStatus {
        match tickets::find(&self.db, &self.id, Utc::now()).await {
            Ok(Some(ticket)) => {
                self.expires_at = ticket.expires_at;
                ticket.status
            }
            Ok(None) => TicketStatus::Expired,
            Err(e) => {
                tracing::warn!(error = %e, "cannot read a login ticket");
                // Try again shortly rather than ending the page's stream.
                tokio::time::sleep(Duration::from_secs(1)).await;
                self.watch.status()
            }
        }
    }
}
