//! Building and running the whole application: configuration -> state -> router -> serve.
//! `main.rs` and the integration tests both start Denglu through [`Application`].

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderName, Request};
use leptos::config::LeptosOptions;
use leptos::prelude::provide_context;
use leptos_axum::{AxumRouteListing, LeptosRoutes, generate_route_list};
use tokio::net::TcpListener;
use tower::ServiceBuilder;
use tower_http::compression::CompressionLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;

use providers::Registry;

use crate::app::{App, shell};
use crate::auth::Auth;
use crate::auth::avatar::AvatarPolicy;
use crate::auth::sealing::TokenSealer;
use crate::config::simulation::{simulated_avatar_root, simulated_endpoints, simulator_config};
use crate::config::{SIMULATOR_MOUNT, Settings, local_url};
use crate::db::{Database, DbError};
use crate::defences::{self, Policies, Site};
use crate::metrics::Scrape;
use crate::oidc::Oidc;
use crate::qr::{QrLimits, QrSignIn, StreamCaps};
use crate::rate_limit::{self, RateLimits};
use crate::state::{AppState, Shared};
use crate::{client, error, metrics, routes, server_fn, session};

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The largest request body: forms of a few short fields, JSON of the simulator's control API.
const BODY_LIMIT: usize = 64 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error(transparent)]
    Database(#[from] DbError),
    #[error(transparent)]
    Oidc(crate::oidc::PrepareError),
}

pub struct Application {
    listener: TcpListener,
    router: Router,
    state: AppState,
}

impl Application {
    /// Binds the listener first, so that port 0 resolves to a real port before anything needs
    /// the public URL (the simulator's redirect_uri checks, provider callbacks).
    pub async fn build(mut settings: Settings) -> Result<Self, StartupError> {
        let listener = TcpListener::bind(settings.site_addr)
            .await
            .map_err(|source| StartupError::Bind {
                addr: settings.site_addr,
                source,
            })?;
        let address = listener.local_addr().map_err(|source| StartupError::Bind {
            addr: settings.site_addr,
            source,
        })?;
        settings.site_addr = address;
        let public_url = settings
            .public_url
            .get_or_insert_with(|| local_url(address))
            .clone();
        if settings.simulator {
            settings.endpoints = simulated_endpoints(&public_url);
        }

        let db = Database::connect(&settings).await?;
        let store = session::Store::new(
            db.conn.clone(),
            session::Lifetimes::from_settings(&settings),
        );
        store.spawn_expiry_sweeper();

        let leptos_options = LeptosOptions::builder()
            .output_name(settings.output_name.clone())
            .site_root(settings.site_root.clone())
            .site_pkg_dir(settings.site_pkg_dir.clone())
            .site_addr(address)
            .build();
        let providers = Registry::new(
            settings
                .providers
                .iter()
                .map(|p| (p.id, p.credentials.clone())),
            &settings.endpoints,
            providers::http_client_with(settings.provider_timeouts),
        );
        let auth = Arc::new(Auth::new(
            db.conn.clone(),
            providers,
            TokenSealer::from_secret(&settings.secret),
            settings.lifetimes,
            public_url.clone(),
            AvatarPolicy::new(
                settings
                    .simulator
                    .then(|| simulated_avatar_root(&public_url)),
            ),
        ));
        auth.spawn_sweeper();
        auth.spawn_audit_pruner(settings.audit_retention);
        let public_url_for_oidc = public_url.clone();
        let qr = Arc::new(QrSignIn::start(
            &db,
            auth.clone(),
            public_url,
            settings.simulator,
            QrLimits {
                streams: StreamCaps {
                    per_client: settings.limits.streams_per_client,
                    max: settings.limits.streams_max,
                },
                tickets_per_network: settings.limits.qr_tickets_per_network,
            },
        ));
        let oidc = Arc::new(Oidc::new(
            db.conn.clone(),
            auth.clone(),
            &public_url_for_oidc,
            settings.oidc.clone(),
        ));
        oidc.prepare().await.map_err(StartupError::Oidc)?;
        oidc.spawn_sweeper();
        let session_ends: Arc<dyn crate::auth::SessionEnds> = oidc.clone();
        auth.on_session_end(&session_ends);
        let assets = crate::assets::load(
            &std::path::Path::new(&settings.site_root).join(&settings.site_pkg_dir),
        );
        let state = AppState::new(Shared {
            assets: Arc::new(assets),
            leptos_options,
            db,
            auth,
            qr,
            oidc,
            settings: Arc::new(settings),
        });
        let router = router(state.clone(), store);
        Ok(Self {
            listener,
            router,
            state,
        })
    }

