//! Avatars the simulator draws itself, so no page ever needs the internet.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

use crate::core::state::Shared;
use crate::core::web::{escape_html, typed};

const COLOURS: [&str; 6] = [
    "#07c160", "#12b7f5", "#e6162d", "#fa9d3b", "#6467f0", "#10aeb5",
];

#[derive(Deserialize)]
pub struct Size {
    size: Option<u32>,
}

/// `GET {root}/avatar/{id}.svg[?size=N]`: a coloured square with the nickname's first letter.
pub async fn avatar(
    State(state): State<Shared>,
    Path(file): Path<String>,
    Query(size): Query<Size>,
) -> Response {
    let user = file
        .strip_suffix(".svg")
        .and_then(|id| id.parse::<u64>().ok())
        .and_then(|id| state.users.get(id));
    let Some(user) = user else {
        return typed(
            StatusCode::NOT_FOUND,
            "text/plain; charset=utf-8",
            "no such avatar",
        );
    };
    let size = size.size.unwrap_or(132).clamp(16, 640);
    let initial: String = user
        .nickname
        .chars()
        .next()
        .map(String::from)
        .unwrap_or_default();
    let colour = COLOURS[(user.id % COLOURS.len() as u64) as usize];
    let body = format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="{size}" height="{size}" viewBox="0 0 100 100"><rect width="100" height="100" fill="{colour}"/><text x="50" y="66" font-size="48" text-anchor="middle" fill="#fff" font-family="sans-serif">{}</text></svg>"##,
        escape_html(&initial)
    );
    let mut response = typed(StatusCode::OK, "image/svg+xml", body);
    response.headers_mut().insert(
        axum::http::header::CACHE_CONTROL,
        axum::http::HeaderValue::from_static("public, max-age=3600"),
    );
    response
}
