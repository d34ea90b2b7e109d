//! WeChat Official Account web authorization.

use serde_json::{Value, json};
use simulator::{WECHAT_MP_APPID, WECHAT_MP_SECRET};

use crate::common::{CALLBACK, Reply, Sim, consent_path};

const AUTHORIZE: &str = "/open.weixin.qq.com/connect/oauth2/authorize";

async fn authorize(sim: &Sim, scope: &str) -> Reply {
    sim.get_with(
        AUTHORIZE,
        &[
            ("appid", WECHAT_MP_APPID),
            ("redirect_uri", CALLBACK),
            ("response_type", "code"),
            ("scope", scope),
            ("state", "mp1"),
        ],
    )
    .await
}

async fn exchange(sim: &Sim, code: &str) -> Value {
    sim.get_with(
        "/api.weixin.qq.com/sns/oauth2/access_token",
        &[
            ("appid", WECHAT_MP_APPID),
            ("secret", WECHAT_MP_SECRET),
            ("code", code),
            ("grant_type", "authorization_code"),
        ],
    )
    .await
    .json()
}

async fn userinfo(sim: &Sim, token: &Value) -> Value {
    sim.get_with(
        "/api.weixin.qq.com/sns/userinfo",
        &[
            (
                "access_token",
                token["access_token"].as_str().expect("access"),
            ),
            ("openid", token["openid"].as_str().expect("openid")),
            ("lang", "zh_CN"),
        ],
    )
    .await
    .json()
}

#[tokio::test]
async fn snsapi_base_is_silent_and_gives_no_userinfo_rights() {
    let sim = Sim::start().await;
    let reply = authorize(&sim, "snsapi_base").await;
    assert_eq!(reply.status, 302);
    assert_eq!(reply.location_param("state").as_deref(), Some("mp1"));
    let code = reply.location_param("code").expect("code");
    let token = exchange(&sim, &code).await;
    let user = sim.user(1).await;
    assert_eq!(token["scope"], "snsapi_base");
    assert_eq!(token["openid"], user["wechat_mp_openid"]);
    assert_ne!(
        token["openid"], user["wechat_open_openid"],
        "openid is per app"
    );
    assert!(token.get("unionid").is_none());
    assert_eq!(userinfo(&sim, &token).await["errcode"], 48001);
}

#[tokio::test]
async fn snsapi_userinfo_consent_then_userinfo_with_the_same_unionid() {
    let sim = Sim::start().await;
    let page = authorize(&sim, "snsapi_userinfo").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("允许"));
    let action = crate::common::consent_path(&page.body);
    let allowed = sim
        .post_form(&action, &[("user", "4"), ("action", "allow")])
        .await;
    assert_eq!(allowed.status, 302);
    let code = allowed.location_param("code").expect("code");
    let token = exchange(&sim, &code).await;
    let user = sim.user(4).await;
    assert_eq!(token["scope"], "snsapi_userinfo");
    assert_eq!(
        token["unionid"], user["unionid"],
        "one unionid across the account's apps"
    );
    let info = userinfo(&sim, &token).await;
    assert_eq!(info["nickname"], user["nickname"]);
    assert_eq!(info["unionid"], user["unionid"]);
    assert_eq!(info["openid"], user["wechat_mp_openid"]);
    // The consent ticket is single-use.
    let again = sim
        .post_form(&action, &[("user", "4"), ("action", "allow")])
        .await;
    assert_ne!(again.status, 302);
}

#[tokio::test]
async fn deny_redirects_with_state_and_no_code() {
    let sim = Sim::start().await;
    let page = authorize(&sim, "snsapi_userinfo").await;
    let denied = sim
        .post_form(&consent_path(&page.body), &[("action", "deny")])
        .await;
    assert_eq!(denied.status, 302);
    assert_eq!(
        denied.location.as_deref(),
        Some("http://127.0.0.1:3000/auth/cb?state=mp1")
    );
}

#[tokio::test]
async fn snapshot_user_is_marked() {
    let sim = Sim::start().await;
    let snapshot = sim
        .users()
        .await
        .into_iter()
        .find(|u| u["snapshot"] == true)
        .expect("a seeded snapshot user");
    let id = snapshot["id"].as_u64().expect("id");
    sim.control("auto-approve", json!({"provider": "wechat_mp", "user": id}))
        .await;
    let reply = authorize(&sim, "snsapi_userinfo").await;
    let token = exchange(&sim, &reply.location_param("code").expect("code")).await;
    assert_eq!(token["is_snapshotuser"], 1);
    assert_eq!(token["openid"], snapshot["wechat_mp_openid"]);
    assert_eq!(userinfo(&sim, &token).await["errcode"], 48001);
}

#[tokio::test]
async fn wrong_parameter_order_scope_and_domain_show_an_error_page() {
    let sim = Sim::start().await;
    let enc = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    let cb = enc(CALLBACK);
    let bad = [
        format!(
            "{AUTHORIZE}?redirect_uri={cb}&appid={WECHAT_MP_APPID}&response_type=code&scope=snsapi_base&state=x"
        ),
        format!(
            "{AUTHORIZE}?appid={WECHAT_MP_APPID}&redirect_uri={cb}&scope=snsapi_base&response_type=code&state=x"
        ),
        format!(
            "{AUTHORIZE}?appid={WECHAT_MP_APPID}&redirect_uri={cb}&response_type=code&state=x&scope=snsapi_base"
        ),
        format!(
            "{AUTHORIZE}?appid={WECHAT_MP_APPID}&redirect_uri={cb}&response_type=code&scope=snsapi_login&state=x"
        ),
        format!(
            "{AUTHORIZE}?appid={WECHAT_MP_APPID}&redirect_uri={}&response_type=code&scope=snsapi_base&state=x",
            enc("https://evil.example/cb")
        ),
        format!(
            "{AUTHORIZE}?appid={}&redirect_uri={cb}&response_type=code&scope=snsapi_base",
            simulator::WECHAT_OPEN_APPID
        ),
    ];
    for path in bad {
        let reply = sim.get(&path).await;
        assert_eq!(reply.status, 200, "{path}");
        assert!(reply.location.is_none(), "never a callback: {path}");
        assert!(reply.body.contains("错误码"), "{path}");
    }
    let good = format!(
        "{AUTHORIZE}?appid={WECHAT_MP_APPID}&redirect_uri={cb}&response_type=code&scope=snsapi_base"
    );
    assert_eq!(sim.get(&good).await.status, 302, "state is optional");
}

#[tokio::test]
async fn mp_code_is_single_use() {
    let sim = Sim::start().await;
    let code = authorize(&sim, "snsapi_base")
        .await
        .location_param("code")
        .expect("code");
    assert!(exchange(&sim, &code).await["access_token"].is_string());
    assert_eq!(exchange(&sim, &code).await["errcode"], 40163);
}
