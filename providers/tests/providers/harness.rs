//! Spawns the simulator on a free port and drives it through its control API.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use providers::{
    AppCredentials, AuthorizeRequest, Endpoints, ErrorKind, Provider, ProviderError, ProviderId,
    Registry, Timeouts,
};
use serde_json::{Value, json};
use url::Url;

pub struct Sim {
    pub base: Url,
    pub endpoints: Endpoints,
    /// For the control API and the browser's side of authorize: no redirects followed.
    browser: reqwest::Client,
}

/// The simulator's default apps.
pub fn credentials(id: ProviderId) -> AppCredentials {
    let (app, secret) = match id {
        ProviderId::Wechat => (simulator::WECHAT_OPEN_APPID, simulator::WECHAT_OPEN_SECRET),
        ProviderId::WechatMp => (simulator::WECHAT_MP_APPID, simulator::WECHAT_MP_SECRET),
        ProviderId::Qq => (simulator::QQ_APPID, simulator::QQ_APPKEY),
        ProviderId::Weibo => (simulator::WEIBO_APPKEY, simulator::WEIBO_SECRET),
    };
    AppCredentials::new(app, secret)
}

/// Short timeouts keep the suite fast even when a test makes the simulator slow.
pub fn test_client() -> reqwest::Client {
    providers::http_client_with(Timeouts {
        connect: Duration::from_secs(2),
        total: Duration::from_secs(5),
    })
}

pub fn redirect_uri(id: ProviderId) -> Url {
    Url::parse(&format!("http://127.0.0.1:3000/auth/{id}/callback")).expect("a valid callback URL")
}

/// Fails the test with the error's kind and operator message.
pub fn ok<T>(result: Result<T, ProviderError>) -> T {
    result.unwrap_or_else(|e| panic!("expected success, got {:?}: {e}", e.kind()))
}

/// The error's kind, failing the test on success.
pub fn kind_of<T>(result: Result<T, ProviderError>) -> ErrorKind {
    match result {
        Ok(_) => panic!("expected an error, got success"),
        Err(e) => {
            let shown = e.to_string();
            for secret in [
                simulator::WECHAT_OPEN_SECRET,
                simulator::WECHAT_MP_SECRET,
                simulator::QQ_APPKEY,
                simulator::WEIBO_SECRET,
            ] {
                assert!(!shown.contains(secret), "secret in error: {shown}");
            }
            assert!(!shown.contains("http://"), "URL in error: {shown}");
            e.kind()
        }
    }
}

impl Sim {
    pub async fn start() -> Sim {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a free port on 127.0.0.1");
        let addr = listener.local_addr().expect("a bound address");
        let app = simulator::router(simulator::SimConfig::default());
        tokio::spawn(async move {
            axum::serve(listener, app)
                .await
                .expect("the simulator serves");
        });
        let base = Url::parse(&format!("http://{addr}")).expect("a valid base URL");
        let browser = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("a client");
        Sim {
            endpoints: Endpoints::simulator(&base),
            base,
            browser,
        }
    }

    pub fn provider(&self, id: ProviderId) -> Arc<dyn Provider> {
        self.provider_with(id, credentials(id), test_client())
    }

    pub fn provider_with(
        &self,
        id: ProviderId,
        creds: AppCredentials,
        client: reqwest::Client,
    ) -> Arc<dyn Provider> {
        Registry::new([(id, creds)], &self.endpoints, client)
            .get(id)
            .expect("the provider just registered")
    }

    pub async fn control(&self, path: &str, body: Value) -> Value {
        let url = self.base.join(path).expect("a control path");
        let response = self
            .browser
            .post(url)
            .json(&body)
            .send()
            .await
            .expect("the control API answers");
        let status = response.status();
        let value: Value = response.json().await.expect("control answers JSON");
        assert!(status.is_success(), "{path} {body}: {status} {value}");
        value
    }

    pub async fn users(&self) -> Vec<Value> {
        let url = self.base.join("/control/users").expect("a control path");
        let response = self
            .browser
            .get(url)
            .send()
            .await
            .expect("the control API answers");
        let users: Value = response.json().await.expect("control answers JSON");
        users.as_array().cloned().expect("a list of users")
    }

    /// A seeded user by position: 0 张伟 (male), 1 小红🌸Hóng (female), 2 李雷 (no avatar),
    /// 3 a very long name, 4 a snapshot user.
    pub async fn user(&self, index: usize) -> Value {
        self.users()
            .await
            .get(index)
            .cloned()
            .expect("a seeded user")
    }

    pub async fn fault(&self, endpoint: &str, spec: Value) {
        let mut body = spec;
        body["endpoint"] = json!(endpoint);
        self.control("/control/faults", body).await;
    }

    pub async fn expire(&self, kind: &str) {
        self.control("/control/expire", json!({ "kind": kind }))
            .await;
    }

    pub async fn requests(&self) -> Vec<Value> {
        let url = self.base.join("/control/requests").expect("a control path");
        let response = self
            .browser
            .get(url)
            .send()
            .await
            .expect("the control API answers");
        let entries: Value = response.json().await.expect("control answers JSON");
        entries.as_array().cloned().expect("a list of requests")
    }

    /// Follows the provider's authorize URL as a browser would, with the simulator
    /// told to answer as `auto` (`{"user":ID}` or `{"deny":true}`); returns the callback query.
    pub async fn authorize(
        &self,
        provider: &dyn Provider,
        auto: Value,
        known_user: bool,
    ) -> HashMap<String, String> {
        let mut body = auto;
        body["provider"] = json!(provider.id().as_str());
        self.control("/control/auto-approve", body).await;
        let redirect = redirect_uri(provider.id());
        let request = AuthorizeRequest {
            state: "teststate0123456789",
            redirect_uri: &redirect,
            mobile: false,
            known_user,
        };
        let url = provider.authorize_url(&request);
        let response = self
            .browser
            .get(url)
            .send()
            .await
            .expect("the authorize page answers");
        assert_eq!(
            response.status(),
            reqwest::StatusCode::FOUND,
            "authorize did not redirect"
        );
        let location = response
            .headers()
            .get(reqwest::header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .expect("a Location header");
        let location = Url::parse(location).expect("an absolute callback URL");
        assert_eq!(location.path(), redirect.path());
        let query: HashMap<String, String> = location.query_pairs().into_owned().collect();
        assert_eq!(
            query.get("state").map(String::as_str),
            Some("teststate0123456789")
        );
        query
    }

    /// An authorization code for seeded user `index`.
    pub async fn code(&self, provider: &dyn Provider, index: usize) -> String {
        self.code_as(provider, index, false).await
    }

    pub async fn code_as(&self, provider: &dyn Provider, index: usize, known_user: bool) -> String {
        let user = self.user(index).await;
        let query = self
            .authorize(provider, json!({ "user": user["id"] }), known_user)
            .await;
        assert!(provider.callback_error(&query).is_none());
        query.get("code").cloned().expect("a code in the callback")
    }
}
