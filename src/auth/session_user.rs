//! Who is signed in, as recorded in the server-side session.

use tower_sessions::Session;

const USER_ID: &str = "user_id";

/// The signed-in user's id, if any. A store failure reads as "not signed in" and is logged.
pub async fn current_user_id(session: &Session) -> Option<i64> {
    match session.get::<i64>(USER_ID).await {
        Ok(id) => id,
        Err(e) => {
            tracing::warn!(error = %e, "could not read the session");
            None
        }
    }
}

/// Signs `user_id` in, with a fresh session id so a planted id is never promoted (fixation).
pub async fn sign_in(
    session: &Session,
    user_id: i64,
) -> Result<(), tower_sessions::session::Error> {
    session.cycle_id().await?;
    session.insert(USER_ID, user_id).await
}

/// Signs out: the session is deleted from the store and the cookie expires.
pub async fn sign_out(session: &Session) -> Result<(), tower_sessions::session::Error> {
    session.flush().await
}
