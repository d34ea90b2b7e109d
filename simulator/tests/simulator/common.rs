//! The one helper every test uses: a simulator on a real port, and a client.

use std::collections::HashMap;

use axum::Router;
use reqwest::redirect::Policy;
use serde_json::Value;
use simulator::SimConfig;

pub const CALLBACK: &str = "http://127.0.0.1:3000/auth/cb";

/// A running simulator and a client that does not follow redirects.
pub struct Sim {
    /// The simulator's root, e.g. `http://127.0.0.1:PORT` (or `.../_sim` when mounted).
    pub root: String,
    pub client: reqwest::Client,
}

/// What a test looks at in a response.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub content_type: String,
    pub location: Option<String>,
    pub body: String,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }

    /// A query parameter of the Location header.
    pub fn location_param(&self, name: &str) -> Option<String> {
        let location = self.location.as_deref()?;
        let url = url::Url::parse(location).ok()?;
        url.query_pairs()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
    }
}

impl Sim {
    pub async fn start() -> Sim {
        Sim::start_with(SimConfig::default()).await
    }

    pub async fn start_with(config: SimConfig) -> Sim {
        Sim::serve(simulator::router(config), "").await
    }

    /// The simulator mounted under `/_sim` the way the app mounts it.
    pub async fn start_mounted() -> Sim {
        let app = Router::new().nest_service("/_sim", simulator::router(SimConfig::default()));
        Sim::serve(app, "/_sim").await
    }

    async fn serve(app: Router, prefix: &str) -> Sim {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind a free port");
        let addr = listener.local_addr().expect("listener has an address");
        tokio::spawn(async move {
            axum::serve(listener, app)
                .await
                .expect("serve the simulator");
        });
        let client = reqwest::Client::builder()
            .redirect(Policy::none())
            .build()
            .expect("build a client");
        Sim {
            root: format!("http://{addr}{prefix}"),
            client,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.root)
    }

    async fn reply(response: reqwest::Response) -> Reply {
        let header = |name| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        let status = response.status().as_u16();
        let content_type = header(reqwest::header::CONTENT_TYPE).unwrap_or_default();
        let location = header(reqwest::header::LOCATION);
        let body = response.text().await.expect("read the body");
        Reply {
            status,
            content_type,
            location,
            body,
        }
    }

    pub async fn get(&self, path_and_query: &str) -> Reply {
        let response = self
            .client
            .get(self.url(path_and_query))
            .send()
            .await
            .expect("GET");
        Sim::reply(response).await
    }

    /// GET with the parameters appended (encoded) in the order given.
    pub async fn get_with(&self, path: &str, params: &[(&str, &str)]) -> Reply {
        let url = url::Url::parse_with_params(&self.url(path), params).expect("valid URL");
        let response = self.client.get(url).send().await.expect("GET");
        Sim::reply(response).await
    }

    pub async fn post_form(&self, path: &str, form: &[(&str, &str)]) -> Reply {
        let response = self
            .client
            .post(self.url(path))
            .form(form)
            .send()
            .await
            .expect("POST form");
        Sim::reply(response).await
    }

    pub async fn post_json(&self, path: &str, body: Value) -> Reply {
        let response = self
            .client
            .post(self.url(path))
            .json(&body)
            .send()
            .await
            .expect("POST JSON");
        Sim::reply(response).await
    }

    /// A control API call that must succeed.
    pub async fn control(&self, path: &str, body: Value) -> Value {
        let reply = self.post_json(&format!("/control/{path}"), body).await;
        assert!(
            (200..300).contains(&reply.status),
            "control {path} failed: {reply:?}"
        );
        reply.json()
    }

    pub async fn users(&self) -> Vec<Value> {
        match self.get("/control/users").await.json() {
            Value::Array(users) => users,
            other => panic!("users is not an array: {other}"),
        }
    }

    pub async fn user(&self, id: u64) -> Value {
        self.users()
            .await
            .into_iter()
            .find(|u| u["id"] == id)
            .unwrap_or_else(|| panic!("no user {id}"))
    }

    /// A website-app code for `user`, through auto-approval.
    pub async fn wechat_code(&self, user: u64) -> String {
        self.control(
            "auto-approve",
            serde_json::json!({"provider": "wechat", "user": user}),
        )
        .await;
        let reply = self
            .get_with(
                "/open.weixin.qq.com/connect/qrconnect",
                &[
                    ("appid", simulator::WECHAT_OPEN_APPID),
                    ("redirect_uri", CALLBACK),
                    ("response_type", "code"),
                    ("scope", "snsapi_login"),
                    ("state", "s1"),
                ],
            )
            .await;
        assert_eq!(reply.status, 302, "{reply:?}");
        reply
            .location_param("code")
            .expect("a code in the redirect")
    }

    /// Exchanges a website-app code; returns the parsed token body.
    pub async fn wechat_token(&self, code: &str) -> Reply {
        self.get_with(
            "/api.weixin.qq.com/sns/oauth2/access_token",
            &[
                ("appid", simulator::WECHAT_OPEN_APPID),
                ("secret", simulator::WECHAT_OPEN_SECRET),
                ("code", code),
                ("grant_type", "authorization_code"),
            ],
        )
        .await
    }
}

/// The consent form's action path (relative to the root) in a page.
pub fn consent_path(page: &str) -> String {
    let at = page.find("/consent/").expect("a consent form");
    let rest = &page[at..];
    let end = rest.find('"').expect("end of the action");
    rest[..end].to_owned()
}

/// The QR session's uuid in a qrconnect page.
pub fn qr_uuid(page: &str) -> String {
    let at = page.find("/phone/").expect("a phone link") + "/phone/".len();
    page[at..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric())
        .collect()
}

/// `a=1&b=2` as a map.
pub fn form_map(body: &str) -> HashMap<String, String> {
    url::form_urlencoded::parse(body.as_bytes())
        .into_owned()
        .collect()
}

/// The JSON inside `callback( ... );`.
pub fn jsonp(body: &str) -> Value {
    let start = body.find('(').expect("JSONP opening") + 1;
    let end = body.rfind(')').expect("JSONP closing");
    serde_json::from_str(body[start..end].trim()).expect("JSON inside JSONP")
}
