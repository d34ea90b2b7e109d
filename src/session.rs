//! Server-side sessions on the app's own database.
//!
//! The cookie carries only a random session id; everything else lives in the `sessions`
//! table, keyed by the id's SHA-256 (a copy of the database yields no live session). Each row
//! also names its signed-in user and the device it was last seen on, so that disabling an
//! account ends its sessions and a person can see and end theirs (`auth::devices`). A session
//! ends after inactivity, sooner while nobody is signed in on it, and in any case after an
//! absolute lifetime.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use axum::extract::State;
use axum::http::header::{COOKIE, SET_COOKIE};
use axum::http::{HeaderMap, HeaderValue};
use axum::response::Response;
use chrono::{DateTime, Utc};
use sea_orm::UpdateMany;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, Set, SqlErr};
use sha2::{Digest, Sha256};
use time::Duration;
use tower_sessions::cookie::{Cookie, SameSite};
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{self, SessionStore};
use tower_sessions::{Expiry, SessionManagerLayer};

use crate::config::Settings;
use crate::entities::session;

pub const COOKIE_NAME: &str = "denglu_session";
/// On https the session cookie is `__Host-denglu_session`: a browser refuses such a cookie
/// from a sibling subdomain, so nobody can plant a session of their own in this browser.
const SECURE_COOKIE_NAME: &str = "__Host-denglu_session";

/// The session cookie's name for this site.
pub fn cookie_name(settings: &Settings) -> &'static str {
    if settings.secure_cookies() {
        SECURE_COOKIE_NAME
    } else {
        COOKIE_NAME
    }
}

/// The keys of session data the store copies into columns (written by `auth::session`).
pub const USER_ID_KEY: &str = "user_id";
pub const METHOD_KEY: &str = "sign_in_method";
pub const DEVICE_KEY: &str = "device";

/// An ended session's data: nobody, and a marker so the session is not empty.
const TOMBSTONE: &str = r#"{"ended":true}"#;
const TOMBSTONE_LIFE: chrono::Duration = chrono::Duration::minutes(1);

/// Ends the sessions `update` selects: each becomes a tombstone that names nobody, cannot be
/// written back (see `save`), and is swept a minute later. Every way a session ends goes
/// through here, so a request still running for it cannot bring it back.
pub fn end(update: UpdateMany<session::Entity>) -> UpdateMany<session::Entity> {
    update
        .col_expr(session::Column::Data, Expr::value(TOMBSTONE))
        .col_expr(session::Column::UserId, Expr::value(Option::<i64>::None))
        .col_expr(session::Column::Method, Expr::value(Option::<String>::None))
        .col_expr(
            session::Column::ExpiresAt,
            Expr::value(Utc::now() + TOMBSTONE_LIFE),
        )
}

/// How long sessions live, from the configuration.
#[derive(Clone, Copy, Debug)]
pub struct Lifetimes {
    /// Without a signed-in user: a sign-in in progress.
    pub anonymous: chrono::Duration,
    /// Since the session began, whatever its activity.
    pub absolute: chrono::Duration,
}

impl Lifetimes {
    pub fn from_settings(settings: &Settings) -> Self {
        Self {
            anonymous: chrono::Duration::minutes(settings.session_anonymous_minutes),
            absolute: chrono::Duration::days(settings.session_absolute_days),
        }
    }
}

/// The device a signed-in session was last seen on, as the account page lists it.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Device {
    pub agent: Option<String>,
    pub network: Option<String>,
}

