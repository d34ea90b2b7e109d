//! How many complete authorizations a second the simulator serves: for each provider, many
//! clients run authorize (auto-approved) -> token -> identity calls over real HTTP for a few
//! seconds. The client shares the machine's cores, so the figures are a floor.
//!
//! `cargo bench -p simulator --bench flows` (or `make bench`); `BENCH_SECONDS` and
//! `BENCH_CLIENTS` change the run.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use serde_json::Value;
use simulator::{
    QQ_APPID, QQ_APPKEY, SimConfig, WECHAT_OPEN_APPID, WECHAT_OPEN_SECRET, WEIBO_APPKEY,
    WEIBO_SECRET,
};

const CALLBACK: &str = "http://127.0.0.1/callback";

struct Bench {
    base: String,
    http: reqwest::Client,
}

impl Bench {
    /// Follows nothing: the authorize answer is a 302 whose Location carries the code.
    async fn code(&self, path: &str, query: &[(&str, &str)]) -> Option<String> {
        let response = self
            .http
            .get(format!("{}{path}", self.base))
            .query(query)
            .send()
            .await
            .ok()?;
        let location = response.headers().get("location")?.to_str().ok()?;
        let url = url::Url::parse(location).ok()?;
        url.query_pairs()
            .find(|(k, _)| k == "code")
            .map(|(_, v)| v.into_owned())
    }

    async fn text(&self, request: reqwest::RequestBuilder) -> Option<String> {
        request.send().await.ok()?.text().await.ok()
    }

    async fn wechat(&self) -> Option<()> {
        let code = self
            .code(
                "/open.weixin.qq.com/connect/qrconnect",
                &[
                    ("appid", WECHAT_OPEN_APPID),
                    ("redirect_uri", CALLBACK),
                    ("response_type", "code"),
                    ("scope", "snsapi_login"),
                    ("state", "bench"),
                ],
            )
            .await?;
        let tokens: Value = serde_json::from_str(
            &self
                .text(
                    self.http
                        .get(format!(
                            "{}/api.weixin.qq.com/sns/oauth2/access_token",
                            self.base
                        ))
                        .query(&[
                            ("appid", WECHAT_OPEN_APPID),
                            ("secret", WECHAT_OPEN_SECRET),
                            ("code", &code),
                            ("grant_type", "authorization_code"),
                        ]),
                )
                .await?,
        )
        .ok()?;
        let user: Value = serde_json::from_str(
            &self
                .text(
                    self.http
                        .get(format!("{}/api.weixin.qq.com/sns/userinfo", self.base))
                        .query(&[
                            ("access_token", tokens["access_token"].as_str()?),
                            ("openid", tokens["openid"].as_str()?),
                        ]),
                )
                .await?,
        )
        .ok()?;
        user["nickname"].as_str().map(|_| ())
    }

    async fn qq(&self) -> Option<()> {
        let code = self
            .code(
                "/graph.qq.com/oauth2.0/authorize",
                &[
                    ("response_type", "code"),
                    ("client_id", QQ_APPID),
                    ("redirect_uri", CALLBACK),
                    ("state", "bench"),
                ],
            )
            .await?;
        let tokens: Value = serde_json::from_str(
            &self
                .text(
                    self.http
                        .get(format!("{}/graph.qq.com/oauth2.0/token", self.base))
                        .query(&[
                            ("grant_type", "authorization_code"),
                            ("client_id", QQ_APPID),
                            ("client_secret", QQ_APPKEY),
                            ("code", &code),
                            ("redirect_uri", CALLBACK),
                            ("fmt", "json"),
                        ]),
                )
                .await?,
        )
        .ok()?;
        let access = tokens["access_token"].as_str()?;
        let me: Value = serde_json::from_str(
            &self
                .text(
                    self.http
                        .get(format!("{}/graph.qq.com/oauth2.0/me", self.base))
                        .query(&[("access_token", access), ("fmt", "json")]),
                )
                .await?,
        )
        .ok()?;
        let info = self
            .text(
                self.http
                    .get(format!("{}/graph.qq.com/user/get_user_info", self.base))
                    .query(&[
                        ("access_token", access),
                        ("oauth_consumer_key", QQ_APPID),
                        ("openid", me["openid"].as_str()?),
                    ]),
            )
            .await?;
        let info: Value = serde_json::from_str(&info).ok()?;
        (info["ret"] == 0).then_some(())
    }

