//! WeChat website QR login and the shared `/sns/*` API.

use std::time::Duration;

use serde_json::{Value, json};
use simulator::{SimConfig, WECHAT_MP_APPID, WECHAT_OPEN_APPID, WECHAT_OPEN_SECRET};

use crate::common::{CALLBACK, Sim, qr_uuid};

const QRCONNECT: &str = "/open.weixin.qq.com/connect/qrconnect";
const POLL: &str = "/lp.open.weixin.qq.com/connect/l/qrconnect";

fn qr_params<'a>(scope: &'a str, redirect: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("appid", WECHAT_OPEN_APPID),
        ("redirect_uri", redirect),
        ("response_type", "code"),
        ("scope", scope),
        ("state", "abc123"),
    ]
}

fn quick() -> SimConfig {
    SimConfig {
        long_poll_timeout: Duration::from_millis(300),
        ..SimConfig::default()
    }
}

#[tokio::test]
async fn full_qr_flow_scan_confirm_poll_exchange_userinfo() {
    let sim = Sim::start().await;
    let page = sim
        .get_with(QRCONNECT, &qr_params("snsapi_login", CALLBACK))
        .await;
    assert_eq!(page.status, 200);
    assert!(page.content_type.starts_with("text/html"));
    assert!(page.body.contains("<svg"), "an inline QR image");
    let uuid = qr_uuid(&page.body);
    assert_eq!(uuid.len(), 16);

    // A poll waiting for the scan is answered 404 when the phone page opens.
    let poll = {
        let client = sim.client.clone();
        let url = sim.url(&format!("{POLL}?uuid={uuid}&_=1"));
        tokio::spawn(async move { client.get(url).send().await.expect("poll").text().await })
    };
    tokio::time::sleep(Duration::from_millis(100)).await;
    let phone = sim.get(&format!("/phone/{uuid}")).await;
    assert_eq!(phone.status, 200);
    assert!(phone.body.contains("确认登录"));
    let scanned = poll.await.expect("poll task").expect("poll body");
    assert_eq!(scanned, "window.wx_errcode=404;window.wx_code='';");

    // Holding `last=404`, the poll answers 405 with the code on Confirm.
    let poll = {
        let client = sim.client.clone();
        let url = sim.url(&format!("{POLL}?uuid={uuid}&last=404&_=2"));
        tokio::spawn(async move {
            let response = client.get(url).send().await.expect("poll");
            let content_type = response.headers()["content-type"]
                .to_str()
                .map(str::to_owned);
            (content_type, response.text().await)
        })
    };
    tokio::time::sleep(Duration::from_millis(100)).await;
    let confirmed = sim
        .post_form(
            &format!("/phone/{uuid}"),
            &[("user", "2"), ("action", "confirm")],
        )
        .await;
    assert_eq!(confirmed.status, 200);
    let (content_type, body) = poll.await.expect("poll task");
    assert_eq!(content_type.expect("ascii"), "application/javascript");
    let body = body.expect("poll body");
    let code = body
        .strip_prefix("window.wx_errcode=405;window.wx_code='")
        .and_then(|rest| rest.strip_suffix("';"))
        .expect("a 405 with a code")
        .to_owned();
    assert_eq!(code.len(), 32);

    let token = sim.wechat_token(&code).await;
    assert_eq!(token.status, 200);
    assert_eq!(token.content_type, "text/plain");
    let user = sim.user(2).await;
    let t = token.json();
    let keys: Vec<&str> = t
        .as_object()
        .expect("object")
        .keys()
        .map(String::as_str)
        .collect();
    for key in [
        "access_token",
        "expires_in",
        "refresh_token",
        "openid",
        "scope",
        "unionid",
    ] {
        assert!(keys.contains(&key), "{key} in {t}");
    }
    assert_eq!(t["expires_in"], 7200);
    assert_eq!(t["scope"], "snsapi_login");
    assert_eq!(t["openid"], user["wechat_open_openid"]);
    assert_eq!(t["unionid"], user["unionid"]);
    assert!(t.get("is_snapshotuser").is_none());
    let access = t["access_token"].as_str().expect("token").to_owned();
    let openid = t["openid"].as_str().expect("openid").to_owned();

    let info = sim
        .get_with(
            "/api.weixin.qq.com/sns/userinfo",
            &[
                ("access_token", &access),
                ("openid", &openid),
                ("lang", "zh_CN"),
            ],
        )
        .await;
    assert_eq!(info.content_type, "text/plain");
    let i = info.json();
    assert_eq!(i["openid"], t["openid"]);
    assert_eq!(i["nickname"], user["nickname"]);
    assert!(i["nickname"].as_str().expect("nickname").contains('🌸'));
    assert_eq!(i["unionid"], user["unionid"]);
    assert_eq!(i["privilege"], json!([]));
    for key in [
        "sex",
        "language",
        "province",
        "city",
        "country",
        "headimgurl",
    ] {
        assert!(i.get(key).is_some(), "{key} in {i}");
    }
    // The raw bytes are UTF-8 even though the header names no charset.
    assert!(info.body.contains("小红"));

    let check = sim
        .get_with(
            "/api.weixin.qq.com/sns/auth",
            &[("access_token", &access), ("openid", &openid)],
        )
        .await;
    assert_eq!(check.body, r#"{"errcode":0,"errmsg":"ok"}"#);

    // The page's code is single-use.
    let again = sim.wechat_token(&code).await.json();
    assert_eq!(again["errcode"], 40163);
}

#[tokio::test]
async fn long_poll_times_out_with_408_then_cancel_is_403() {
    let sim = Sim::start_with(quick()).await;
    let page = sim
        .get_with(QRCONNECT, &qr_params("snsapi_login", CALLBACK))
        .await;
    let uuid = qr_uuid(&page.body);
    let started = std::time::Instant::now();
    let waiting = sim.get(&format!("{POLL}?uuid={uuid}&_=1")).await;
    assert_eq!(waiting.body, "window.wx_errcode=408;window.wx_code='';");
    assert!(
        started.elapsed() >= Duration::from_millis(250),
        "the poll was held"
    );

    sim.get(&format!("/phone/{uuid}")).await;
    let cancelled = sim
        .post_form(&format!("/phone/{uuid}"), &[("action", "cancel")])
        .await;
    assert!(cancelled.body.contains("已取消"));
    let polled = sim.get(&format!("{POLL}?uuid={uuid}&last=404&_=2")).await;
    assert_eq!(polled.body, "window.wx_errcode=403;window.wx_code='';");
    // A used QR cannot be confirmed afterwards.
    let late = sim
        .post_form(
            &format!("/phone/{uuid}"),
            &[("user", "1"), ("action", "confirm")],
        )
        .await;
    assert!(late.body.contains("二维码已失效"));
}

#[tokio::test]
async fn qr_expires_with_402() {
    let sim = Sim::start_with(SimConfig {
        qr_lifetime: Duration::from_millis(200),
        ..quick()
    })
    .await;
    let page = sim
        .get_with(QRCONNECT, &qr_params("snsapi_login", CALLBACK))
        .await;
    let uuid = qr_uuid(&page.body);
    let polled = sim.get(&format!("{POLL}?uuid={uuid}&_=1")).await;
    assert_eq!(polled.body, "window.wx_errcode=402;window.wx_code='';");
    let phone = sim.get(&format!("/phone/{uuid}")).await;
    assert!(phone.body.contains("二维码已失效"));
    let unknown = sim.get(&format!("{POLL}?uuid=nosuchuuid&_=1")).await;
    assert_eq!(unknown.body, "window.wx_errcode=402;window.wx_code='';");
}

#[tokio::test]
async fn qrconnect_refuses_bad_scope_domain_and_app_without_calling_back() {
    let sim = Sim::start().await;
    let cases: Vec<(Vec<(&str, &str)>, &str)> = vec![
        (qr_params("snsapi_userinfo", CALLBACK), "10005"),
        (qr_params("", CALLBACK), "10005"),
        (qr_params("snsapi_login", "http://evil.example/cb"), "10003"),
        (
            qr_params("snsapi_login", "http://localhost.evil.example/cb"),
            "10003",
        ),
        (
            vec![
                ("appid", WECHAT_MP_APPID),
                ("redirect_uri", CALLBACK),
                ("response_type", "code"),
                ("scope", "snsapi_login"),
            ],
            "10016",
        ),
        (
            vec![
                ("appid", WECHAT_OPEN_APPID),
                ("redirect_uri", CALLBACK),
                ("scope", "snsapi_login"),
            ],
            "10004",
        ),
    ];
    for (params, code) in cases {
        let reply = sim.get_with(QRCONNECT, &params).await;
        assert_eq!(reply.status, 200, "{params:?}");
        assert!(reply.location.is_none(), "never a callback: {params:?}");
        assert!(reply.body.contains(code), "{code} for {params:?}");
        assert!(!reply.body.contains("/phone/"), "no QR for {params:?}");
    }
    // Any port of a registered domain is fine; only the host is compared.
    let ok = sim
        .get_with(
            QRCONNECT,
            &qr_params("snsapi_login", "http://localhost:8123/x?y=1"),
        )
        .await;
    assert!(ok.body.contains("/phone/"));
}

#[tokio::test]
async fn embedded_jssdk_page_redirects_top_or_self() {
    let sim = Sim::start().await;
    let embedded = |self_redirect: &'static str| {
        vec![
            ("appid", WECHAT_OPEN_APPID),
            ("scope", "snsapi_login"),
            ("redirect_uri", CALLBACK),
            ("state", "st"),
            ("login_type", "jssdk"),
            ("self_redirect", self_redirect),
            ("style", "black"),
        ]
    };
    let top = sim.get_with(QRCONNECT, &embedded("default")).await;
    assert_eq!(top.status, 200);
    assert!(
        top.body.contains("top = true"),
        "default redirects window.top"
    );
    assert!(top.body.contains("<svg"));
    let own = sim.get_with(QRCONNECT, &embedded("true")).await;
    assert!(
        own.body.contains("top = false"),
        "self_redirect=true redirects the iframe"
    );
}

