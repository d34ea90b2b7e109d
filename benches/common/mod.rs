//! What the benchmarks share: the release server as a child process on a fresh SQLite
//! database with the simulator (its memory and CPU measured apart from the load generator).
#![allow(dead_code)]

use std::process::{Child, Command, Stdio};
use std::time::Duration;

pub struct Server {
    pub child: Child,
    pub base: String,
    /// The database it runs on, for a command run beside it.
    pub database: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn env_number(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free local port")
}

/// Every request of a benchmark comes from this one address, thousands a minute: the limits
/// per address and per session, and the cap on live-status streams per client, would stop it.
const ONE_ADDRESS_ALLOWANCES: [(&str, &str); 6] = [
    ("DENGLU_LIMIT_SIGNIN_PER_ADDRESS", "100000000"),
    ("DENGLU_LIMIT_SIGNIN_PER_SESSION", "100000000"),
    ("DENGLU_LIMIT_FORMS_PER_ADDRESS", "100000000"),
    ("DENGLU_LIMIT_FORMS_PER_SESSION", "100000000"),
    ("DENGLU_STREAMS_PER_CLIENT", "1000000"),
    ("DENGLU_STREAMS_MAX", "1000000"),
];

pub async fn start_server(dir: &std::path::Path) -> Server {
    start_server_with(dir, &[]).await
}

/// The server with extra configuration (environment variables).
pub async fn start_server_with(dir: &std::path::Path, extra: &[(&str, &str)]) -> Server {
    let port = free_port();
    let database = std::env::var("DATABASE_URL")
        .unwrap_or_else(|_| format!("sqlite://{}?mode=rwc", dir.join("bench.db").display()));
    let log_filter = std::env::var("BENCH_RUST_LOG").ok();
    let child = Command::new(env!("CARGO_BIN_EXE_denglu"))
        .current_dir(dir)
        .env("LEPTOS_SITE_ADDR", format!("127.0.0.1:{port}"))
        .env("DATABASE_URL", &database)
        .env("DENGLU_SIMULATOR", "1")
        .envs(ONE_ADDRESS_ALLOWANCES)
        .envs(extra.iter().copied())
        // `BENCH_RUST_LOG=sqlx=debug`, say, shows what the server does (on this terminal).
        .env("RUST_LOG", log_filter.as_deref().unwrap_or("error"))
        .stdout(if log_filter.is_some() {
            Stdio::inherit()
        } else {
            Stdio::null()
        })
        .spawn()
        .expect("the server starts");
    let server = Server {
        child,
        base: format!("http://127.0.0.1:{port}"),
        database,
    };
    let client = reqwest::Client::new();
    for _ in 0..200 {
        if client
            .get(format!("{}/healthz", server.base))
            .send()
            .await
            .is_ok_and(|r| r.status().is_success())
        {
            return server;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the server did not answer /healthz");
}

pub fn resident_mib(pid: u32) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let kib: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0.0);
    kib / 1024.0
}

/// The provider simulator on a port of its own, in this (the load generator's) process, so
/// that its work does not count in the server's CPU; answers its base URL.
pub async fn start_simulator() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a local port");
    let base = format!("http://{}", listener.local_addr().expect("an address"));
    let mut config = simulator::SimConfig::from_env();
    config.public_base = Some(base.clone());
    config.callback_domains.push("127.0.0.1".to_string());
    tokio::spawn(async move {
        axum::serve(listener, simulator::router(config))
            .await
            .expect("the simulator serves")
    });
    base
}

/// The server's configuration for QQ at the simulator `sim` (the simulator's own app), as a
/// deployment talks to the real QQ.
pub fn qq_at(sim: &str) -> Vec<(&'static str, String)> {
    vec![
        ("DENGLU_SIMULATOR", "0".to_string()),
        ("QQ_APPID", simulator::QQ_APPID.to_string()),
        ("QQ_APPKEY", simulator::QQ_APPKEY.to_string()),
        ("QQ_BASE", format!("{sim}/graph.qq.com")),
        // Real providers want a real key: the development one is public.
        (
            "DENGLU_SECRET",
            "bench-secret-4f1c9e2a7b6d3058e1a9c4b7d2f6e830".to_string(),
        ),
    ]
}

/// The CPU time (user + system) process `pid` has used, in seconds.
pub fn cpu_seconds(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // Fields after the command name (which may hold spaces) start after its closing ')'.
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest.split_whitespace().collect())
        .unwrap_or_default();
    let ticks = |index: usize| {
        fields
            .get(index)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    // utime and stime are fields 14 and 15 of the whole line: 11 and 12 after the name.
    (ticks(11) + ticks(12)) / clock_ticks_per_second()
}

fn clock_ticks_per_second() -> f64 {
    Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(100.0)
}

/// A browser: keeps cookies, follows no redirect (each hop is looked at).
pub fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("a client")
}

pub fn location(response: &reqwest::Response) -> String {
    response
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_else(|| {
            panic!(
                "a redirect from {}, got {}",
                response.url(),
                response.status()
            )
        })
        .to_string()
}

/// A new person, signed up through the simulated QQ; returns their browser.
pub async fn person(base: &str, index: usize) -> reqwest::Client {
    person_at(base, &format!("{base}/_sim"), index).await
}

/// [`person`], with the simulator at `sim` (its own server rather than the app's mount).
pub async fn person_at(base: &str, sim: &str, index: usize) -> reqwest::Client {
    let browser = browser();
    let user: serde_json::Value = browser
        .post(format!("{sim}/control/users"))
        .json(&serde_json::json!({"nickname": format!("Bench {index}")}))
        .send()
        .await
        .expect("a simulator user")
        .json()
        .await
        .expect("JSON");
    browser
        .post(format!("{sim}/control/auto-approve"))
        .json(&serde_json::json!({"provider": "qq", "user": user["id"]}))
        .send()
        .await
        .expect("auto-approve");
    let mut url = format!("{base}/auth/qq/start");
    for _ in 0..3 {
        let response = browser.get(&url).send().await.expect("a hop");
        let next = location(&response);
        url = if next.starts_with('/') {
            format!("{base}{next}")
        } else {
            next
        };
    }
    assert!(
        url.ends_with("/signup"),
        "a first visit completes a profile: {url}"
    );
    let done = browser
        .post(format!("{base}/api/signup/complete"))
        .header("accept", "application/json")
        .form(&[
            ("username", format!("bench{index}")),
            ("display_name", format!("Bench {index}")),
            ("email", String::new()),
        ])
        .send()
        .await
        .expect("the profile is sent");
    assert!(done.status().is_success(), "signed up: {}", done.status());
    browser
}
