//! Structured logs. `RUST_LOG` overrides the default filter.

use tracing_subscriber::EnvFilter;

pub fn init() {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| {
        EnvFilter::new("info,denglu=debug,sqlx=warn,sea_orm=warn,tower_sessions=warn")
    });
    // `try_init`: the integration tests start several apps in one process.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        .try_init();
}
