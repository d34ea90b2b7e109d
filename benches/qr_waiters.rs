//! How many desktop pages waiting on a QR login ticket one instance holds, at what memory,
//! and how long a confirmation on the phone takes to reach the waiting desktop.
//!
//! Starts the release server as a child process (so its memory is measured apart from this
//! load generator) on a fresh SQLite database with the simulator, opens `BENCH_WAITERS`
//! (default 10,000) server-sent event streams, each from its own session and ticket, reads the
//! server's resident memory, then runs `BENCH_CONFIRMS` (default 20) phone flows and times
//! each confirm until its desktop stream says `confirmed`. Prints figures; asserts nothing
//! about speed. `make bench` runs it; `DATABASE_URL` points it at PostgreSQL instead.

mod common;

use std::time::{Duration, Instant};

use common::{env_number, resident_mib, start_server_with};

use futures::StreamExt;
use futures::stream;
use reqwest::header::{COOKIE, SET_COOKIE, USER_AGENT};

const WECHAT_UA: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 \
    (KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.50(0x1800323c) NetType/WIFI Language/zh_CN";

/// The header the server is told its proxy writes: every desktop comes from a network of its
/// own, as people do (a network holds only thirty live tickets at once by default).
const PROXY_HEADER: &str = "x-forwarded-for";

/// Desktop `n`'s address, in a /24 of its own.
fn desktop_address(n: usize) -> String {
    format!("10.{}.{}.7", (n >> 8) & 0xff, n & 0xff)
}

/// A desktop as its page holds it, made by the page's own server function.
struct Desktop {
    cookie: String,
    ticket: String,
    /// The number the page shows, which the phone picks to confirm.
    code: String,
}

async fn new_desktop(client: &reqwest::Client, base: &str, n: usize) -> Desktop {
    let response = client
        .post(format!("{base}/api/qr/ticket"))
        .header("accept", "application/json")
        .header(PROXY_HEADER, desktop_address(n))
        .send()
        .await
        .expect("a ticket");
    assert!(
        response.status().is_success(),
        "a ticket, not {}",
        response.status()
    );
    let cookie = response
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("denglu_session="))
        .and_then(|c| c.split(';').next())
        .expect("a session cookie")
        .to_string();
    let ticket: serde_json::Value = response.json().await.expect("JSON");
    let text = |field: &str| {
        ticket[field]
            .as_str()
            .unwrap_or_else(|| panic!("a ticket's {field}"))
            .to_string()
    };
    Desktop {
        cookie,
        ticket: text("id"),
        code: text("code"),
    }
}

/// Opens the desktop's event stream and waits for its first status.
async fn open_stream(
    client: &reqwest::Client,
    base: &str,
    cookie: &str,
    ticket: &str,
) -> reqwest::Response {
    let mut response = client
        .get(format!("{base}/auth/qr/{ticket}/events"))
        .header(COOKIE, cookie)
        .send()
        .await
        .expect("the event stream opens");
    let first = response
        .chunk()
        .await
        .expect("a first event")
        .expect("the stream is open");
    assert!(String::from_utf8_lossy(&first).contains("waiting"));
    response
}

/// Reads the stream until `status` arrives.
async fn wait_for(stream: &mut reqwest::Response, status: &str) {
    let mut seen = String::new();
    while !seen.contains(&format!("data: {status}")) {
        let chunk = stream
            .chunk()
            .await
            .expect("the stream stays open")
            .expect("more events");
        seen.push_str(&String::from_utf8_lossy(&chunk));
    }
}

