//! The control API, the pages and mounting under a prefix.

use serde_json::json;
use simulator::{WECHAT_OPEN_APPID, WECHAT_OPEN_SECRET};

use crate::common::{CALLBACK, Sim, qr_uuid};

#[tokio::test]
async fn users_are_listed_created_and_reset() {
    let sim = Sim::start().await;
    let users = sim.users().await;
    assert!(users.len() >= 4);
    for key in [
        "id",
        "nickname",
        "avatar",
        "wechat_open_openid",
        "wechat_mp_openid",
        "unionid",
        "qq_openid",
        "qq_unionid",
        "weibo_uid",
        "snapshot",
    ] {
        assert!(users[0].get(key).is_some(), "{key}");
    }
    assert!(users[0]["weibo_uid"].is_string());
    assert!(
        users.iter().any(|u| u["avatar"] == ""),
        "one user has no avatar"
    );

    let created = sim
        .post_json("/control/users", json!({"nickname": "王芳 <b>"}))
        .await;
    assert_eq!(created.status, 201);
    let user = created.json();
    assert_eq!(user["nickname"], "王芳 <b>");
    assert_eq!(user["snapshot"], false);
    let id = user["id"].as_u64().expect("id");
    assert!(
        user["avatar"]
            .as_str()
            .is_some_and(|a| a.ends_with(&format!("/avatar/{id}.svg")))
    );
    let avatar = sim.get(&format!("/avatar/{id}.svg")).await;
    assert_eq!(avatar.content_type, "image/svg+xml");
    assert!(avatar.body.contains("王"));

    let empty = sim
        .post_json(
            "/control/users",
            json!({"nickname": "x", "avatar": "", "snapshot": true}),
        )
        .await;
    assert_eq!(empty.json()["avatar"], "");
    assert_eq!(empty.json()["snapshot"], true);
    let refused = sim
        .post_json("/control/users", json!({"nickname": "  "}))
        .await;
    assert_eq!(refused.status, 400);

    // Created users can sign in.
    let code = sim.wechat_code(id).await;
    assert_eq!(
        sim.wechat_token(&code).await.json()["openid"],
        user["wechat_open_openid"]
    );

    sim.control("reset", json!({})).await;
    assert_eq!(sim.users().await.len(), users.len());
}

#[tokio::test]
async fn phone_form_creates_a_user_and_comes_back() {
    let sim = Sim::start().await;
    let before = sim.users().await.len();
    let reply = sim
        .post_form(
            "/phone/users",
            &[("nickname", "表单用户"), ("back", "/phone")],
        )
        .await;
    assert_eq!(reply.status, 302);
    assert_eq!(reply.location, Some(sim.url("/phone")));
    assert_eq!(sim.users().await.len(), before + 1);
    let offsite = sim
        .post_form(
            "/phone/users",
            &[("nickname", "另一个"), ("back", "//evil.example/")],
        )
        .await;
    assert_eq!(offsite.location, Some(sim.url("/phone")));
    let home = sim.get("/phone").await;
    assert!(home.body.contains("表单用户"));
}

#[tokio::test]
async fn auto_approve_always_until_reset() {
    let sim = Sim::start().await;
    sim.control(
        "auto-approve",
        json!({"provider": "wechat", "user": 2, "always": true}),
    )
    .await;
    let first = sim.wechat_code_without_setup().await;
    let second = sim.wechat_code_without_setup().await;
    assert_ne!(first, second);
    sim.control("reset", json!({})).await;
    let page = sim.qrconnect().await;
    assert_eq!(page.status, 200, "reset ends auto-approval");
    let unknown = sim
        .post_json(
            "/control/auto-approve",
            json!({"provider": "qq", "user": 999}),
        )
        .await;
    assert_eq!(unknown.status, 404);
    let bad = sim
        .post_json(
            "/control/auto-approve",
            json!({"provider": "myspace", "user": 1}),
        )
        .await;
    assert!((400..500).contains(&bad.status));
}

impl Sim {
    async fn qrconnect(&self) -> crate::common::Reply {
        self.get_with(
            "/open.weixin.qq.com/connect/qrconnect",
            &[
                ("appid", WECHAT_OPEN_APPID),
                ("redirect_uri", CALLBACK),
                ("response_type", "code"),
                ("scope", "snsapi_login"),
                ("state", "c1"),
            ],
        )
        .await
    }

