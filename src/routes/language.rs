//! `GET /lang/{tag}?next=/path`: the language switch. A plain link, so it works before the
//! wasm has loaded; it remembers the choice in a cookie and goes back to the page.

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::HeaderValue;
use axum::http::header::SET_COOKIE;
use axum::response::Response;
use axum::routing::get;
use serde::Deserialize;
use std::sync::Arc;

use crate::auth::next_path::NextPath;
use crate::config::Settings;
use crate::error::AppError;
use crate::i18n::{LANG_COOKIE, Locale};
use crate::routes::redirect;
use crate::state::AppState;

const ONE_YEAR_SECS: u32 = 365 * 24 * 3600;

pub fn routes() -> Router<AppState> {
    Router::new().route("/lang/{tag}", get(switch_language))
}

#[derive(Deserialize)]
struct SwitchQuery {
    next: Option<String>,
}

#[tracing::instrument(skip_all)]
async fn switch_language(
    Path(tag): Path<String>,
    Query(query): Query<SwitchQuery>,
    State(settings): State<Arc<Settings>>,
) -> Result<Response, AppError> {
    let locale = Locale::parse(&tag)
        .ok_or_else(|| AppError::BadRequest(format!("unsupported language `{tag}`")))?;
    let next = NextPath::parse_or(query.next.as_deref(), "/login");
    let secure = if settings.secure_cookies() {
        "; Secure"
    } else {
        ""
    };
    let cookie = format!(
        "{LANG_COOKIE}={}; Path=/; Max-Age={ONE_YEAR_SECS}; SameSite=Lax; HttpOnly{secure}",
        locale.tag()
    );
    let cookie = HeaderValue::from_str(&cookie).map_err(|e| AppError::Unexpected(e.into()))?;
    let mut response = redirect::see_other(next.as_str());
    response.headers_mut().insert(SET_COOKIE, cookie);
    Ok(response)
}