/// The phone's part: scan, authorise (auto-approved in the simulator), and return its client.
async fn phone_authorises(base: &str, ticket: &str) -> reqwest::Client {
    let phone = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("a client");
    phone
        .post(format!("{base}/_sim/control/auto-approve"))
        .json(&serde_json::json!({"provider": "wechat_mp", "user": 1}))
        .send()
        .await
        .expect("auto-approve");
    let mut url = format!("{base}/qr/{ticket}");
    for _ in 0..3 {
        let response = phone
            .get(&url)
            .header(USER_AGENT, WECHAT_UA)
            .send()
            .await
            .expect("a hop");
        let location = response.headers()["location"]
            .to_str()
            .expect("a location")
            .to_string();
        url = if location.starts_with('/') {
            format!("{base}{location}")
        } else {
            location
        };
    }
    assert!(
        url.contains("/confirm"),
        "the phone reaches the confirmation page: {url}"
    );
    phone
}

#[tokio::main]
async fn main() {
    let waiters = env_number("BENCH_WAITERS", 10_000);
    let confirms = env_number("BENCH_CONFIRMS", 20);
    let dir = tempfile::tempdir().expect("a temp dir");
    let server =
        start_server_with(dir.path(), &[("DENGLU_TRUSTED_PROXY_HEADER", PROXY_HEADER)]).await;
    let base = server.base.clone();
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(64)
        .build()
        .expect("a client");
    let idle_mib = resident_mib(server.child.id());

    let started = Instant::now();
    let desktops: Vec<Desktop> = stream::iter(0..waiters)
        .map(|n| new_desktop(&client, &base, n))
        .buffer_unordered(64)
        .collect()
        .await;
    let made = started.elapsed();

    let started = Instant::now();
    let mut streams: Vec<reqwest::Response> = stream::iter(desktops.iter())
        .map(|desktop| {
            // Each waiting page holds its own connection, as browsers do.
            let own = reqwest::Client::builder().build().expect("a client");
            let base = base.clone();
            async move { open_stream(&own, &base, &desktop.cookie, &desktop.ticket).await }
        })
        // In order: stream `i` is desktop `i`'s, which the confirmations below rely on.
        .buffered(256)
        .collect()
        .await;
    let opened = started.elapsed();
    tokio::time::sleep(Duration::from_secs(2)).await;
    let busy_mib = resident_mib(server.child.id());

    println!("QR waiters: one instance, SQLite, release build");
    println!(
        "  tickets made:        {waiters} in {:.1} s",
        made.as_secs_f64()
    );
    println!(
        "  streams open:        {} in {:.1} s",
        streams.len(),
        opened.as_secs_f64()
    );
    println!(
        "  server memory:       {idle_mib:.0} MiB idle, {busy_mib:.0} MiB with every page waiting"
    );
    println!(
        "  per waiting page:    {:.1} KiB",
        (busy_mib - idle_mib) * 1024.0 / waiters.max(1) as f64
    );

    // Confirmations while every other page keeps waiting.
    let mut latencies = Vec::with_capacity(confirms);
    for (index, Desktop { ticket, code, .. }) in desktops.iter().take(confirms).enumerate() {
        let phone = phone_authorises(&base, ticket).await;
        wait_for(&mut streams[index], "scanned").await;
        let sent = Instant::now();
        let decision = phone
            .post(format!("{base}/api/qr/decide"))
            .header("accept", "application/json")
            .form(&[
                ("ticket", ticket.as_str()),
                ("decision", "confirm"),
                ("code", code.as_str()),
            ])
            .send();
        let (answer, ()) = tokio::join!(decision, wait_for(&mut streams[index], "confirmed"));
        answer.expect("the decision is sent");
        latencies.push(sent.elapsed());
    }
    latencies.sort();
    if let (Some(first), Some(last)) = (latencies.first(), latencies.last()) {
        let median = latencies[latencies.len() / 2];
        println!(
            "  confirm -> desktop:  median {:.1} ms, min {:.1} ms, max {:.1} ms ({} confirms)",
            median.as_secs_f64() * 1e3,
            first.as_secs_f64() * 1e3,
            last.as_secs_f64() * 1e3,
            latencies.len()
        );
    }
    drop(streams);
    drop(server);
}
