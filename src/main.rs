//! The server entry point: it only wires configuration -> application -> serve.

/// mimalloc rather than the system's malloc: a sign-in allocates often, on several threads.
#[cfg(feature = "ssr")]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[cfg(feature = "ssr")]
#[tokio::main]
async fn main() -> std::process::ExitCode {
    use clap::Parser;
    use denglu::cli::{Cli, Command};
    use denglu::config::Settings;
    use denglu::server::Application;
    use std::process::ExitCode;

    let cli = Cli::parse();
    let settings = match Settings::load() {
        Ok(settings) => settings,
        Err(e) => {
            if let Some(Command::Doctor { lang }) = cli.command {
                return ExitCode::from(denglu::cli::doctor_without_settings(lang, &e));
            }
            eprintln!("denglu: configuration error: {e}");
            return ExitCode::from(2);
        }
    };
    // A management command prints its one answer and exits.
    if let Some(command) = cli.command.filter(|c| !matches!(c, Command::Serve)) {
        return ExitCode::from(denglu::cli::run(command, settings).await);
    }
    denglu::telemetry::init();
    let simulated = settings.simulator;
    let app = match Application::build(settings).await {
        Ok(app) => app,
        Err(e) => {
            eprintln!("denglu: cannot start: {e}");
            return ExitCode::FAILURE;
        }
    };
    let url = app
        .state()
        .settings
        .public_url
        .as_ref()
        .map(|u| u.to_string())
        .unwrap_or_default();
    println!(
        "Denglu is running at {url}login (listening on {})",
        app.address()
    );
    if simulated {
        println!("Simulated providers: {}_sim/", url);
    }
    match app.run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("denglu: server error: {e}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(not(feature = "ssr"))]
fn main() {
    // The server needs the `ssr` feature; the browser side is the library's `hydrate()`.
}
