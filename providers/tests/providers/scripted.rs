//! A server that answers whatever a test scripts, for the answers the simulator
//! never gives: identities that do not match, lying content types, bad bytes.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use providers::{
    AppCredentials, Endpoints, ErrorKind, Provider, ProviderId, Qq, TokenSet, Wechat, Weibo,
};
use secrecy::{ExposeSecret, SecretString};
use url::Url;

use crate::harness::{kind_of, ok, redirect_uri, test_client};

#[derive(Clone)]
pub struct Answer {
    pub status: u16,
    pub content_type: &'static str,
    pub body: Vec<u8>,
}

impl Answer {
    pub fn ok(content_type: &'static str, body: &str) -> Answer {
        Answer {
            status: 200,
            content_type,
            body: body.as_bytes().to_vec(),
        }
    }
}

type Answers = Arc<Mutex<HashMap<String, Answer>>>;

/// Answers by path suffix (`/sns/userinfo`); `*` answers every other path.
pub struct Script {
    pub endpoints: Endpoints,
    answers: Answers,
}

impl Script {
    pub async fn start() -> Script {
        let answers: Answers = Arc::default();
        let app = axum::Router::new()
            .fallback(answer)
            .with_state(answers.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a free port");
        let addr = listener.local_addr().expect("a bound address");
        tokio::spawn(async move {
            axum::serve(listener, app).await.expect("the script serves");
        });
        let base = Url::parse(&format!("http://{addr}")).expect("a valid base URL");
        Script {
            endpoints: Endpoints::simulator(&base),
            answers,
        }
    }

    pub fn set(&self, path_suffix: &str, answer: Answer) {
        self.answers
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(path_suffix.to_owned(), answer);
    }

    pub fn clear(&self) {
        self.answers
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clear();
    }

    pub fn wechat(&self) -> Wechat {
        Wechat::website(
            AppCredentials::new("wxapp", "wxsecret"),
            &self.endpoints,
            test_client(),
        )
    }

    pub fn qq(&self) -> Qq {
        Qq::new(
            AppCredentials::new("101000001", "qqappkey"),
            &self.endpoints,
            test_client(),
        )
    }

    pub fn weibo(&self) -> Weibo {
        Weibo::new(
            AppCredentials::new("2000000001", "weibosecret"),
            &self.endpoints,
            test_client(),
        )
    }
}

async fn answer(State(answers): State<Answers>, request: Request) -> Response {
    let path = request.uri().path().to_owned();
    let found = {
        let answers = answers.lock().unwrap_or_else(|p| p.into_inner());
        answers
            .iter()
            .find(|(suffix, _)| path.ends_with(suffix.as_str()))
            .map(|(_, a)| a.clone())
            .or_else(|| answers.get("*").cloned())
    };
    let Some(found) = found else {
        let mut response = Response::new(Body::from("no script"));
        *response.status_mut() = StatusCode::NOT_FOUND;
        return response;
    };
    let mut response = Response::new(Body::from(found.body));
    *response.status_mut() = StatusCode::from_u16(found.status).unwrap_or(StatusCode::OK);
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(found.content_type),
    );
    if (300..400).contains(&found.status) {
        response.headers_mut().insert(
            header::LOCATION,
            HeaderValue::from_static("http://127.0.0.1:1/elsewhere"),
        );
    }
    response
}

fn tokens(subject: Option<&str>) -> TokenSet {
    TokenSet {
        subject: subject.map(str::to_owned),
        scope: Some("snsapi_login".to_owned()),
        ..TokenSet::new(SecretString::from("ACCESS"))
    }
}

const WECHAT_TOKEN: &str = r#"{"access_token":"ACCESS","expires_in":7200,"refresh_token":"R","openid":"OPENID_A","scope":"snsapi_login","unionid":"UNION_A"}"#;

