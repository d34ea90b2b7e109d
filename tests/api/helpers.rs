//! Spawns the whole app on port 0 with a fresh database and the simulator beside it.
//!
//! SQLite by default (a file in a temp dir); with `DENGLU_TEST_DATABASE_URL` set (see
//! `scripts/with-postgres.sh`) every test gets its own new PostgreSQL database instead.

use std::net::SocketAddr;
use std::sync::Arc;

use denglu::config::Settings;
use denglu::config::keys::{DATABASE_URL, SITE_ADDR, SITE_ROOT};
use denglu::db::Database;
use denglu::server::Application;
use reqwest::cookie::{CookieStore, Jar};
use reqwest::header::{ACCEPT, ACCEPT_LANGUAGE, HeaderMap, HeaderValue};
use sea_orm::{ConnectionTrait, Statement};

pub struct TestApp {
    pub address: SocketAddr,
    pub db: Database,
    /// Sign-in's front door, for what no page offers yet (disabling an account).
    pub auth: Arc<denglu::auth::Auth>,
    /// Where the database is, so a second instance can share it.
    pub database_url: String,
    /// A browser: keeps cookies, does not follow redirects (tests look at each hop).
    pub client: reqwest::Client,
    jar: Arc<Jar>,
    _dir: tempfile::TempDir,
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(&[]).await
}

/// Spawns the app with extra configuration, given as environment-variable pairs.
pub async fn spawn_app_with(extra: &[(&str, &str)]) -> TestApp {
    spawn_app_tuned(extra, |_| {}).await
}

/// Spawns the app after `tune` has adjusted the parsed settings (e.g. shorter lifetimes).
pub async fn spawn_app_tuned(extra: &[(&str, &str)], tune: impl FnOnce(&mut Settings)) -> TestApp {
    let dir = tempfile::tempdir().expect("a temp dir for the test");
    let database_url = match std::env::var("DENGLU_TEST_DATABASE_URL") {
        Ok(admin_url) => fresh_postgres_database(&admin_url).await,
        Err(_) => format!(
            "sqlite://{}?mode=rwc",
            dir.path().join("denglu.db").display()
        ),
    };
    spawn_on(database_url, dir, extra, tune).await
}

/// A second instance of the app on the first one's database, as when scaling out.
pub async fn spawn_app_sharing(first: &TestApp) -> TestApp {
    let dir = tempfile::tempdir().expect("a temp dir for the test");
    spawn_on(first.database_url.clone(), dir, &[], |_| {}).await
}

/// Another instance of the app on the first one's database and behind the same public URL,
/// talking to the first one's simulator as to real providers: a scaled-out deployment, where
/// any request of a flow may reach either instance. The first must run with `secret`.
pub async fn spawn_second_instance(first: &TestApp, secret: &str) -> TestApp {
    let dir = tempfile::tempdir().expect("a temp dir for the test");
    let pairs = as_real_providers(first, secret);
    let extra: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
    spawn_on(first.database_url.clone(), dir, &extra, |_| {}).await
}

/// The configuration of a deployment that talks to `app`'s simulator as to the real providers
/// (its app ids, secrets and hosts), with `secret` as `DENGLU_SECRET` and `app`'s public URL.
pub fn as_real_providers(app: &TestApp, secret: &str) -> Vec<(&'static str, String)> {
    let public = app.url("");
    let public = public.trim_end_matches('/');
    let sim = |host: &str| format!("{public}/_sim/{host}");
    vec![
        ("DENGLU_SIMULATOR", "0".to_string()),
        ("DENGLU_SECRET", secret.to_string()),
        ("DENGLU_PUBLIC_URL", public.to_string()),
        (
            "WECHAT_OPEN_APPID",
            simulator::WECHAT_OPEN_APPID.to_string(),
        ),
        (
            "WECHAT_OPEN_SECRET",
            simulator::WECHAT_OPEN_SECRET.to_string(),
        ),
        ("WECHAT_MP_APPID", simulator::WECHAT_MP_APPID.to_string()),
        ("WECHAT_MP_SECRET", simulator::WECHAT_MP_SECRET.to_string()),
        ("QQ_APPID", simulator::QQ_APPID.to_string()),
        ("QQ_APPKEY", simulator::QQ_APPKEY.to_string()),
        ("WEIBO_APPKEY", simulator::WEIBO_APPKEY.to_string()),
        ("WEIBO_SECRET", simulator::WEIBO_SECRET.to_string()),
        ("WECHAT_OPEN_BASE", sim("open.weixin.qq.com")),
        ("WECHAT_API_BASE", sim("api.weixin.qq.com")),
        ("QQ_BASE", sim("graph.qq.com")),
        ("WEIBO_BASE", sim("api.weibo.com")),
    ]
}

