//! The whole examination: every group of checks in the checklist's order.

use std::time::Duration;

use futures::future::join_all;
use providers::{ProviderId, Registry, Timeouts};
use reqwest::{Client, redirect};
use url::Url;

use super::check::{Check, Said};
use super::{clock, database, providers as provider_checks, public_url, secret};
use crate::config::simulation::simulated_endpoints;
use crate::config::{ConfigError, Environment, Settings};

/// Short: a doctor that hangs is no help.
const TIMEOUTS: Timeouts = Timeouts {
    connect: Duration::from_secs(3),
    total: Duration::from_secs(6),
};

/// The checklist and the public URL it is about.
#[derive(Debug)]
pub struct Report {
    pub site: String,
    pub checks: Vec<Check>,
}

impl Report {
    pub fn failed(&self) -> bool {
        self.checks.iter().any(Check::failed)
    }
}

/// Checks the deployment `settings` describe. Changes nothing anywhere.
pub async fn examine(mut settings: Settings) -> Report {
    let public = settings.public_base();
    let production = settings.environment == Environment::Production;
    if settings.simulator {
        settings.endpoints = simulated_endpoints(&public);
    }
    let client = Client::builder()
        .user_agent("Denglu-doctor/0.1")
        .connect_timeout(TIMEOUTS.connect)
        .timeout(TIMEOUTS.total)
        .redirect(redirect::Policy::none())
        .build()
        .expect("a reqwest client with rustls and no custom roots always builds");

    let mut checks = vec![public_url::scheme(&public, settings.public_url.is_some())];
    let (reached, seen) = public_url::reachable(&client, &public).await;
    checks.push(reached);

    checks.extend(provider_checks::simulated(&settings, &public));
    let registry = Registry::new(
        settings
            .providers
            .iter()
            .map(|p| (p.id, p.credentials.clone())),
        &settings.endpoints,
        providers::http_client_with(TIMEOUTS),
    );
    let probes = join_all(
        registry
            .configured()
            .into_iter()
            .filter_map(|id| Some((id, registry.get(id)?)))
            .map(|(id, provider)| {
                let public = public.clone();
                async move {
                    (
                        id,
                        provider_checks::credentials(id, provider, &public).await,
                    )
                }
            }),
    )
    .await;
    for id in ProviderId::ALL {
        match probes.iter().find(|(probed, _)| *probed == id) {
            Some((_, probe)) => {
                checks.push(provider_checks::callback_rule(id, &public, production));
                checks.push(probe.clone());
            }
            None => checks.push(provider_checks::not_configured(id)),
        }
    }

    checks.push(secret::check(&settings));
    checks.extend(database::check(&settings).await);

    let seen = match seen {
        Some(seen) => Some(seen),
        None => clock::observe_any(&client, &provider_bases(&settings)).await,
    };
    checks.push(clock::compare(seen.as_ref()));
    Report {
        site: public.to_string(),
        checks,
    }
}

/// The hosts the configured providers are called on, each once: other clocks to compare with.
fn provider_bases(settings: &Settings) -> Vec<Url> {
    let mut bases: Vec<Url> = Vec::new();
    for provider in &settings.providers {
        for host in provider.id.spec().hosts {
            let base = settings.endpoints.base(host);
            if !bases.contains(&base) {
                bases.push(base);
            }
        }
    }
    bases
}

/// The one line when the configuration cannot even be read.
pub fn unreadable(error: &ConfigError) -> Report {
    Report {
        site: String::from("-"),
        checks: vec![Check::fail(
            Said::new("Configuration", "配置"),
            Said::new(error.to_string(), error.to_string()),
            Said::new(
                "fix the key named above (in Leptos.toml or the environment) and run `denglu \
                 doctor` again",
                "修正上面指出的配置项（在 Leptos.toml 或环境变量中），然后再运行一次 `denglu doctor`",
            ),
        )],
    }
}