    async fn weibo(&self) -> Option<()> {
        let code = self
            .code(
                "/api.weibo.com/oauth2/authorize",
                &[
                    ("client_id", WEIBO_APPKEY),
                    ("redirect_uri", CALLBACK),
                    ("state", "bench"),
                ],
            )
            .await?;
        let tokens: Value = serde_json::from_str(
            &self
                .text(
                    self.http
                        .post(format!("{}/api.weibo.com/oauth2/access_token", self.base))
                        .form(&[
                            ("client_id", WEIBO_APPKEY),
                            ("client_secret", WEIBO_SECRET),
                            ("grant_type", "authorization_code"),
                            ("code", &code),
                            ("redirect_uri", CALLBACK),
                        ]),
                )
                .await?,
        )
        .ok()?;
        let access = tokens["access_token"].as_str()?;
        let info: Value = serde_json::from_str(
            &self
                .text(
                    self.http
                        .post(format!("{}/api.weibo.com/oauth2/get_token_info", self.base))
                        .form(&[("access_token", access)]),
                )
                .await?,
        )
        .ok()?;
        let uid = info["uid"].to_string();
        let user = self
            .text(
                self.http
                    .get(format!("{}/api.weibo.com/2/users/show.json", self.base))
                    .query(&[("access_token", access), ("uid", uid.as_str())]),
            )
            .await?;
        user.contains("screen_name").then_some(())
    }
}

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[tokio::main]
async fn main() {
    let seconds = env_number("BENCH_SECONDS", 5);
    let clients = env_number("BENCH_CLIENTS", 64);

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind a local port");
    let base = format!("http://{}", listener.local_addr().expect("bound address"));
    tokio::spawn(
        async move { axum::serve(listener, simulator::router(SimConfig::default())).await },
    );

    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .pool_max_idle_per_host(clients as usize)
        .build()
        .expect("an HTTP client");
    for provider in ["wechat", "qq", "weibo"] {
        let approve = serde_json::json!({"provider": provider, "user": 1, "always": true});
        let answer = http
            .post(format!("{base}/control/auto-approve"))
            .json(&approve)
            .send()
            .await
            .expect("the control API answers");
        assert!(
            answer.status().is_success(),
            "auto-approve refused for {provider}"
        );
    }

    let bench = Arc::new(Bench { base, http });
    println!("simulator flows: {clients} concurrent clients, {seconds} s per provider");
    println!(
        "{:<8} {:>10} {:>8} {:>12}",
        "provider", "flows", "failed", "flows/s"
    );
    for provider in ["wechat", "qq", "weibo"] {
        let done = Arc::new(AtomicU64::new(0));
        let failed = Arc::new(AtomicU64::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let started = Instant::now();
        let workers: Vec<_> = (0..clients)
            .map(|_| {
                let (bench, done, failed, stop) =
                    (bench.clone(), done.clone(), failed.clone(), stop.clone());
                tokio::spawn(async move {
                    while !stop.load(Ordering::Relaxed) {
                        let ok = match provider {
                            "wechat" => bench.wechat().await,
                            "qq" => bench.qq().await,
                            _ => bench.weibo().await,
                        };
                        let counter = if ok.is_some() { &done } else { &failed };
                        counter.fetch_add(1, Ordering::Relaxed);
                    }
                })
            })
            .collect();
        tokio::time::sleep(Duration::from_secs(seconds)).await;
        stop.store(true, Ordering::Relaxed);
        for worker in workers {
            let _ = worker.await;
        }
        let elapsed = started.elapsed().as_secs_f64();
        let flows = done.load(Ordering::Relaxed);
        println!(
            "{provider:<8} {flows:>10} {:>8} {:>12.0}",
            failed.load(Ordering::Relaxed),
            flows as f64 / elapsed
        );
    }
}
