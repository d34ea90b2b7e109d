//! The database: one sqlx pool, used by sea-orm for the app's tables and by the session store.
//!
//! The pool is built here rather than by sea-orm so that SQLite gets the settings a web server
//! needs (WAL, foreign keys, a busy timeout) and so the session store can share it.

use std::str::FromStr;
use std::time::Duration;

use migrations::{Migrator, MigratorTrait};
use sea_orm::sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sea_orm::sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous,
};
use sea_orm::sqlx::{PgPool, SqlitePool};
use sea_orm::{DatabaseConnection, SqlxPostgresConnector, SqlxSqliteConnector};

use secrecy::ExposeSecret;

use crate::config::Settings;

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("cannot create the database directory {path}: {source}")]
    Directory {
        path: String,
        source: std::io::Error,
    },
    #[error("DATABASE_URL is not a valid database URL: {0}")]
    Url(String),
    #[error("cannot connect to the database: {0}")]
    Connect(String),
    #[error("database migration failed: {0}")]
    Migrate(String),
}

/// The raw pool, kept for the session store and for closing.
#[derive(Clone, Debug)]
pub enum Pool {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

#[derive(Clone, Debug)]
pub struct Database {
    pub conn: DatabaseConnection,
    pub pool: Pool,
}

impl Database {
    /// Connects (creating the SQLite file and its directory on first run) and migrates.
    pub async fn connect(settings: &Settings) -> Result<Self, DbError> {
        if let Some(parent) = settings
            .sqlite_file()
            .as_deref()
            .and_then(std::path::Path::parent)
            .filter(|p| !p.as_os_str().is_empty())
        {
            std::fs::create_dir_all(parent).map_err(|source| DbError::Directory {
                path: parent.display().to_string(),
                source,
            })?;
        }
        let db = Self::open(settings, true).await?;
        Migrator::up(&db.conn, None)
            .await
            .map_err(|e| DbError::Migrate(e.to_string()))?;
        Ok(db)
    }

    /// Connects to the database as it is: creates no file and runs no migration (`denglu
    /// doctor` looks, it never changes).
    pub async fn open_existing(settings: &Settings) -> Result<Self, DbError> {
        Self::open(settings, false).await
    }

    /// The pool. `fresh`: a new SQLite file may be made and gets the server's journal mode.
    async fn open(settings: &Settings, fresh: bool) -> Result<Self, DbError> {
        let url = settings.database_url.expose_secret();
        let db = if url.starts_with("sqlite:") {
            let mut options = SqliteConnectOptions::from_str(url)
                .map_err(|e| DbError::Url(e.to_string()))?
                .create_if_missing(fresh)
                .foreign_keys(true)
                .synchronous(SqliteSynchronous::Normal)
                .busy_timeout(Duration::from_secs(5));
            if fresh {
                options = options.journal_mode(SqliteJournalMode::Wal);
            }
            let pool = SqlitePoolOptions::new()
                .max_connections(8)
                .acquire_timeout(Duration::from_secs(5))
                // A SQLite connection is a file handle in this process: nothing can drop it
                // between uses, and a ping before each query would double the round trips
                // to its worker thread.
                .test_before_acquire(false)
                .connect_with(options)
                .await
                .map_err(|e| DbError::Connect(e.to_string()))?;
            Self {
                conn: SqlxSqliteConnector::from_sqlx_sqlite_pool(pool.clone()),
                pool: Pool::Sqlite(pool),
            }
        } else {
            let options =
                PgConnectOptions::from_str(url).map_err(|e| DbError::Url(e.to_string()))?;
            let pool = PgPoolOptions::new()
                .max_connections(16)
                .acquire_timeout(Duration::from_secs(5))
                .connect_with(options)
                .await
                .map_err(|e| DbError::Connect(e.to_string()))?;
            Self {
                conn: SqlxPostgresConnector::from_sqlx_postgres_pool(pool.clone()),
                pool: Pool::Postgres(pool),
            }
        };
        Ok(db)
    }

    /// True when the database answers a trivial query.
    pub async fn is_up(&self) -> bool {
        self.conn.ping().await.is_ok()
    }

    /// Closes every connection; later queries fail (used at shutdown, and by tests of outages).
    pub async fn close(&self) {
        match &self.pool {
            Pool::Sqlite(pool) => pool.close().await,
            Pool::Postgres(pool) => pool.close().await,
        }
    }
}
