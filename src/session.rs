//! Server-side sessions on the app's own database.
//!
//! The cookie carries only a random session id; everything else lives in the store. The store
//! is whichever of tower-sessions-sqlx-store's two fits the database, behind one type.

use std::sync::Arc;

use async_trait::async_trait;
use axum::extract::State;
use axum::http::header::{COOKIE, SET_COOKIE};
use axum::http::{HeaderMap, HeaderValue};
use axum::response::Response;
use time::Duration;
use tower_sessions::cookie::{Cookie, SameSite};
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
/// [`handoff_cookie`] builds the same cookie by hand.
pub fn layer(store: Store, settings: &Settings) -> SessionManagerLayer<Store> {
    SessionManagerLayer::new(store)
        .with_name(COOKIE_NAME)
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(settings.secure_cookies())
        .with_path("/")
        .with_expiry(Expiry::OnInactivity(idle(settings)))
}

fn idle(settings: &Settings) -> Duration {
    Duration::minutes(settings.session_idle_minutes)
}

/// The random key a browser is given when it starts a sign-in, so that only that browser is
/// handed the session its callback makes (see `auth::replay`). Sent only to `/auth/`.
pub const BROWSER_KEY_COOKIE: &str = "denglu_flow";

/// The `Set-Cookie` value that gives the browser its start key, for as long as a state lives.
pub fn browser_key_cookie(key: &str, settings: &Settings) -> Option<HeaderValue> {
    let max_age = Duration::try_from(settings.lifetimes.state).unwrap_or(Duration::minutes(10));
    let cookie = Cookie::build((BROWSER_KEY_COOKIE, key.to_string()))
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(settings.secure_cookies())
        .path("/auth/")
        .max_age(max_age)
        .build();
    HeaderValue::from_str(&cookie.encoded().to_string()).ok()
}

/// The start key the request carries, if any.
pub fn browser_key(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(Cookie::split_parse)
        .filter_map(Result::ok)
        .find(|c| c.name() == BROWSER_KEY_COOKIE)
        .map(|c| c.value().to_string())
}

/// Put on a response to move the browser to another existing session: a repeated sign-in
/// callback whose first request made that session (see `auth::replay`).
#[derive(Clone, Copy, Debug)]
pub struct Handoff(pub Id);

/// The session cookie for `id`, exactly as [`layer`] sets it.
fn handoff_cookie(id: Id, settings: &Settings) -> Cookie<'static> {
    Cookie::build((COOKIE_NAME, id.to_string()))
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(settings.secure_cookies())
        .path("/")
        .max_age(idle(settings))
        .build()
}

/// Middleware outside the session layer (`map_response_with_state`): a response carrying a
/// [`Handoff`] leaves with that session's cookie, in place of whatever the session layer said
/// about the request's own session (it was retired, so the layer removes its cookie).
pub async fn apply_handoff(
    State(settings): State<Arc<Settings>>,
    mut response: Response,
) -> Response {
    if let Some(Handoff(id)) = response.extensions_mut().remove::<Handoff>() {
        replace_session_cookie(response.headers_mut(), &handoff_cookie(id, &settings));
    }
    response
}

fn replace_session_cookie(headers: &mut HeaderMap, cookie: &Cookie<'_>) {
    let others: Vec<HeaderValue> = headers
        .get_all(SET_COOKIE)
        .iter()
        .filter(|value| {
            let name = value.to_str().ok().and_then(|v| v.split_once('='));
            name.is_none_or(|(name, _)| name.trim() != COOKIE_NAME)
        })
        .cloned()
        .collect();
    headers.remove(SET_COOKIE);
    for value in others {
        headers.append(SET_COOKIE, value);
    }
    if let Ok(value) = HeaderValue::from_str(&cookie.encoded().to_string()) {
        headers.append(SET_COOKIE, value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_handoff_replaces_only_the_session_cookie() {
        let mut headers = HeaderMap::new();
        headers.append(
            SET_COOKIE,
            HeaderValue::from_static("denglu_lang=en; Path=/"),
        );
        headers.append(
            SET_COOKIE,
            HeaderValue::from_static("denglu_session=; Max-Age=0; Path=/"),
        );
        let id = Id::default();
        let cookie = Cookie::build((COOKIE_NAME, id.to_string()))
            .path("/")
            .build();
        replace_session_cookie(&mut headers, &cookie);
        let values: Vec<&str> = headers
            .get_all(SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .collect();
        assert_eq!(
            values,
            [
                "denglu_lang=en; Path=/".to_string(),
                format!("denglu_session={id}; Path=/")
            ]
        );
    }
}
