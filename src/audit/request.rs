//! The request an event happens in: its id, the client's address and browser. A layer puts
//! them in a task-local for the request's handler, so that `auth`, `qr` and `oidc` record
//! events without threading the request through every call; work a request spawns takes them
//! along with [`carry`].

use std::future::Future;
use std::net::IpAddr;

use axum::extract::Request;
use axum::middleware::Next;
use axum::response::Response;
use http::HeaderValue;

use crate::client::ClientAddr;

/// Where an event came from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RequestMeta {
    pub request_id: Option<String>,
    pub client: Option<String>,
    pub agent: Option<String>,
}

/// What the layer keeps for every request: the header values (shared bytes, no copy) and the
/// address. They become text only when an event is recorded, not on every request.
#[derive(Debug, Clone, Default)]
struct Captured {
    request_id: Option<HeaderValue>,
    client: Option<IpAddr>,
    agent: Option<HeaderValue>,
}

tokio::task_local! {
    static CURRENT: Captured;
}

impl Captured {
    fn of(headers: &http::HeaderMap, extensions: &http::Extensions) -> Captured {
        Captured {
            request_id: headers.get("x-request-id").cloned(),
            client: extensions.get::<ClientAddr>().map(|ClientAddr(ip)| *ip),
            agent: headers.get(http::header::USER_AGENT).cloned(),
        }
    }

    /// The task-local the layer set, or, in work Leptos runs on a task of its own (a resource
    /// rendered with the page), the request Leptos keeps in context; nothing for a command or
    /// a sweeper.
    fn current() -> Captured {
        CURRENT
            .try_with(Clone::clone)
            .ok()
            .or_else(|| {
                leptos::prelude::use_context::<http::request::Parts>()
                    .map(|parts| Captured::of(&parts.headers, &parts.extensions))
            })
            .unwrap_or_default()
    }
}

impl RequestMeta {
    /// The current request's, as text bounded to the audit log's columns.
    pub fn current() -> RequestMeta {
        let Captured {
            request_id,
            client,
            agent,
        } = Captured::current();
        let text = |value: Option<HeaderValue>, max: usize| {
            value
                .and_then(|v| v.to_str().ok().map(str::to_owned))
                .map(|text| super::event::bounded(text, max))
        };
        RequestMeta {
            request_id: text(request_id, 64),
            client: client.map(|ip| ip.to_string()),
            agent: text(agent, 256),
        }
    }
}

/// Runs the rest of the request with its meta at hand. Inside the request-id and
/// client-address layers.
pub async fn remember_request(request: Request, next: Next) -> Response {
    let captured = Captured::of(request.headers(), request.extensions());
    CURRENT.scope(captured, next.run(request)).await
}

/// `work` with the current request's meta, for a task spawned from the request.
pub fn carry<F: Future>(work: F) -> impl Future<Output = F::Output> {
    CURRENT.scope(Captured::current(), work)
}
