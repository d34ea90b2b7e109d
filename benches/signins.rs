//! Returning sign-ins under load: what one instance serves when people who already have an
//! account sign in again with QQ, the way a browser does (start, the provider's consent page,
//! its answer, our callback), and the server's CPU per sign-in.
//!
//! Starts the release server as a child process on a fresh SQLite database, with QQ at the
//! provider simulator, which runs in this process on a port of its own (as QQ would be
//! another machine: its pages and token and profile endpoints are not the server's CPU), signs
//! `BENCH_PEOPLE` (default 64)
//! people up, then runs `BENCH_SIGNINS` (default 4,000) sign-ins, each in a fresh browser,
//! `BENCH_CONCURRENCY` (default 64) at a time. Prints figures; asserts nothing about speed.

mod common;

use std::time::Instant;

use futures::StreamExt;
use futures::stream;

use common::{
    browser, cpu_seconds, env_number, location, person_at, qq_at, start_server_with,
    start_simulator,
};

/// The absolute URL of a redirect's target.
fn absolute(base: &str, target: String) -> String {
    if target.starts_with('/') {
        format!("{base}{target}")
    } else {
        target
    }
}

/// One returning sign-in as simulator user `user`, in a browser with no cookies yet.
async fn sign_in(base: &str, sim: &str, user: &str) {
    let browser = browser();
    let start = browser
        .get(format!("{base}/auth/qq/start"))
        .send()
        .await
        .expect("start");
    let authorize = absolute(base, location(&start));
    let page = browser
        .get(&authorize)
        .send()
        .await
        .expect("the consent page")
        .text()
        .await
        .expect("HTML");
    // The consent form posts to the simulator's `/consent/{ticket}`.
    let action = page
        .split("action=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("a consent form")
        .replace("&amp;", "&");
    let approved = browser
        .post(absolute(sim, action))
        .form(&[("user", user)])
        .send()
        .await
        .expect("consent");
    let callback = absolute(base, location(&approved));
    let landed = browser.get(&callback).send().await.expect("callback");
    assert_eq!(
        location(&landed),
        "/account",
        "a returning person is signed in"
    );
}

#[tokio::main]
async fn main() {
    let people = env_number("BENCH_PEOPLE", 64);
    let signins = env_number("BENCH_SIGNINS", 4_000);
    let concurrency = env_number("BENCH_CONCURRENCY", 64);
    let dir = tempfile::tempdir().expect("a temp dir");
    let sim = start_simulator().await;
    let env = qq_at(&sim);
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let server = start_server_with(dir.path(), &env).await;
    let base = server.base.clone();
    // Sign people up one at a time (the simulator's auto-approval answers the next request).
    for i in 0..people {
        person_at(&base, &sim, i).await;
    }
    let listed: Vec<serde_json::Value> = reqwest::get(format!("{sim}/control/users"))
        .await
        .expect("the simulator's users")
        .json()
        .await
        .expect("JSON");
    let ids: Vec<String> = listed
        .iter()
        .filter(|u| {
            u["nickname"]
                .as_str()
                .is_some_and(|n| n.starts_with("Bench "))
        })
        .map(|u| u["id"].to_string())
        .collect();
    assert_eq!(ids.len(), people, "every person is a simulator user");

    let cpu_before = cpu_seconds(server.child.id());
    let started = Instant::now();
    stream::iter(0..signins)
        .map(|n| {
            let (base, sim, user) = (&base, &sim, &ids[n % ids.len()]);
            async move { sign_in(base, sim, user).await }
        })
        .buffer_unordered(concurrency)
        .collect::<Vec<()>>()
        .await;
    let elapsed = started.elapsed().as_secs_f64();
    let cpu = cpu_seconds(server.child.id()) - cpu_before;

    println!(
        "Returning sign-ins with QQ: one instance, SQLite, release build, {concurrency} at a time, QQ simulated in another process"
    );
    println!(
        "  sign-ins:    {signins} in {elapsed:.1} s = {:.0} per second (start, consent page, consent, callback)",
        signins as f64 / elapsed
    );
    println!(
        "  server CPU:  {:.2} ms per sign-in (the server alone: the provider's pages and endpoints are the simulator's)",
        cpu * 1000.0 / signins as f64
    );
}