#[tokio::test]
async fn wxlogin_js_builds_the_iframe_from_its_own_src() {
    let sim = Sim::start().await;
    let js = sim
        .get("/res.wx.qq.com/connect/zh_CN/htmledition/js/wxLogin.js")
        .await;
    assert_eq!(js.status, 200);
    assert_eq!(js.content_type, "application/javascript");
    for needle in [
        "win.WxLogin = function",
        "currentScript",
        "'/res.wx.qq.com/connect/zh_CN/htmledition/js/wxLogin.js'",
        "/open.weixin.qq.com/connect/qrconnect?appid=",
        "&login_type=jssdk&self_redirect=",
        "n.width = '300px'",
        "n.height = '400px'",
        "&href=",
        "&style=",
    ] {
        assert!(js.body.contains(needle), "{needle}");
    }
}

#[tokio::test]
async fn token_endpoint_errors_and_post_form() {
    let sim = Sim::start().await;
    let code = sim.wechat_token("not-a-code").await;
    assert_eq!(code.status, 200);
    assert_eq!(code.content_type, "text/plain");
    let body = code.json();
    assert_eq!(body["errcode"], 40029);
    assert!(
        body["errmsg"]
            .as_str()
            .expect("errmsg")
            .starts_with("invalid code, rid: ")
    );

    let valid = sim.wechat_code(1).await;
    let with = |appid: &'static str, secret: &'static str, code: String| {
        vec![
            ("appid", appid.to_owned()),
            ("secret", secret.to_owned()),
            ("code", code),
            ("grant_type", "authorization_code".to_owned()),
        ]
    };
    let errors = [
        (with("wxnope", WECHAT_OPEN_SECRET, valid.clone()), 40013),
        (with(WECHAT_OPEN_APPID, "wrong", valid.clone()), 40125),
        (with(WECHAT_OPEN_APPID, "", valid.clone()), 41004),
        (
            with(WECHAT_OPEN_APPID, WECHAT_OPEN_SECRET, String::new()),
            41008,
        ),
        (with("", WECHAT_OPEN_SECRET, valid.clone()), 41002),
        // A website code is no good for the Official Account.
        (
            with(WECHAT_MP_APPID, simulator::WECHAT_MP_SECRET, valid.clone()),
            40029,
        ),
    ];
    for (params, expected) in errors {
        let pairs: Vec<(&str, &str)> = params.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let reply = sim
            .get_with("/api.weixin.qq.com/sns/oauth2/access_token", &pairs)
            .await;
        assert_eq!(reply.json()["errcode"], expected, "{pairs:?}");
    }
    // None of those used the code up; a POST form (as social-core sends) exchanges it,
    // and an extra redirect_uri is ignored.
    let posted = sim
        .post_form(
            "/api.weixin.qq.com/sns/oauth2/access_token",
            &[
                ("appid", WECHAT_OPEN_APPID),
                ("secret", WECHAT_OPEN_SECRET),
                ("code", &valid),
                ("grant_type", "authorization_code"),
                ("redirect_uri", "http://anything/"),
            ],
        )
        .await;
    assert!(posted.json()["access_token"].is_string(), "{}", posted.body);
}

