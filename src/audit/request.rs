//! The request an event happens in: its id, the client's address and browser. A layer puts
//! them in a task-local for the request's handler, so that `auth`, `qr` and `oidc` record
//! events without threading the request through every call; work a request spawns takes them
//! along with [`carry`].

use std::future::Future;

use axum::extract::Request;
use axum::middleware::Next;
use axum::response::Response;

use crate::client::ClientAddr;

/// Where an event came from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RequestMeta {
    pub request_id: Option<String>,
    pub client: Option<String>,
    pub agent: Option<String>,
}

tokio::task_local! {
    static CURRENT: RequestMeta;
}

impl RequestMeta {
    /// The current request's: the task-local the layer set, or, in work Leptos runs on a task
    /// of its own (a resource rendered with the page), the request Leptos keeps in context;
    /// nothing for a command or a sweeper.
    pub fn current() -> RequestMeta {
        CURRENT
            .try_with(Clone::clone)
            .ok()
            .or_else(|| {
                leptos::prelude::use_context::<http::request::Parts>()
                    .map(|parts| RequestMeta::of(&parts.headers, &parts.extensions))
            })
            .unwrap_or_default()
    }
}

/// Runs the rest of the request with its meta at hand. Inside the request-id and
/// client-address layers.
pub async fn remember_request(request: Request, next: Next) -> Response {
    let meta = RequestMeta::of(request.headers(), request.extensions());
    CURRENT.scope(meta, next.run(request)).await
}

impl RequestMeta {
    fn of(headers: &http::HeaderMap, extensions: &http::Extensions) -> RequestMeta {
        let header = |name: &str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        RequestMeta {
            request_id: header("x-request-id").map(|id| super::event::bounded(id, 64)),
            client: extensions
                .get::<ClientAddr>()
                .map(|ClientAddr(ip)| ip.to_string()),
            agent: header("user-agent").map(|agent| super::event::bounded(agent, 256)),
        }
    }
}

/// `work` with the current request's meta, for a task spawned from the request.
pub fn carry<F: Future>(work: F) -> impl Future<Output = F::Output> {
    CURRENT.scope(RequestMeta::current(), work)
}