async fn spawn_on(
    database_url: String,
    dir: tempfile::TempDir,
    extra: &[(&str, &str)],
    tune: impl FnOnce(&mut Settings),
) -> TestApp {
    denglu::telemetry::init_for_tests();
    let site_root = dir.path().join("site");
    let site_root = site_root.display().to_string();
    let fixed = [
        (SITE_ADDR.env, "127.0.0.1:0"),
        (DATABASE_URL.env, database_url.as_str()),
        (SITE_ROOT.env, site_root.as_str()),
    ];
    let mut settings =
        Settings::from_pairs(extra.iter().copied().chain(fixed)).expect("test settings are valid");
    tune(&mut settings);

    let app = Application::build(settings).await.expect("the app starts");
    let address = app.address();
    let db = app.state().db.clone();
    let auth = app.state().auth.clone();
    tokio::spawn(app.run());

    let (client, jar) = browser_with_jar("zh-CN,zh;q=0.9");
    TestApp {
        address,
        db,
        auth,
        database_url,
        client,
        jar,
        _dir: dir,
    }
}

pub fn browser(accept_language: &str) -> reqwest::Client {
    browser_with_jar(accept_language).0
}

pub fn browser_with_jar(accept_language: &str) -> (reqwest::Client, Arc<Jar>) {
    client_with(accept_language, None)
}

fn client_with(accept_language: &str, user_agent: Option<&str>) -> (reqwest::Client, Arc<Jar>) {
    let jar = Arc::new(Jar::default());
    let mut headers = HeaderMap::new();
    if let Some(agent) = user_agent {
        headers.insert(
            reqwest::header::USER_AGENT,
            HeaderValue::from_str(agent).expect("a valid User-Agent"),
        );
    }
    // What a browser asks for when it navigates (server functions pick their answer by it).
    headers.insert(
        ACCEPT,
        HeaderValue::from_static("text/html,application/xhtml+xml,*/*;q=0.8"),
    );
    headers.insert(
        ACCEPT_LANGUAGE,
        HeaderValue::from_str(accept_language).expect("a valid header value"),
    );
    let client = reqwest::Client::builder()
        .cookie_provider(jar.clone())
        .redirect(reqwest::redirect::Policy::none())
        .default_headers(headers)
        .build()
        .expect("a reqwest client");
    (client, jar)
}

async fn fresh_postgres_database(admin_url: &str) -> String {
    let name = format!("denglu_test_{}", rand_suffix());
    let admin = sea_orm::Database::connect(admin_url)
        .await
        .expect("the test PostgreSQL cluster answers");
    admin
        .execute(Statement::from_string(
            admin.get_database_backend(),
            format!("CREATE DATABASE {name}"),
        ))
        .await
        .expect("a test database can be created");
    admin.close().await.expect("the admin connection closes");
    let base = admin_url
        .rsplit_once('/')
        .map_or(admin_url, |(base, _)| base);
    format!("{base}/{name}")
}

fn rand_suffix() -> String {
    use rand::Rng;
    let mut rng = rand::rng();
    (0..12)
        .map(|_| rng.random_range(b'a'..=b'z') as char)
        .collect()
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.address, path)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .send()
            .await
            .expect("the app answers")
    }

    pub async fn get_as(&self, client: &reqwest::Client, path: &str) -> reqwest::Response {
        client
            .get(self.url(path))
            .send()
            .await
            .expect("the app answers")
    }
}

/// One browser: its own cookie jar, no redirect following, so a test sees every hop.
#[derive(Clone)]
pub struct Browser {
    base: String,
    pub client: reqwest::Client,
    jar: Arc<Jar>,
}

impl TestApp {
    /// The app's default browser (the one `app.get` uses).
    pub fn browser(&self) -> Browser {
        Browser {
            base: self.url(""),
            client: self.client.clone(),
            jar: self.jar.clone(),
        }
    }

    /// Another browser, with an empty cookie jar.
    pub fn new_browser(&self) -> Browser {
        self.browser_speaking("zh-CN,zh;q=0.9")
    }