/// What the store keeps of a session id: its SHA-256, hex.
pub fn key_hash(id: &Id) -> String {
    Sha256::digest(id.to_string().as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[derive(Clone, Debug)]
pub struct Store {
    db: DatabaseConnection,
    lifetimes: Lifetimes,
    /// Sessions this instance has just written, as written. A request that saves its session
    /// itself (the callback does, before telling the callback's repeats where it went) is saved
    /// again by the session layer as the response leaves: that second write would change
    /// nothing and is skipped.
    just_written: Arc<Mutex<HashMap<Id, Written>>>,
}

/// A session row as last written: its data and its expiry.
type Written = (String, DateTime<Utc>);

/// Past this many sessions written and not saved again, the record of them is dropped (the
/// cost: one needless write each).
const JUST_WRITTEN_KEPT: usize = 4096;

impl Store {
    pub fn new(db: DatabaseConnection, lifetimes: Lifetimes) -> Self {
        Self {
            db,
            lifetimes,
            just_written: Arc::default(),
        }
    }

    fn written(&self, id: Id, row: &Row) {
        let mut written = self.just_written.lock().unwrap_or_else(|e| e.into_inner());
        if written.len() >= JUST_WRITTEN_KEPT {
            written.clear();
        }
        written.insert(id, (row.data.clone(), row.expires_at));
    }

    /// Whether `row` is exactly what this instance last wrote for `id` (forgotten either way:
    /// only the save right after a write can be its repeat).
    fn unchanged_since_written(&self, id: &Id, row: &Row) -> bool {
        let mut written = self.just_written.lock().unwrap_or_else(|e| e.into_inner());
        written
            .remove(id)
            .is_some_and(|(data, expires_at)| data == row.data && expires_at == row.expires_at)
    }

    /// Deletes ended sessions every few minutes, for as long as the server runs.
    pub fn spawn_expiry_sweeper(&self) {
        let store = self.clone();
        tokio::spawn(async move {
            let mut ticker = tokio::time::interval(std::time::Duration::from_secs(300));
            loop {
                ticker.tick().await;
                if let Err(e) = store.sweep(Utc::now()).await {
                    tracing::warn!(error = %e, "cannot sweep ended sessions");
                }
            }
        });
    }

    async fn sweep(&self, now: DateTime<Utc>) -> Result<u64, DbErr> {
        Ok(session::Entity::delete_many()
            .filter(
                session::Column::ExpiresAt
                    .lte(now)
                    .or(session::Column::CreatedAt.lte(now - self.lifetimes.absolute)),
            )
            .exec(&self.db)
            .await?
            .rows_affected)
    }

    /// The row a record is saved as: the columns copied out of its data, its expiry
    /// shortened while nobody is signed in.
    fn row(&self, record: &Record, now: DateTime<Utc>) -> session_store::Result<Row> {
        let data = serde_json::to_string(&record.data)
            .map_err(|e| session_store::Error::Encode(e.to_string()))?;
        let user_id = record
            .data
            .get(USER_ID_KEY)
            .and_then(serde_json::Value::as_i64);
        let method = record
            .data
            .get(METHOD_KEY)
            .and_then(serde_json::Value::as_str)
            .map(|m| m.chars().take(32).collect());
        let device: Device = record
            .data
            .get(DEVICE_KEY)
            .and_then(|d| serde_json::from_value(d.clone()).ok())
            .unwrap_or_default();
        let requested =
            DateTime::<Utc>::from_timestamp(record.expiry_date.unix_timestamp(), 0).unwrap_or(now);
        let expires_at = if user_id.is_some() {
            requested
        } else {
            requested.min(now + self.lifetimes.anonymous)
        };
        Ok(Row {
            data,
            user_id,
            method,
            device,
            expires_at,
        })
    }
}

/// The columns a session record is written as.
#[derive(Clone)]
struct Row {
    data: String,
    user_id: Option<i64>,
    method: Option<String>,
    device: Device,
    expires_at: DateTime<Utc>,
}

fn backend(e: DbErr) -> session_store::Error {
    session_store::Error::Backend(e.to_string())
}

#[async_trait]
impl SessionStore for Store {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        loop {
            let now = Utc::now();
            let row = self.row(record, now)?;
            let row_written = row.clone();
            let model = session::ActiveModel {
                key_hash: Set(key_hash(&record.id)),
                data: Set(row.data),
                user_id: Set(row.user_id),
                method: Set(row.method),
                agent: Set(row.device.agent),
                network: Set(row.device.network),
                created_at: Set(now),
                last_seen_at: Set(now),
                expires_at: Set(row.expires_at),
                ..Default::default()
            };
            match session::Entity::insert(model).exec(&self.db).await {
                Ok(_) => {
                    self.written(record.id, &row_written);
                    return Ok(());
                }
                // 128 random bits collided: draw again.
                Err(e) if matches!(e.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
                    record.id = Id::default();
                }
                Err(e) => return Err(backend(e)),
            }
        }
    }

    /// Writes a session back: only a live one, never one that ended (signed out, ended from
    /// the account page, its account disabled) or expired meanwhile. A request that read the
    /// session before it ended must not bring it back; only `create` inserts.
    async fn save(&self, record: &Record) -> session_store::Result<()> {
        let now = Utc::now();
        let row = self.row(record, now)?;
        if self.unchanged_since_written(&record.id, &row) {
            return Ok(());
        }
        let row_written = row.clone();
        let updated = session::Entity::update_many()
            .col_expr(session::Column::Data, Expr::value(row.data))
            .col_expr(session::Column::UserId, Expr::value(row.user_id))
            .col_expr(session::Column::Method, Expr::value(row.method))
            .col_expr(session::Column::Agent, Expr::value(row.device.agent))
            .col_expr(session::Column::Network, Expr::value(row.device.network))
            .col_expr(session::Column::LastSeenAt, Expr::value(now))
            .col_expr(session::Column::ExpiresAt, Expr::value(row.expires_at))
            .filter(session::Column::KeyHash.eq(key_hash(&record.id)))
            .filter(session::Column::Data.ne(TOMBSTONE))
            .filter(session::Column::ExpiresAt.gt(now))
            .exec(&self.db)
            .await
            .map_err(backend)?;
        if updated.rows_affected > 0 {
            self.written(record.id, &row_written);
        }
        Ok(())
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        let now = Utc::now();
        let Some(row) = session::Entity::find()
            .filter(session::Column::KeyHash.eq(key_hash(id)))
            .filter(session::Column::ExpiresAt.gt(now))
            .filter(session::Column::CreatedAt.gt(now - self.lifetimes.absolute))
            .one(&self.db)
            .await
            .map_err(backend)?
        else {
            return Ok(None);
        };
        let data = serde_json::from_str(&row.data)
            .map_err(|e| session_store::Error::Decode(e.to_string()))?;
        let expiry_date = time::OffsetDateTime::from_unix_timestamp(row.expires_at.timestamp())
            .map_err(|e| session_store::Error::Decode(e.to_string()))?;
        Ok(Some(Record {
            id: *id,
            data,
            expiry_date,
        }))
    }

    /// Ends a session (sign-out, or a new id at sign-in) by emptying it into a tombstone that
    /// lives a minute, rather than deleting the row: a request the browser sent with the old
    /// id just before would otherwise find no session, and tower-sessions would answer it by
    /// removing the session cookie, the browser's *new* one included.
    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        let now = Utc::now();
        session::Entity::update_many()
            .col_expr(session::Column::Data, Expr::value(TOMBSTONE))
            .col_expr(session::Column::UserId, Expr::value(Option::<i64>::None))
            .col_expr(session::Column::Method, Expr::value(Option::<String>::None))
            .col_expr(
                session::Column::ExpiresAt,
                Expr::value(now + TOMBSTONE_LIFE),
            )
            .filter(session::Column::KeyHash.eq(key_hash(id)))
            .exec(&self.db)
            .await
            .map(|_| ())
            .map_err(backend)
    }
}

