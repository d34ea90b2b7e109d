//! Every fault the simulator can inject, on every API endpoint a flow calls,
//! ends in the right ErrorKind. Each case gets its own simulator so that cases
//! run concurrently without consuming each other's faults.

use std::time::Duration;

use providers::{ErrorKind, ProviderError, ProviderId, Timeouts};
use serde_json::{Value, json};

use crate::harness::{Sim, credentials, ok, redirect_uri, test_client};

/// The API endpoints a sign-in flow calls, per provider.
const ENDPOINTS: [(ProviderId, &str); 10] = [
    (
        ProviderId::Wechat,
        "api.weixin.qq.com/sns/oauth2/access_token",
    ),
    (ProviderId::Wechat, "api.weixin.qq.com/sns/userinfo"),
    (
        ProviderId::Wechat,
        "api.weixin.qq.com/sns/oauth2/refresh_token",
    ),
    (
        ProviderId::WechatMp,
        "api.weixin.qq.com/sns/oauth2/access_token",
    ),
    (ProviderId::Qq, "graph.qq.com/oauth2.0/token"),
    (ProviderId::Qq, "graph.qq.com/oauth2.0/me"),
    (ProviderId::Qq, "graph.qq.com/user/get_user_info"),
    (ProviderId::Weibo, "api.weibo.com/oauth2/access_token"),
    (ProviderId::Weibo, "api.weibo.com/oauth2/get_token_info"),
    (ProviderId::Weibo, "api.weibo.com/2/users/show.json"),
];

/// Code, tokens, profile, and refresh where the provider has refresh tokens.
async fn flow(
    sim: &Sim,
    id: ProviderId,
    client: reqwest::Client,
    fault: Option<(&str, Value)>,
) -> Result<(), ProviderError> {
    let provider = sim.provider_with(id, credentials(id), client);
    let code = sim.code(provider.as_ref(), 0).await;
    if let Some((endpoint, spec)) = fault {
        sim.fault(endpoint, spec).await;
    }
    let tokens = provider.exchange_code(&code, &redirect_uri(id)).await?;
    let profile = provider.fetch_profile(&tokens).await?;
    assert_eq!(profile.provider, id);
    if let Some(refresh) = &tokens.refresh_token {
        provider.refresh(refresh).await?;
    }
    Ok(())
}

/// Runs the flow once per endpoint with `spec` injected there, each on its own
/// simulator, concurrently; returns the outcomes in `ENDPOINTS` order.
async fn each_endpoint(
    spec: impl Fn(ProviderId, &str) -> Value,
    client: impl Fn() -> reqwest::Client,
) -> Vec<(ProviderId, &'static str, Result<(), ProviderError>)> {
    let mut tasks = Vec::new();
    for (id, endpoint) in ENDPOINTS {
        let spec = spec(id, endpoint);
        let client = client();
        tasks.push(tokio::spawn(async move {
            let sim = Sim::start().await;
            let outcome = flow(&sim, id, client, Some((endpoint, spec))).await;
            (id, endpoint, outcome)
        }));
    }
    let mut outcomes = Vec::new();
    for task in tasks {
        outcomes.push(task.await.expect("a flow task never panics"));
    }
    outcomes
}