    /// Another browser that says it is `user_agent` (a phone in WeChat, a desktop Chrome).
    pub fn browser_with_agent(&self, user_agent: &str) -> Browser {
        let (client, jar) = client_with("zh-CN,zh;q=0.9", Some(user_agent));
        Browser {
            base: self.url(""),
            client,
            jar,
        }
    }

    pub fn browser_speaking(&self, accept_language: &str) -> Browser {
        let (client, jar) = browser_with_jar(accept_language);
        Browser {
            base: self.url(""),
            client,
            jar,
        }
    }

    /// POSTs to the simulator's control API (`/_sim/control/{path}`), expecting success.
    pub async fn sim(&self, path: &str, body: serde_json::Value) -> serde_json::Value {
        let response = self
            .client
            .post(self.url(&format!("/_sim/control/{path}")))
            .json(&body)
            .send()
            .await
            .expect("the simulator answers");
        assert!(
            response.status().is_success(),
            "simulator control {path}: {}",
            response.status()
        );
        response.json().await.expect("JSON from the simulator")
    }

    /// The next authorize request at `provider` answers at once as simulator user `user`.
    pub async fn auto_approve(&self, provider: &str, user: u64) {
        self.sim(
            "auto-approve",
            serde_json::json!({"provider": provider, "user": user}),
        )
        .await;
    }

    /// The simulator's test user `id`, as its control API shows it.
    pub async fn sim_user(&self, id: u64) -> serde_json::Value {
        let users: Vec<serde_json::Value> = self
            .client
            .get(self.url("/_sim/control/users"))
            .send()
            .await
            .expect("the simulator answers")
            .json()
            .await
            .expect("JSON");
        users
            .into_iter()
            .find(|u| u["id"] == id)
            .expect("a seeded simulator user")
    }

    /// Runs `sql` on the app's database, as another process (or a sweep) would.
    pub async fn execute(&self, sql: &str) {
        self.db
            .conn
            .execute(Statement::from_string(
                self.db.conn.get_database_backend(),
                sql.to_string(),
            ))
            .await
            .expect("the statement runs");
    }

    /// How many rows `table` has.
    pub async fn count(&self, table: &str) -> i64 {
        let row = self
            .db
            .conn
            .query_one(Statement::from_string(
                self.db.conn.get_database_backend(),
                format!("SELECT COUNT(*) AS n FROM {table}"),
            ))
            .await
            .expect("count query")
            .expect("a row");
        row.try_get::<i64>("", "n").expect("a count")
    }
}

/// Where a redirect points.
pub fn location(response: &reqwest::Response) -> String {
    assert!(
        response.status().is_redirection(),
        "expected a redirect, got {} for {}",
        response.status(),
        response.url()
    );
    response
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .expect("a Location header")
        .to_string()
}

