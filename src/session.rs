//! Server-side sessions on the app's own database.
//!
//! The cookie carries only a random session id; everything else lives in the store. The store
//! is whichever of tower-sessions-sqlx-store's two fits the database, behind one type.

use async_trait::async_trait;
use time::Duration;
use tower_sessions::cookie::SameSite;
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{self, ExpiredDeletion};
use tower_sessions::{Expiry, SessionManagerLayer, SessionStore};
use tower_sessions_sqlx_store::{PostgresStore, SqliteStore};

use crate::config::Settings;
use crate::db::Pool;

pub const COOKIE_NAME: &str = "denglu_session";

#[derive(Clone, Debug)]
pub enum Store {
    Sqlite(SqliteStore),
    Postgres(PostgresStore),
}

impl Store {
    /// Builds the store on the shared pool and creates its table if needed.
    pub async fn new(pool: &Pool) -> Result<Self, tower_sessions_sqlx_store::sqlx::Error> {
        Ok(match pool {
            Pool::Sqlite(pool) => {
                let store = SqliteStore::new(pool.clone());
                store.migrate().await?;
                Self::Sqlite(store)
            }
            Pool::Postgres(pool) => {
                let store = PostgresStore::new(pool.clone());
                store.migrate().await?;
                Self::Postgres(store)
            }
        })
    }

    /// Deletes expired sessions every few minutes, for as long as the server runs.
    pub fn spawn_expiry_sweeper(&self) {
        let store = self.clone();
        tokio::spawn(async move {
            let every = std::time::Duration::from_secs(300);
            let result = match store {
                Store::Sqlite(s) => s.continuously_delete_expired(every).await,
                Store::Postgres(s) => s.continuously_delete_expired(every).await,
            };
            if let Err(e) = result {
                tracing::warn!(error = %e, "session expiry sweeper stopped");
            }
        });
    }
}

#[async_trait]
impl SessionStore for Store {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        match self {
            Store::Sqlite(s) => s.create(record).await,
            Store::Postgres(s) => s.create(record).await,
        }
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        match self {
            Store::Sqlite(s) => s.save(record).await,
            Store::Postgres(s) => s.save(record).await,
        }
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        match self {
            Store::Sqlite(s) => s.load(id).await,
            Store::Postgres(s) => s.load(id).await,
        }
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        match self {
            Store::Sqlite(s) => s.delete(id).await,
            Store::Postgres(s) => s.delete(id).await,
        }
    }
}

/// Cookie settings per the design: HttpOnly, SameSite=Lax (the WeChat QR redirect is a
/// cross-site top-level GET), Secure on https, no Domain, expiry on inactivity.
pub fn layer(store: Store, settings: &Settings) -> SessionManagerLayer<Store> {
    SessionManagerLayer::new(store)
        .with_name(COOKIE_NAME)
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(settings.secure_cookies())
        .with_path("/")
        .with_expiry(Expiry::OnInactivity(Duration::minutes(
            settings.session_idle_minutes,
        )))
}
