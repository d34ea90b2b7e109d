//! Structured logs. `RUST_LOG` overrides the default filter.

use tracing_subscriber::EnvFilter;

fn filter() -> EnvFilter {
    EnvFilter::try_from_default_env().unwrap_or_else(|_| {
        EnvFilter::new("info,denglu=debug,sqlx=warn,sea_orm=warn,tower_sessions=warn")
    })
}

pub fn init() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter())
        .with_target(false)
        .try_init();
}

/// For the integration tests: logs go through the test harness's capture, so a passing test
/// is quiet and a failing one shows its own log. `try_init`: many apps start in one process.
pub fn init_for_tests() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter())
        .with_target(false)
        .with_test_writer()
        .try_init();
}
