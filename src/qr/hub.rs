//! Wakes the desktop pages waiting on login tickets when a ticket changes, whichever instance
//! of the app changed it.
//!
//! Within one process a change is a `watch` channel send. Between processes on PostgreSQL
//! every change is also a `NOTIFY`, which each instance `LISTEN`s for. Whatever the database,
//! one task re-reads the status of every watched ticket every few seconds in batched queries:
//! the safety net for a missed notification, and the only path between two processes sharing
//! one SQLite file.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use chrono::Utc;
use sea_orm::{ConnectionTrait, DatabaseBackend, Statement};
use tokio::sync::watch;

use crate::db::{Database, Pool};
use crate::qr::tickets::{self, TicketStatus};

/// The PostgreSQL channel; the payload is `TICKET_ID STATUS`.
pub const CHANNEL: &str = "denglu_login_tickets";
/// How often the safety net looks, with and without notifications to rely on.
const POLL_WITH_NOTIFY: Duration = Duration::from_secs(5);
const POLL_WITHOUT_NOTIFY: Duration = Duration::from_secs(1);
/// Ids per polling query.
const POLL_BATCH: usize = 500;
/// How often ended tickets are deleted.
const SWEEP_EVERY: Duration = Duration::from_secs(600);

pub struct TicketHub {
    watchers: Mutex<HashMap<String, watch::Sender<TicketStatus>>>,
    db: Database,
}

/// One waiting page's view of one ticket. Dropping the last one stops the watching.
pub struct TicketWatch {
    hub: Arc<TicketHub>,
    id: String,
    receiver: watch::Receiver<TicketStatus>,
}

impl TicketHub {
    /// Creates the hub and its background tasks, which end when the hub is dropped.
    pub fn start(db: Database) -> Arc<Self> {
        let notifies = matches!(db.pool, Pool::Postgres(_));
        let hub = Arc::new(Self {
            watchers: Mutex::new(HashMap::new()),
            db,
        });
        let every = if notifies {
            POLL_WITH_NOTIFY
        } else {
            POLL_WITHOUT_NOTIFY
        };
        tokio::spawn(poll_watched(Arc::downgrade(&hub), every));
        tokio::spawn(sweep_ended(Arc::downgrade(&hub)));
        if let Pool::Postgres(pool) = &hub.db.pool {
            tokio::spawn(listen(Arc::downgrade(&hub), pool.clone()));
        }
        hub
    }

    /// Starts watching `id`, whose status the caller has just read.
    pub fn subscribe(self: &Arc<Self>, id: &str, current: TicketStatus) -> TicketWatch {
        let mut watchers = self.lock();
        let sender = watchers
            .entry(id.to_string())
            .or_insert_with(|| watch::channel(current).0);
        TicketWatch {
            hub: self.clone(),
            id: id.to_string(),
            receiver: sender.subscribe(),
        }
    }

    /// Announces a change made by this instance, here and to every other instance.
    pub async fn publish(&self, id: &str, status: TicketStatus) {
        self.deliver(id, status);
        if self.db.conn.get_database_backend() == DatabaseBackend::Postgres {
            let notify = Statement::from_sql_and_values(
                DatabaseBackend::Postgres,
                "SELECT pg_notify($1, $2)",
                [CHANNEL.into(), format!("{id} {}", status.as_str()).into()],
            );
            if let Err(e) = self.db.conn.execute(notify).await {
                // The other instances' safety poll will still see the change.
                tracing::warn!(error = %e, "cannot notify other instances of a ticket change");
            }
        }
    }