/// The value of one query parameter of a URL.
pub fn query_param(url: &str, name: &str) -> Option<String> {
    let parsed = url::Url::parse(url)
        .or_else(|_| url::Url::parse("http://relative.invalid").and_then(|b| b.join(url)))
        .expect("a URL");
    parsed
        .query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

impl Browser {
    pub fn url(&self, path: &str) -> String {
        if path.starts_with("http://") || path.starts_with("https://") {
            path.to_string()
        } else {
            format!("{}{}", self.base, path)
        }
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .send()
            .await
            .expect("the app answers")
    }

    /// The page at `path`, as HTML.
    pub async fn page(&self, path: &str) -> String {
        self.get(path).await.text().await.expect("a page")
    }

    /// `GET /auth/{provider}/start{query}`: returns the provider URL it redirects to.
    pub async fn start(&self, provider: &str, query: &str) -> String {
        let response = self.get(&format!("/auth/{provider}/start{query}")).await;
        assert_eq!(response.status(), 302, "start of {provider}");
        location(&response)
    }

    /// Opens the provider's authorize URL (auto-approval set) and returns our callback URL.
    pub async fn authorize(&self, authorize_url: &str) -> String {
        let response = self.get(authorize_url).await;
        let callback = location(&response);
        assert!(
            callback.contains("/callback"),
            "the provider should send the browser to our callback: {callback}"
        );
        callback
    }

    /// Our callback: returns where it sends the browser.
    pub async fn callback(&self, callback_url: &str) -> String {
        let response = self.get(callback_url).await;
        assert_eq!(response.status(), 302, "callback {callback_url}");
        location(&response)
    }

    /// The whole round trip as simulator user `user`: start, provider, callback. Returns
    /// where the callback sent the browser (`/account`, `/signup`, `/login?error=...`).
    pub async fn sign_in_with(&self, app: &TestApp, provider: &str, user: u64) -> String {
        self.sign_in_with_query(app, provider, user, "").await
    }

    pub async fn sign_in_with_query(
        &self,
        app: &TestApp,
        provider: &str,
        user: u64,
        query: &str,
    ) -> String {
        app.auto_approve(provider, user).await;
        let authorize = self.start(provider, query).await;
        let callback = self.authorize(&authorize).await;
        self.callback(&callback).await
    }

    /// `/api/me` as JSON, or `None` when not signed in.
    pub async fn me(&self) -> Option<serde_json::Value> {
        let response = self.get("/api/me").await;
        match response.status().as_u16() {
            200 => Some(response.json().await.expect("JSON")),
            401 => None,
            other => panic!("/api/me answered {other}"),
        }
    }

    /// The session id this browser would send, if it has one.
    pub fn session_id(&self) -> Option<String> {
        let url = reqwest::Url::parse(&self.base).expect("the app's URL");
        let header = self.jar.cookies(&url)?;
        header
            .to_str()
            .ok()?
            .split(';')
            .filter_map(|pair| pair.trim().split_once('='))
            .find(|(name, _)| *name == "denglu_session")
            .map(|(_, value)| value.to_string())
    }
}

impl Browser {
    /// POSTs a form to a server function the way the hydrated page does (fetch, JSON back).
    pub async fn call(&self, endpoint: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        self.client
            .post(self.url(&format!("/api/{endpoint}")))
            .header("accept", "application/json")
            .form(fields)
            .send()
            .await
            .expect("the app answers")
    }

    /// POSTs a form to a server function the way a browser without the wasm does.
    pub async fn post_plain(
        &self,
        endpoint: &str,
        page: &str,
        fields: &[(&str, &str)],
    ) -> reqwest::Response {
        self.client
            .post(self.url(&format!("/api/{endpoint}")))
            .header("accept", "text/html,application/xhtml+xml")
            .header("referer", self.url(page))
            .form(fields)
            .send()
            .await
            .expect("the app answers")
    }

    /// Submits the profile form (as the hydrated page does).
    pub async fn complete_signup(
        &self,
        username: &str,
        display_name: &str,
        email: &str,
    ) -> reqwest::Response {
        self.call(
            "signup/complete",
            &[
                ("username", username),
                ("display_name", display_name),
                ("email", email),
            ],
        )
        .await
    }

    /// A whole first visit: sign in at `provider` as simulator user `user`, complete the
    /// profile with `username`. Returns the new account's id.
    pub async fn sign_up(&self, app: &TestApp, provider: &str, user: u64, username: &str) -> i64 {
        assert_eq!(self.sign_in_with(app, provider, user).await, "/signup");
        let response = self.complete_signup(username, username, "").await;
        assert!(
            response.status().is_success(),
            "signup as {username}: {}",
            response.status()
        );
        self.me().await.expect("signed in after the profile")["id"]
            .as_i64()
            .expect("an id")
    }

    /// This browser (its cookies) talking to another instance of the app.
    pub fn at(&self, app: &TestApp) -> Browser {
        Browser {
            base: app.url(""),
            client: self.client.clone(),
            jar: self.jar.clone(),
        }
    }

    /// The `Cookie` header this browser sends to `path`.
    pub fn cookie_header(&self, path: &str) -> Option<String> {
        let url = reqwest::Url::parse(&self.url(path)).expect("a URL of the app");
        self.jar
            .cookies(&url)
            .and_then(|h| h.to_str().ok().map(str::to_string))
    }

    /// Makes this browser send `session_id` as its session cookie, as a cookie planted by
    /// someone else (a sibling subdomain, plain http) would.
    pub fn plant_session(&self, session_id: &str) {
        let url = reqwest::Url::parse(&self.base).expect("the app's URL");
        self.jar
            .add_cookie_str(&format!("denglu_session={session_id}; Path=/"), &url);
    }

    /// Signs out with the account page's form.
    pub async fn sign_out(&self) -> reqwest::Response {
        self.call("account/sign_out", &[]).await
    }
}