#[tokio::test]
async fn wechat_userinfo_for_another_openid_is_refused() {
    let script = Script::start().await;
    let wechat = script.wechat();
    script.set(
        "/sns/oauth2/access_token",
        Answer::ok("text/plain", WECHAT_TOKEN),
    );
    script.set(
        "/sns/userinfo",
        Answer::ok(
            "text/plain",
            r#"{"openid":"OPENID_B","nickname":"x","sex":1,"headimgurl":""}"#,
        ),
    );
    let tokens = ok(wechat
        .exchange_code("c", &redirect_uri(ProviderId::Wechat))
        .await);
    assert_eq!(
        kind_of(wechat.fetch_profile(&tokens).await),
        ErrorKind::Refused
    );

    script.set(
        "/sns/userinfo",
        Answer::ok(
            "text/plain",
            r#"{"openid":"OPENID_A","nickname":"x","unionid":"UNION_B"}"#,
        ),
    );
    assert_eq!(
        kind_of(wechat.fetch_profile(&tokens).await),
        ErrorKind::Refused
    );

    script.set(
        "/sns/userinfo",
        Answer::ok("text/plain", r#"{"nickname":"x"}"#),
    );
    assert_eq!(
        kind_of(wechat.fetch_profile(&tokens).await),
        ErrorKind::Malformed
    );
}

#[tokio::test]
async fn bodies_are_utf8_whatever_the_content_type_says() {
    let script = Script::start().await;
    let wechat = script.wechat();
    let body = r#"{"openid":"OPENID_A","nickname":"微信用户😀","sex":"1","headimgurl":"https://thirdwx.qlogo.cn/x/132"}"#;
    for content_type in [
        "text/plain",
        "application/json; encoding=utf-8",
        "text/html; charset=iso-8859-1",
        "application/octet-stream",
    ] {
        script.set("/sns/userinfo", Answer::ok(content_type, body));
        let profile = ok(wechat.fetch_profile(&tokens(Some("OPENID_A"))).await);
        assert_eq!(profile.nickname, "微信用户😀", "{content_type}");
    }
    // A byte order mark is not part of the JSON.
    script.set(
        "/sns/userinfo",
        Answer::ok("text/plain", &format!("\u{feff}{body}")),
    );
    ok(wechat.fetch_profile(&tokens(Some("OPENID_A"))).await);

    let mut latin1 = b"{\"openid\":\"OPENID_A\",\"nickname\":\"".to_vec();
    latin1.extend_from_slice(&[0xe9, 0xff, 0xfe]);
    latin1.extend_from_slice(b"\"}");
    script.set(
        "/sns/userinfo",
        Answer {
            status: 200,
            content_type: "text/plain",
            body: latin1,
        },
    );
    assert_eq!(
        kind_of(wechat.fetch_profile(&tokens(Some("OPENID_A"))).await),
        ErrorKind::Malformed
    );
}

#[tokio::test]
async fn redirects_and_oversized_bodies_are_not_followed_or_buffered() {
    let script = Script::start().await;
    let wechat = script.wechat();
    script.set(
        "*",
        Answer {
            status: 302,
            content_type: "text/html",
            body: Vec::new(),
        },
    );
    assert_eq!(
        kind_of(
            wechat
                .exchange_code("c", &redirect_uri(ProviderId::Wechat))
                .await
        ),
        ErrorKind::Misconfigured
    );
    let huge = format!("{{\"openid\":\"{}\"}}", "x".repeat(2 << 20));
    script.set("*", Answer::ok("text/plain", &huge));
    assert_eq!(
        kind_of(
            wechat
                .exchange_code("c", &redirect_uri(ProviderId::Wechat))
                .await
        ),
        ErrorKind::Malformed
    );
    script.clear();
    assert_eq!(
        kind_of(
            wechat
                .exchange_code("c", &redirect_uri(ProviderId::Wechat))
                .await
        ),
        ErrorKind::Misconfigured
    );
}

#[tokio::test]
async fn an_unreachable_provider_is_unavailable() {
    // Port 1 on loopback: nothing listens there.
    let base = Url::parse("http://127.0.0.1:1").expect("valid");
    let wechat = Wechat::website(
        AppCredentials::new("a", "s3cr3t"),
        &Endpoints::simulator(&base),
        test_client(),
    );
    let err = wechat
        .exchange_code("c", &redirect_uri(ProviderId::Wechat))
        .await
        .expect_err("nothing listens on port 1");
    assert_eq!(err.kind(), ErrorKind::Unavailable);
    assert!(!err.to_string().contains("s3cr3t"), "{err}");
    assert!(!err.to_string().contains("127.0.0.1"), "{err}");
}

#[tokio::test]
async fn qq_token_and_me_in_every_shape() {
    let script = Script::start().await;
    let qq = script.qq();
    let me = "callback( {\"client_id\":\"101000001\",\"openid\":\"QQOPENID\",\"unionid\":\"UID_1\"} );\n";
    script.set("/oauth2.0/me", Answer::ok("text/html", me));
    for token in [
        "access_token=FE04CCE2&expires_in=7776000&refresh_token=88E4BE14",
        r#"{"access_token":"FE04CCE2","expires_in":"7776000","refresh_token":"88E4BE14"}"#,
    ] {
        script.set("/oauth2.0/token", Answer::ok("text/html", token));
        let tokens = ok(qq.exchange_code("c", &redirect_uri(ProviderId::Qq)).await);
        assert_eq!(tokens.access_token.expose_secret(), "FE04CCE2");
        assert_eq!(tokens.subject.as_deref(), Some("QQOPENID"));
        assert_eq!(tokens.unionid.as_deref(), Some("UID_1"));
        assert_eq!(tokens.expires_in, Some(7_776_000));
    }
    for (error, kind) in [
        (
            "callback( {\"error\":100020,\"error_description\":\"code is reused error\"} );\n",
            ErrorKind::InvalidCode,
        ),
        (
            "callback({\"error\":100019,\"error_description\":\"code to access token error\"});",
            ErrorKind::InvalidCode,
        ),
        (
            "callback( {\"error\":100010,\"error_description\":\"redirect uri is illegal\"} )\r\n",
            ErrorKind::Misconfigured,
        ),
        (
            "code=100019&msg=code%20to%20access%20token%20error",
            ErrorKind::InvalidCode,
        ),
        (
            "code=100009&msg=client%20secret%20is%20illegal",
            ErrorKind::Misconfigured,
        ),
    ] {
        script.set("/oauth2.0/token", Answer::ok("text/html", error));
        assert_eq!(
            kind_of(qq.exchange_code("c", &redirect_uri(ProviderId::Qq)).await),
            kind,
            "{error}"
        );
    }
}

#[tokio::test]
async fn qq_tokens_for_another_app_are_refused() {
    let script = Script::start().await;
    let qq = script.qq();
    script.set(
        "/oauth2.0/token",
        Answer::ok(
            "text/html",
            "access_token=T&expires_in=7776000&refresh_token=R",
        ),
    );
    script.set(
        "/oauth2.0/me",
        Answer::ok(
            "text/html",
            "callback( {\"client_id\":\"222222\",\"openid\":\"X\"} );\n",
        ),
    );
    assert_eq!(
        kind_of(qq.exchange_code("c", &redirect_uri(ProviderId::Qq)).await),
        ErrorKind::Refused
    );
}

#[tokio::test]
async fn weibo_tokens_for_another_app_or_user_are_refused() {
    let script = Script::start().await;
    let weibo = script.weibo();
    let redirect = redirect_uri(ProviderId::Weibo);
    script.set("/oauth2/access_token", Answer::ok("application/json", r#"{"access_token":"2.00T","remind_in":"157679999","expires_in":157679999,"uid":"6000000001"}"#));
    script.set("/oauth2/get_token_info", Answer::ok("application/json", r#"{"uid":6000000001,"appkey":"3000000000","scope":null,"create_at":1,"expire_in":100}"#));
    assert_eq!(
        kind_of(weibo.exchange_code("c", &redirect).await),
        ErrorKind::Refused
    );

    script.set(
        "/oauth2/get_token_info",
        Answer::ok(
            "application/json",
            r#"{"uid":6000000002,"appkey":"2000000001","expire_in":100}"#,
        ),
    );
    assert_eq!(
        kind_of(weibo.exchange_code("c", &redirect).await),
        ErrorKind::Refused
    );

    script.set(
        "/oauth2/get_token_info",
        Answer::ok(
            "application/json",
            r#"{"uid":"6000000001","appkey":2000000001,"expire_in":"100"}"#,
        ),
    );
    let tokens = ok(weibo.exchange_code("c", &redirect).await);
    assert_eq!(tokens.subject.as_deref(), Some("6000000001"));

    script.set(
        "/2/users/show.json",
        Answer::ok(
            "application/json",
            r#"{"id":6000000009,"idstr":"6000000009","screen_name":"别人"}"#,
        ),
    );
    assert_eq!(
        kind_of(weibo.fetch_profile(&tokens).await),
        ErrorKind::Refused
    );
    script.set("/2/users/show.json", Answer::ok("application/json", r#"{"id":6000000001,"screen_name":"本人","avatar_large":"","profile_image_url":"http://tva1.sinaimg.cn/50","gender":"f"}"#));
    let profile = ok(weibo.fetch_profile(&tokens).await);
    assert_eq!(
        profile.avatar_url.as_deref(),
        Some("http://tva1.sinaimg.cn/50")
    );
}

#[tokio::test]
async fn weibo_errors_arrive_with_any_status() {
    let script = Script::start().await;
    let weibo = script.weibo();
    let body = r#"{"error":"invalid_grant","error_code":21325,"error_description":"invalid authorization code:c","request":"/oauth2/access_token"}"#;
    for status in [200, 400, 500] {
        script.set(
            "/oauth2/access_token",
            Answer {
                status,
                content_type: "application/json",
                body: body.as_bytes().to_vec(),
            },
        );
        let err = weibo
            .exchange_code("c", &redirect_uri(ProviderId::Weibo))
            .await
            .expect_err("an error");
        assert_eq!(
            (err.kind(), err.code()),
            (ErrorKind::InvalidCode, Some(21325)),
            "HTTP {status}"
        );
    }
}

#[tokio::test]
async fn registry_built_providers_work_through_the_trait() {
    let script = Script::start().await;
    let registry = providers::Registry::new(
        [(ProviderId::Wechat, AppCredentials::new("wxapp", "wxsecret"))],
        &script.endpoints,
        test_client(),
    );
    let provider: std::sync::Arc<dyn Provider> =
        registry.get(ProviderId::Wechat).expect("configured");
    script.set(
        "/sns/oauth2/access_token",
        Answer::ok("text/plain", WECHAT_TOKEN),
    );
    let tokens = ok(provider
        .exchange_code("c", &redirect_uri(ProviderId::Wechat))
        .await);
    assert_eq!(tokens.unionid.as_deref(), Some("UNION_A"));
}
