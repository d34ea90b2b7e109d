//! Denglu as an OpenID Connect provider, under load: complete sign-ins per second for
//! returning people (a site's authorize → code → token → userinfo, the person already signed in
//! at Denglu), and the server's CPU per sign-in and per token request.
//!
//! Starts the release server as a child process on a fresh SQLite database with the
//! simulator, registers a client with `denglu client add`, signs `BENCH_PEOPLE` (default 64)
//! people up through the simulated QQ, then runs `BENCH_SIGNINS` (default 4,000) sign-ins,
//! `BENCH_CONCURRENCY` (default 64) at a time. Prints figures; asserts nothing about speed.

mod common;

use std::process::Command;
use std::time::Instant;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use futures::StreamExt;
use futures::stream;
use sha2::{Digest, Sha256};

use common::{Server, cpu_seconds, env_number, location, person, start_server};

const REDIRECT: &str = "https://site.example/callback";

struct Client {
    id: String,
    secret: String,
}

fn register(server: &Server, dir: &std::path::Path) -> Client {
    let output = Command::new(env!("CARGO_BIN_EXE_denglu"))
        .current_dir(dir)
        .env("DATABASE_URL", &server.database)
        .args([
            "client",
            "add",
            "--name",
            "Bench",
            "--first-party",
            "--redirect-uri",
            REDIRECT,
        ])
        .output()
        .expect("denglu client add runs");
    let answer: serde_json::Value =
        serde_json::from_slice(&output.stdout).expect("one JSON object");
    Client {
        id: answer["client_id"].as_str().expect("an id").to_string(),
        secret: answer["client_secret"]
            .as_str()
            .expect("a secret")
            .to_string(),
    }
}

/// An authorization request with PKCE: the URL and the verifier.
fn authorize_url(base: &str, client: &Client, n: usize) -> (String, String) {
    let verifier = format!("bench-verifier-{n:040}");
    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
    let query = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("client_id", &client.id)
        .append_pair("redirect_uri", REDIRECT)
        .append_pair("response_type", "code")
        .append_pair("scope", "openid profile")
        .append_pair("state", &format!("s{n}"))
        .append_pair("nonce", &format!("n{n}"))
        .append_pair("code_challenge", &challenge)
        .append_pair("code_challenge_method", "S256")
        .finish();
    (format!("{base}/oauth/authorize?{query}"), verifier)
}

/// The code the person's browser brings back.
async fn code(browser: &reqwest::Client, url: &str) -> String {
    let back = location(&browser.get(url).send().await.expect("authorize"));
    url::Url::parse(&back)
        .expect("back at the site")
        .query_pairs()
        .find(|(k, _)| k == "code")
        .map(|(_, v)| v.into_owned())
        .expect("a code")
}

async fn token(
    site: &reqwest::Client,
    base: &str,
    client: &Client,
    code: &str,
    verifier: &str,
) -> String {
    let answer: serde_json::Value = site
        .post(format!("{base}/oauth/token"))
        .basic_auth(&client.id, Some(&client.secret))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", REDIRECT),
            ("code_verifier", verifier),
        ])
        .send()
        .await
        .expect("token")
        .json()
        .await
        .expect("JSON");
    answer["access_token"]
        .as_str()
        .expect("an access token")
        .to_string()
}

#[tokio::main]
async fn main() {
    let people = env_number("BENCH_PEOPLE", 64);
    let signins = env_number("BENCH_SIGNINS", 4_000);
    let concurrency = env_number("BENCH_CONCURRENCY", 64);
    let dir = tempfile::tempdir().expect("a temp dir");
    let server = start_server(dir.path()).await;
    let base = server.base.clone();
    let client = register(&server, dir.path());
    let browsers: Vec<reqwest::Client> = stream::iter(0..people)
        .map(|i| person(&base, i))
        // One at a time: the simulator's auto-approval answers the next authorize request.
        .buffered(1)
        .collect()
        .await;
    let site = reqwest::Client::builder()
        .pool_max_idle_per_host(concurrency)
        .build()
        .expect("a client");

    // Complete sign-ins: authorize, token, userinfo.
    let cpu_before = cpu_seconds(server.child.id());
    let started = Instant::now();
    stream::iter(0..signins)
        .map(|n| {
            let browser = &browsers[n % people];
            let (site, base, client) = (&site, &base, &client);
            async move {
                let (url, verifier) = authorize_url(base, client, n);
                let code = code(browser, &url).await;
                let access = token(site, base, client, &code, &verifier).await;
                let info = site
                    .get(format!("{base}/oauth/userinfo"))
                    .bearer_auth(access)
                    .send()
                    .await
                    .expect("userinfo");
                assert!(info.status().is_success());
            }
        })
        .buffer_unordered(concurrency)
        .collect::<Vec<()>>()
        .await;
    let elapsed = started.elapsed().as_secs_f64();
    let cpu = cpu_seconds(server.child.id()) - cpu_before;

    // Token requests alone: codes made first, then redeemed while the CPU is counted.
    let batch = signins.min(2_000);
    let codes: Vec<(String, String)> = stream::iter(0..batch)
        .map(|n| {
            let browser = &browsers[n % people];
            let (base, client) = (&base, &client);
            async move {
                let (url, verifier) = authorize_url(base, client, signins + n);
                (code(browser, &url).await, verifier)
            }
        })
        .buffer_unordered(concurrency)
        .collect()
        .await;
    let token_cpu_before = cpu_seconds(server.child.id());
    let token_started = Instant::now();
    stream::iter(codes.iter())
        .map(|(code, verifier)| token(&site, &base, &client, code, verifier))
        .buffer_unordered(concurrency)
        .collect::<Vec<String>>()
        .await;
    let token_elapsed = token_started.elapsed().as_secs_f64();
    let token_cpu = cpu_seconds(server.child.id()) - token_cpu_before;

    println!(
        "OpenID Connect sign-ins: one instance, SQLite, release build, {concurrency} at a time"
    );
    println!(
        "  returning sign-ins:  {signins} in {elapsed:.1} s = {:.0} per second (authorize, token, userinfo)",
        signins as f64 / elapsed
    );
    println!(
        "  server CPU:          {:.2} ms per sign-in",
        cpu * 1000.0 / signins as f64
    );
    println!(
        "  token requests:      {batch} in {token_elapsed:.1} s = {:.0} per second, {:.2} ms of server CPU each",
        batch as f64 / token_elapsed,
        token_cpu * 1000.0 / batch as f64
    );
}