/// Cookie settings per the design: HttpOnly, SameSite=Lax (the WeChat QR redirect is a
/// cross-site top-level GET), Secure on https, no Domain, expiry on inactivity.
/// [`handoff_cookie`] builds the same cookie by hand.
pub fn layer(store: Store, settings: &Settings) -> SessionManagerLayer<Store> {
    SessionManagerLayer::new(store)
        .with_name(cookie_name(settings))
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(settings.secure_cookies())
        .with_path("/")
        .with_expiry(Expiry::OnInactivity(idle(settings)))
}

fn idle(settings: &Settings) -> Duration {
    Duration::minutes(settings.session_idle_minutes)
}

/// On https a started sign-in is a `__Host-` cookie: a browser refuses one set by a sibling
/// subdomain, so nobody can plant a started sign-in of their own in this browser and have it
/// complete their sign-in here (login CSRF). Such a cookie must have the path `/`.
const HOST_PREFIX: &str = "__Host-";

/// The name a started sign-in's cookie is sent under, and its path.
fn state_cookie_name(name: &str, settings: &Settings) -> (String, &'static str) {
    if settings.secure_cookies() {
        (format!("{HOST_PREFIX}{name}"), "/")
    } else {
        (name.to_string(), "/auth/")
    }
}

/// The `Set-Cookie` value that gives the browser a started sign-in (`auth::states`), for as
/// long as a state lives.
pub fn state_cookie(name: &str, value: &str, settings: &Settings) -> Option<HeaderValue> {
    let max_age = Duration::try_from(settings.lifetimes.state).unwrap_or(Duration::minutes(10));
    let (name, path) = state_cookie_name(name, settings);
    cookie_header(&name, value, path, max_age, settings)
}