    async fn wechat_code_without_setup(&self) -> String {
        let reply = self.qrconnect().await;
        assert_eq!(reply.status, 302);
        reply.location_param("code").expect("code")
    }
}

#[tokio::test]
async fn request_log_masks_secrets_and_tokens() {
    let sim = Sim::start().await;
    let code = sim.wechat_code(1).await;
    let token = sim.wechat_token(&code).await.json();
    let access = token["access_token"].as_str().expect("access");
    sim.post_form(
        "/api.weixin.qq.com/sns/oauth2/refresh_token",
        &[
            ("appid", WECHAT_OPEN_APPID),
            ("grant_type", "refresh_token"),
            (
                "refresh_token",
                token["refresh_token"].as_str().expect("refresh"),
            ),
        ],
    )
    .await;
    let log = sim.get("/control/requests").await;
    assert!(!log.body.contains(WECHAT_OPEN_SECRET));
    assert!(!log.body.contains(access));
    let entries = log.json();
    let entries = entries.as_array().expect("array");
    let exchange = entries
        .iter()
        .find(|e| e["path"] == "/api.weixin.qq.com/sns/oauth2/access_token")
        .expect("the exchange is logged");
    assert_eq!(exchange["method"], "GET");
    assert_eq!(exchange["query"]["secret"], "sim***et");
    assert_eq!(exchange["query"]["appid"], WECHAT_OPEN_APPID);
    assert_eq!(exchange["status"], 200);
    let refresh = entries
        .iter()
        .find(|e| e["path"] == "/api.weixin.qq.com/sns/oauth2/refresh_token")
        .expect("the refresh is logged");
    assert!(
        refresh["form"]["refresh_token"]
            .as_str()
            .is_some_and(|t| t.contains("***"))
    );
    assert!(!entries.iter().any(|e| {
        e["path"]
            .as_str()
            .is_some_and(|p| p.starts_with("/control"))
    }));
}

#[tokio::test]
async fn mounted_under_a_prefix_links_and_qr_use_it() {
    let sim = Sim::start_mounted().await;
    assert!(sim.root.ends_with("/_sim"));
    let page = sim.qrconnect().await;
    assert_eq!(page.status, 200);
    let uuid = qr_uuid(&page.body);
    assert!(
        page.body.contains(&format!("{}/phone/{uuid}", sim.root)),
        "absolute phone URL with the prefix"
    );
    assert!(page.body.contains(&format!(
        "{}/lp.open.weixin.qq.com/connect/l/qrconnect",
        sim.root
    )));
    let phone = sim.get(&format!("/phone/{uuid}")).await;
    assert!(
        phone
            .body
            .contains(&format!("action=\"{}/phone/{uuid}\"", sim.root))
    );
    let index = sim.get("/").await;
    assert_eq!(index.status, 200);
    assert!(index.body.contains(&format!(
        "{}/open.weixin.qq.com/connect/qrconnect",
        sim.root
    )));
    let users = sim.users().await;
    assert!(
        users[0]["avatar"]
            .as_str()
            .is_some_and(|a| a.starts_with(&format!("{}/avatar/", sim.root)))
    );
    let js = sim
        .get("/res.wx.qq.com/connect/zh_CN/htmledition/js/wxLogin.js")
        .await;
    assert!(
        js.body.contains(&format!("\"{}\"", sim.root)),
        "fallback root"
    );
}

#[tokio::test]
async fn public_base_overrides_the_host() {
    let sim = Sim::start_with(simulator::SimConfig {
        public_base: Some("https://sim.example/_sim/".to_owned()),
        ..simulator::SimConfig::default()
    })
    .await;
    let page = sim.qrconnect().await;
    assert!(page.body.contains("https://sim.example/_sim/phone/"));
}

#[tokio::test]
async fn index_page_lists_apps_and_users() {
    let sim = Sim::start().await;
    let index = sim.get("/").await;
    assert!(index.content_type.starts_with("text/html"));
    assert!(index.body.contains(WECHAT_OPEN_APPID));
    assert!(index.body.contains(simulator::QQ_APPID));
    assert!(index.body.contains(simulator::WEIBO_APPKEY));
    assert!(index.body.contains("张伟"));
}