async fn tokens(sim: &Sim, user: u64) -> Value {
    let code = sim.wechat_code(user).await;
    sim.wechat_token(&code).await.json()
}

#[tokio::test]
async fn expiry_of_codes_access_and_refresh_tokens() {
    let sim = Sim::start().await;
    let code = sim.wechat_code(1).await;
    sim.control("expire", json!({"kind": "codes"})).await;
    assert_eq!(sim.wechat_token(&code).await.json()["errcode"], 42003);

    let t = tokens(&sim, 1).await;
    let (access, openid, refresh) = (
        t["access_token"].as_str().expect("access"),
        t["openid"].as_str().expect("openid"),
        t["refresh_token"].as_str().expect("refresh"),
    );
    let expired = sim
        .control("expire", json!({"kind": "access_tokens"}))
        .await;
    assert!(expired["expired"].as_u64() >= Some(1));
    let info = sim
        .get_with(
            "/api.weixin.qq.com/sns/userinfo",
            &[("access_token", access), ("openid", openid)],
        )
        .await;
    assert_eq!(info.json()["errcode"], 42001);
    let auth = sim
        .get_with(
            "/api.weixin.qq.com/sns/auth",
            &[("access_token", access), ("openid", openid)],
        )
        .await;
    assert_eq!(auth.json()["errcode"], 42001);

    // Refresh: a new access token, the same refresh token, no unionid.
    let refresh_params = [
        ("appid", WECHAT_OPEN_APPID),
        ("grant_type", "refresh_token"),
        ("refresh_token", refresh),
    ];
    let refreshed = sim
        .get_with(
            "/api.weixin.qq.com/sns/oauth2/refresh_token",
            &refresh_params,
        )
        .await;
    assert_eq!(refreshed.content_type, "text/plain");
    let r = refreshed.json();
    assert_ne!(r["access_token"], t["access_token"]);
    assert_eq!(r["refresh_token"], t["refresh_token"]);
    assert_eq!(r["openid"], t["openid"]);
    assert_eq!(r["expires_in"], 7200);
    assert_eq!(r["scope"], "snsapi_login");
    let new_access = r["access_token"].as_str().expect("access");
    let info = sim
        .get_with(
            "/api.weixin.qq.com/sns/userinfo",
            &[("access_token", new_access), ("openid", openid)],
        )
        .await;
    assert_eq!(info.json()["openid"], openid);

    sim.control("expire", json!({"kind": "refresh_tokens"}))
        .await;
    let late = sim
        .get_with(
            "/api.weixin.qq.com/sns/oauth2/refresh_token",
            &refresh_params,
        )
        .await;
    assert_eq!(late.json()["errcode"], 42002);
    let bogus = sim
        .get_with(
            "/api.weixin.qq.com/sns/oauth2/refresh_token",
            &[
                ("appid", WECHAT_OPEN_APPID),
                ("grant_type", "refresh_token"),
                ("refresh_token", "x"),
            ],
        )
        .await;
    assert_eq!(bogus.json()["errcode"], 40030);
}