    fn deliver(&self, id: &str, status: TicketStatus) {
        if let Some(sender) = self.lock().get(id) {
            sender.send_if_modified(|current| {
                let changed = *current != status;
                *current = status;
                changed
            });
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, watch::Sender<TicketStatus>>> {
        // A panic while holding this lock cannot leave the map half-updated: every critical
        // section is a single map operation, so a poisoned lock is still consistent.
        self.watchers
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl TicketWatch {
    pub fn status(&self) -> TicketStatus {
        *self.receiver.borrow()
    }

    /// Waits for the next change; `None` if the hub is gone.
    pub async fn changed(&mut self) -> Option<TicketStatus> {
        self.receiver.changed().await.ok()?;
        Some(*self.receiver.borrow_and_update())
    }
}

impl Drop for TicketWatch {
    fn drop(&mut self) {
        let mut watchers = self.hub.lock();
        // This watch's receiver still counts until the struct's fields drop.
        if watchers
            .get(&self.id)
            .is_some_and(|s| s.receiver_count() <= 1)
        {
            watchers.remove(&self.id);
        }
    }
}

async fn poll_watched(hub: Weak<TicketHub>, every: Duration) {
    let mut ticker = tokio::time::interval(every);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticker.tick().await;
        let Some(hub) = hub.upgrade() else { return };
        let ids: Vec<String> = {
            let mut watchers = hub.lock();
            // Two last watches dropped at once on two threads each see the other's receiver
            // and leave the entry: forget it here.
            watchers.retain(|_, sender| sender.receiver_count() > 0);
            watchers.keys().cloned().collect()
        };
        for batch in ids.chunks(POLL_BATCH) {
            match tickets::statuses(&hub.db.conn, batch, Utc::now()).await {
                Ok(found) => found
                    .into_iter()
                    .for_each(|(id, status)| hub.deliver(&id, status)),
                Err(e) => tracing::warn!(error = %e, "cannot poll login tickets"),
            }
        }
    }
}

/// Deletes tickets that ended long ago, so the table holds only recent ones.
async fn sweep_ended(hub: Weak<TicketHub>) {
    let mut ticker = tokio::time::interval(SWEEP_EVERY);
    loop {
        ticker.tick().await;
        let Some(hub) = hub.upgrade() else { return };
        match tickets::sweep(&hub.db.conn, Utc::now()).await {
            Ok(0) => {}
            Ok(gone) => tracing::debug!(gone, "swept ended login tickets"),
            Err(e) => tracing::warn!(error = %e, "cannot sweep login tickets"),
        }
    }
}

async fn listen(hub: Weak<TicketHub>, pool: sea_orm::sqlx::PgPool) {
    use sea_orm::sqlx::postgres::PgListener;
    loop {
        let mut listener = match PgListener::connect_with(&pool).await {
            Ok(listener) => listener,
            Err(e) => {
                if hub.strong_count() == 0 || pool.is_closed() {
                    return;
                }
                tracing::warn!(error = %e, "cannot listen for ticket changes; retrying");
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
        };
        if let Err(e) = listener.listen(CHANNEL).await {
            tracing::warn!(error = %e, "cannot LISTEN for ticket changes; retrying");
            tokio::time::sleep(Duration::from_secs(1)).await;
            continue;
        }
        loop {
            // Wake at least every few seconds to notice that the hub is gone.
            let next = tokio::time::timeout(Duration::from_secs(5), listener.try_recv()).await;
            let Some(hub) = hub.upgrade() else { return };
            match next {
                Err(_elapsed) => continue,
                Ok(Ok(Some(notification))) => {
                    if let Some((id, status)) = parse_payload(notification.payload()) {
                        hub.deliver(id, status);
                    }
                }
                // The connection dropped (notifications may be lost: the poll covers them).
                Ok(Ok(None)) => continue,
                Ok(Err(e)) => {
                    tracing::warn!(error = %e, "ticket notifications interrupted; reconnecting");
                    break;
                }
            }
        }
    }
}

fn parse_payload(payload: &str) -> Option<(&str, TicketStatus)> {
    let (id, status) = payload.split_once(' ')?;
    let status = TicketStatus::from_name(status)?;
    tickets::is_ticket_id(id).then_some((id, status))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payloads_name_a_ticket_and_a_status() {
        let id = "A".repeat(32);
        assert_eq!(
            parse_payload(&format!("{id} confirmed")),
            Some((id.as_str(), TicketStatus::Confirmed))
        );
        assert_eq!(parse_payload("short confirmed"), None);
        assert_eq!(parse_payload(&format!("{id} exploded")), None);
        assert_eq!(parse_payload(""), None);
    }
}