fn assert_all(
    outcomes: &[(ProviderId, &str, Result<(), ProviderError>)],
    expected: impl Fn(ProviderId, &str) -> ErrorKind,
) {
    for (id, endpoint, outcome) in outcomes {
        let want = expected(*id, endpoint);
        match outcome {
            Ok(()) => panic!("{id} {endpoint}: expected {want:?}, got success"),
            Err(e) => assert_eq!(e.kind(), want, "{id} {endpoint}: {e}"),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_unfaulted_flow_succeeds_everywhere() {
    for id in ProviderId::ALL {
        let sim = Sim::start().await;
        ok(flow(&sim, id, test_client(), None).await);
    }
}

/// Provider error codes, chosen per endpoint to cover every classification.
fn error_case(id: ProviderId, endpoint: &str) -> (i64, ErrorKind) {
    match (id, endpoint.rsplit('/').next().unwrap_or_default()) {
        (ProviderId::Wechat, "access_token") => (40029, ErrorKind::InvalidCode),
        (ProviderId::Wechat, "userinfo") => (42001, ErrorKind::TokenExpired),
        (ProviderId::Wechat, "refresh_token") => (42002, ErrorKind::TokenInvalid),
        (ProviderId::WechatMp, _) => (40164, ErrorKind::Misconfigured),
        (ProviderId::Qq, "token") => (100020, ErrorKind::InvalidCode),
        (ProviderId::Qq, "me") => (100050, ErrorKind::Refused),
        (ProviderId::Qq, _) => (100030, ErrorKind::Cancelled),
        (ProviderId::Weibo, "access_token") => (21331, ErrorKind::Unavailable),
        (ProviderId::Weibo, "get_token_info") => (21324, ErrorKind::Misconfigured),
        (ProviderId::Weibo, _) => (21327, ErrorKind::TokenExpired),
        _ => (-1, ErrorKind::Unavailable),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn injected_provider_errors_keep_their_code_and_are_classified() {
    let outcomes = each_endpoint(
        |id, ep| json!({ "kind": "error", "code": error_case(id, ep).0 }),
        test_client,
    )
    .await;
    assert_all(&outcomes, |id, ep| error_case(id, ep).1);
    for (id, endpoint, outcome) in &outcomes {
        let code = outcome.as_ref().err().and_then(ProviderError::code);
        assert_eq!(code, Some(error_case(*id, endpoint).0), "{id} {endpoint}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rate_limits_are_unavailable() {
    let cases = [
        (
            ProviderId::Wechat,
            "api.weixin.qq.com/sns/oauth2/access_token",
            45011,
        ),
        (ProviderId::Weibo, "api.weibo.com/2/users/show.json", 10004),
    ];
    for (id, endpoint, code) in cases {
        let sim = Sim::start().await;
        let outcome = flow(
            &sim,
            id,
            test_client(),
            Some((endpoint, json!({ "kind": "error", "code": code }))),
        )
        .await;
        assert_eq!(
            outcome.err().map(|e| (e.kind(), e.code())),
            Some((ErrorKind::Unavailable, Some(code)))
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gateway_statuses_are_unavailable() {
    let outcomes = each_endpoint(
        |_, _| json!({ "kind": "status", "status": 503 }),
        test_client,
    )
    .await;
    assert_all(&outcomes, |_, _| ErrorKind::Unavailable);
    let outcomes = each_endpoint(
        |_, _| json!({ "kind": "status", "status": 429 }),
        test_client,
    )
    .await;
    assert_all(&outcomes, |_, _| ErrorKind::Unavailable);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_endpoint_is_misconfiguration() {
    let outcomes = each_endpoint(
        |_, _| json!({ "kind": "status", "status": 404 }),
        test_client,
    )
    .await;
    assert_all(&outcomes, |_, _| ErrorKind::Misconfigured);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn html_instead_of_an_answer_is_malformed() {
    let outcomes = each_endpoint(|_, _| json!({ "kind": "malformed" }), test_client).await;
    assert_all(&outcomes, |_, _| ErrorKind::Malformed);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn truncated_answers_are_malformed() {
    let outcomes = each_endpoint(|_, _| json!({ "kind": "truncated" }), test_client).await;
    assert_all(&outcomes, |_, _| ErrorKind::Malformed);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropped_connections_are_unavailable() {
    let outcomes = each_endpoint(|_, _| json!({ "kind": "drop" }), test_client).await;
    assert_all(&outcomes, |_, _| ErrorKind::Unavailable);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn numbers_sent_as_strings_change_nothing() {
    let outcomes = each_endpoint(|_, _| json!({ "kind": "string_numbers" }), test_client).await;
    for (id, endpoint, outcome) in outcomes {
        if let Err(e) = outcome {
            panic!("{id} {endpoint}: {e}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_providers_time_out_as_unavailable() {
    let short = || {
        providers::http_client_with(Timeouts {
            connect: Duration::from_secs(1),
            total: Duration::from_millis(800),
        })
    };
    let started = std::time::Instant::now();
    let outcomes = each_endpoint(|_, _| json!({ "kind": "delay", "delay_ms": 3000 }), short).await;
    assert_all(&outcomes, |_, _| ErrorKind::Unavailable);
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "timeouts were not applied"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_short_delay_within_the_timeout_is_fine() {
    let sim = Sim::start().await;
    let spec = json!({ "kind": "delay", "delay_ms": 200 });
    ok(flow(
        &sim,
        ProviderId::Qq,
        test_client(),
        Some(("graph.qq.com/oauth2.0/me", spec)),
    )
    .await);
}