#[tokio::test]
async fn short_lifetimes_from_config_expire_on_their_own() {
    let sim = Sim::start_with(SimConfig {
        code_lifetime: Duration::from_millis(100),
        ..SimConfig::default()
    })
    .await;
    let code = sim.wechat_code(1).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(sim.wechat_token(&code).await.json()["errcode"], 42003);
}

#[tokio::test]
async fn userinfo_and_auth_check_openid_and_token() {
    let sim = Sim::start().await;
    let t = tokens(&sim, 1).await;
    let access = t["access_token"].as_str().expect("access");
    let other = sim.user(2).await;
    let wrong_openid = other["wechat_open_openid"].as_str().expect("openid");
    let cases = [
        (
            vec![("access_token", access), ("openid", wrong_openid)],
            40003,
        ),
        (
            vec![("access_token", "bogus"), ("openid", wrong_openid)],
            40001,
        ),
        (vec![("openid", wrong_openid)], 41001),
    ];
    for (params, expected) in cases {
        for path in [
            "/api.weixin.qq.com/sns/userinfo",
            "/api.weixin.qq.com/sns/auth",
        ] {
            assert_eq!(
                sim.get_with(path, &params).await.json()["errcode"],
                expected,
                "{path} {params:?}"
            );
        }
    }
}

#[tokio::test]
async fn auto_approve_and_deny_redirect_from_qrconnect() {
    let sim = Sim::start().await;
    sim.control("auto-approve", json!({"provider": "wechat", "deny": true}))
        .await;
    let denied = sim
        .get_with(QRCONNECT, &qr_params("snsapi_login", CALLBACK))
        .await;
    assert_eq!(denied.status, 302);
    assert_eq!(
        denied.location.as_deref(),
        Some("http://127.0.0.1:3000/auth/cb?state=abc123")
    );

    let code = sim.wechat_code(3).await;
    let t = sim.wechat_token(&code).await.json();
    assert_eq!(t["openid"], sim.user(3).await["wechat_open_openid"]);
    let info = sim
        .get_with(
            "/api.weixin.qq.com/sns/userinfo",
            &[
                ("access_token", t["access_token"].as_str().expect("access")),
                ("openid", t["openid"].as_str().expect("openid")),
            ],
        )
        .await
        .json();
    assert_eq!(info["headimgurl"], "", "user 3 has no avatar");

    // One-shot: the next request shows the page again.
    let page = sim
        .get_with(QRCONNECT, &qr_params("snsapi_login", CALLBACK))
        .await;
    assert_eq!(page.status, 200);
}
