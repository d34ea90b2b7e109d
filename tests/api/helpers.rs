//! Spawns the whole app on port 0 with a fresh database and the simulator beside it.
//!
//! SQLite by default (a file in a temp dir); with `DENGLU_TEST_DATABASE_URL` set (see
//! `scripts/with-postgres.sh`) every test gets its own new PostgreSQL database instead.

use std::net::SocketAddr;

use denglu::config::{DATABASE_URL, SITE_ADDR, SITE_ROOT, Settings, Source};
use denglu::db::Database;
use denglu::server::Application;
use reqwest::header::{ACCEPT_LANGUAGE, HeaderMap, HeaderValue};
use sea_orm::{ConnectionTrait, Statement};

pub struct TestApp {
    pub address: SocketAddr,
    pub db: Database,
    /// A browser: keeps cookies, does not follow redirects (tests look at each hop).
    pub client: reqwest::Client,
    _dir: tempfile::TempDir,
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(&[]).await
}

/// Spawns the app with extra configuration, given as environment-variable pairs.
pub async fn spawn_app_with(extra: &[(&str, &str)]) -> TestApp {
    denglu::telemetry::init();
    let dir = tempfile::tempdir().expect("a temp dir for the test");
    let database_url = match std::env::var("DENGLU_TEST_DATABASE_URL") {
        Ok(admin_url) => fresh_postgres_database(&admin_url).await,
        Err(_) => format!(
            "sqlite://{}?mode=rwc",
            dir.path().join("denglu.db").display()
        ),
    };
    let site_root = dir.path().join("site");
    let mut source = Source::from_pairs(extra.iter().copied());
    source.set(SITE_ADDR, "127.0.0.1:0");
    source.set(DATABASE_URL, database_url);
    source.set(SITE_ROOT, site_root.display().to_string());
    let settings = Settings::from_source(&source).expect("test settings are valid");

    let app = Application::build(settings).await.expect("the app starts");
    let address = app.address();
    let db = app.state().db.clone();
    tokio::spawn(app.run());

    TestApp {
        address,
        db,
        client: browser("zh-CN,zh;q=0.9"),
        _dir: dir,
    }
}

pub fn browser(accept_language: &str) -> reqwest::Client {
    let mut headers = HeaderMap::new();
    headers.insert(
        ACCEPT_LANGUAGE,
        HeaderValue::from_str(accept_language).expect("a valid header value"),
    );
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .default_headers(headers)
        .build()
        .expect("a reqwest client")
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