    pub fn address(&self) -> SocketAddr {
        self.state.settings.site_addr
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Serves until Ctrl-C or SIGTERM, finishing requests in flight, then closes the
    /// database (SQLite checkpoints its write-ahead log on the last close).
    pub async fn run(self) -> std::io::Result<()> {
        // The peer address is the client's unless a trusted proxy header says otherwise.
        let served = axum::serve(
            self.listener,
            self.router
                .into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(shutdown_signal())
        .await;
        self.state.db.close().await;
        served
    }
}

fn router(state: AppState, store: session::Store) -> Router {
    let settings = state.settings.clone();
    let leptos_routes = route_list();
    let context_state = state.clone();
    let shell_options = state.leptos_options.clone();
    let fallback_state = state.clone();
    let scrape = Scrape::new(settings.metrics.clone(), state.db.pool.clone());
    let site = Site::new(&settings);

    let mut app = routes::router()
        .leptos_routes_with_context(
            &state,
            leptos_routes,
            move || {
                provide_context(context_state.assets.clone());
                provide_context(context_state.clone());
                defences::provide_nonce();
            },
            move || shell(shell_options.clone()),
        )
        .fallback(crate::fallback::handler(fallback_state))
        .with_state(state)
        // The app's own routes only: the simulator plays other sites.
        .layer(axum::middleware::map_response(
            server_fn::answer_failures_with_their_status,
        ))
        .layer(axum::middleware::from_fn_with_state(
            site.clone(),
            defences::stay_on_site,
        ))
        .layer(axum::middleware::from_fn(routes::device::note_device));

    // The bundle and stylesheet, precompressed at build time (the `.br` or `.gz` beside each
    // file, as the browser accepts) and cached for a year under their fingerprinted names.
    let pkg = std::path::Path::new(&settings.site_root).join(&settings.site_pkg_dir);
    app = app.nest_service(
        &format!("/{}", settings.site_pkg_dir),
        ServiceBuilder::new()
            .layer(axum::middleware::from_fn(crate::assets::cache_for_assets))
            .service(
                tower_http::services::ServeDir::new(pkg)
                    .precompressed_br()
                    .precompressed_gzip(),
            ),
    );

    if settings.simulator {
        let config = simulator_config(settings.public_url.as_ref());
        app = app.nest_service(SIMULATOR_MOUNT, simulator::router(config));
    }

    let trusted_header = settings.limits.trusted_proxy_header.clone();
    let app = app
        .layer(session::layer(store, &settings))
        .layer(axum::middleware::map_response_with_state(
            settings.clone(),
            session::apply_handoff,
        ))
        .layer(axum::middleware::from_fn(error::explain_outage))
        .layer(axum::middleware::map_response(error::log_unexpected))
        // Outside the sessions: a limited request costs no session read or write.
        .layer(axum::middleware::from_fn_with_state(
            RateLimits::start(&settings.limits),
            rate_limit::enforce,
        ))
        // `/metrics` for an allowed client, answered before any session is read.
        .layer(axum::middleware::from_fn_with_state(scrape, metrics::serve))
        // Inside the request id and the client's address: audit events carry both.
        .layer(axum::middleware::from_fn(crate::audit::remember_request))
        .layer(axum::middleware::from_fn(move |request, next| {
            client::identify(trusted_header.clone(), request, next)
        }))
        // Before any work: too large a body (413), a post from another site (403).
        .layer(RequestBodyLimitLayer::new(BODY_LIMIT))
        .layer(axum::middleware::from_fn_with_state(
            site,
            defences::refuse_cross_site,
        ))
        // Every response, refusals included, carries the browser's defences.
        .layer(axum::middleware::from_fn_with_state(
            Policies::new(&settings),
            defences::content_security_policy,
        ))
        // Pages and JSON go out compressed (brotli or gzip, as the browser accepts); the
        // live-status streams are left alone, so each event arrives as it happens.
        .layer(CompressionLayer::new());
    defences::fixed_headers(app, &settings).layer(
        ServiceBuilder::new()
            // The id is ours alone: one sent by the client would let it write into our logs
            // and pass for another request.
            .map_request(|mut request: Request<Body>| {
                request.headers_mut().remove(REQUEST_ID);
                request
            })
            .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
            .layer(TraceLayer::new_for_http().make_span_with(|request: &Request<Body>| {
                let id = request
                    .headers()
                    .get(REQUEST_ID)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("-");
                // The path only: query strings carry codes, states and, for providers, secrets.
                tracing::info_span!("request", id, method = %request.method(), path = request.uri().path())
            }))
            .layer(PropagateRequestIdLayer::new(REQUEST_ID)),
    )
    // Outermost, so that every answer counts, the refusals of the layers above included.
    .layer(axum::middleware::from_fn(metrics::track_requests))
}

/// The app's routes, generated once per process. While Leptos generates them it suppresses
/// resource loading process-wide, so a page rendering at that moment in another instance in
/// the same process (the integration tests run many) would wait forever
/// (leptos-rs/leptos#4773). Every instance needs the list before it serves, so after the first
/// generation none can overlap a render.
fn route_list() -> Vec<AxumRouteListing> {
    static ROUTES: std::sync::OnceLock<Vec<AxumRouteListing>> = std::sync::OnceLock::new();
    ROUTES.get_or_init(|| generate_route_list(App)).clone()
}

async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::warn!(error = %e, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(e) => {
                tracing::warn!(error = %e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}