/// The `Set-Cookie` value that makes the browser forget a started sign-in.
pub fn expired_state_cookie(name: &str, settings: &Settings) -> Option<HeaderValue> {
    let (name, path) = state_cookie_name(name, settings);
    cookie_header(&name, "", path, Duration::ZERO, settings)
}

fn cookie_header(
    name: &str,
    value: &str,
    path: &str,
    max_age: Duration,
    settings: &Settings,
) -> Option<HeaderValue> {
    let cookie = Cookie::build((name.to_string(), value.to_string()))
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(settings.secure_cookies())
        .path(path.to_string())
        .max_age(max_age)
        .build();
    HeaderValue::from_str(&cookie.encoded().to_string()).ok()
}

/// The started sign-ins (cookies whose names start with `prefix`) the request carries, by
/// their plain names; on https only `__Host-` ones count.
pub fn carried_states(
    headers: &HeaderMap,
    prefix: &str,
    settings: &Settings,
) -> Vec<(String, String)> {
    let secure = settings.secure_cookies();
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(Cookie::split_parse)
        .filter_map(Result::ok)
        .filter_map(|c| {
            let plain = if secure {
                c.name().strip_prefix(HOST_PREFIX)?
            } else {
                c.name()
            };
            plain
                .starts_with(prefix)
                .then(|| (plain.to_string(), c.value().to_string()))
        })
        .collect()
}

/// Put on a response to move the browser to another existing session: a repeated sign-in
/// callback whose first request made that session (see `auth::replay`).
#[derive(Clone, Copy, Debug)]
pub struct Handoff(pub Id);

/// The session cookie for `id`, exactly as [`layer`] sets it.
fn handoff_cookie(id: Id, settings: &Settings) -> Cookie<'static> {
    Cookie::build((cookie_name(settings), id.to_string()))
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
            name.is_none_or(|(name, _)| name.trim() != cookie.name())
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
    fn on_https_only_host_prefixed_state_cookies_count() {
        let secure = Settings::from_pairs([("DENGLU_PUBLIC_URL", "https://login.example.com")])
            .expect("valid settings");
        let plain = Settings::from_pairs([]).expect("valid settings");
        let mut headers = HeaderMap::new();
        headers.append(
            COOKIE,
            HeaderValue::from_static("dls_planted=x; __Host-dls_mine=y; other=z"),
        );
        assert_eq!(
            carried_states(&headers, "dls_", &secure),
            [("dls_mine".to_string(), "y".to_string())]
        );
        assert_eq!(
            carried_states(&headers, "dls_", &plain),
            [("dls_planted".to_string(), "x".to_string())]
        );
        let set = state_cookie("dls_mine", "y", &secure).expect("a cookie");
        let set = set.to_str().expect("ascii");
        assert!(set.starts_with("__Host-dls_mine=y"), "{set}");
        assert!(set.contains("Path=/;") || set.ends_with("Path=/"), "{set}");
        assert!(set.contains("Secure"), "{set}");
    }

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
