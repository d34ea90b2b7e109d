//! Sina Weibo.

use serde_json::json;
use simulator::{WEIBO_APPKEY, WEIBO_SECRET};

use crate::common::{CALLBACK, Reply, Sim, consent_path};

const AUTHORIZE: &str = "/api.weibo.com/oauth2/authorize";
const TOKEN: &str = "/api.weibo.com/oauth2/access_token";

async fn authorize(sim: &Sim) -> Reply {
    sim.get_with(
        AUTHORIZE,
        &[
            ("client_id", WEIBO_APPKEY),
            ("redirect_uri", CALLBACK),
            ("state", "wb1"),
            ("scope", ""),
        ],
    )
    .await
}

async fn code_for(sim: &Sim, user: &str) -> String {
    let page = authorize(sim).await;
    assert_eq!(page.status, 200);
    let allowed = sim
        .post_form(
            &consent_path(&page.body),
            &[("user", user), ("action", "allow")],
        )
        .await;
    assert_eq!(allowed.status, 302);
    assert_eq!(allowed.location_param("state").as_deref(), Some("wb1"));
    allowed.location_param("code").expect("code")
}

async fn exchange(sim: &Sim, code: &str, redirect: &str) -> Reply {
    sim.post_form(
        TOKEN,
        &[
            ("client_id", WEIBO_APPKEY),
            ("client_secret", WEIBO_SECRET),
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", redirect),
        ],
    )
    .await
}

#[tokio::test]
async fn full_flow_token_token_info_and_users_show() {
    let sim = Sim::start().await;
    let code = code_for(&sim, "2").await;
    let token = exchange(&sim, &code, CALLBACK).await;
    assert_eq!(token.status, 200);
    assert_eq!(token.content_type, "application/json;charset=UTF-8");
    let t = token.json();
    let user = sim.user(2).await;
    assert_eq!(t["uid"], user["weibo_uid"], "uid is a string");
    assert!(t["expires_in"].is_u64());
    assert!(t["remind_in"].is_string());
    assert!(
        t["access_token"]
            .as_str()
            .is_some_and(|a| a.starts_with("2.00"))
    );
    let access = t["access_token"].as_str().expect("access");

    let info = sim
        .post_form(
            "/api.weibo.com/oauth2/get_token_info",
            &[("access_token", access)],
        )
        .await;
    assert_eq!(info.status, 200);
    let i = info.json();
    assert_eq!(i["appkey"], WEIBO_APPKEY);
    assert_eq!(
        i["uid"].to_string(),
        user["weibo_uid"].as_str().expect("uid"),
        "uid is a number"
    );
    assert!(i["create_at"].is_u64());
    assert!(i["expire_in"].as_u64().is_some_and(|e| e > 0));
    assert!(i["scope"].is_null());

    let uid = user["weibo_uid"].as_str().expect("uid");
    let show = sim
        .get_with(
            "/api.weibo.com/2/users/show.json",
            &[("access_token", access), ("uid", uid)],
        )
        .await;
    assert_eq!(show.status, 200);
    let s = show.json();
    assert_eq!(s["id"].to_string(), uid);
    assert_eq!(s["idstr"], uid);
    assert_eq!(s["screen_name"], user["nickname"]);
    assert_eq!(s["gender"], "f");
    for key in [
        "name",
        "profile_image_url",
        "avatar_large",
        "location",
        "description",
    ] {
        assert!(s.get(key).is_some(), "{key}");
    }
    // The token may also travel in an Authorization header.
    let header = sim
        .client
        .get(sim.url(&format!("/api.weibo.com/2/users/show.json?uid={uid}")))
        .header("Authorization", format!("OAuth2 {access}"))
        .send()
        .await
        .expect("GET");
    assert_eq!(header.status(), 200);
}

#[tokio::test]
async fn token_errors_have_weibo_shape_and_status() {
    let sim = Sim::start().await;
    let code = code_for(&sim, "1").await;
    let mismatch = exchange(&sim, &code, "http://127.0.0.1:3000/elsewhere").await;
    assert_eq!(mismatch.status, 400);
    let m = mismatch.json();
    assert_eq!(m["error"], "redirect_uri_mismatch");
    assert_eq!(m["error_code"], 21322);
    assert_eq!(m["request"], "/oauth2/access_token");
    let ok = exchange(&sim, &code, CALLBACK).await;
    assert_eq!(
        ok.status, 200,
        "a refused exchange does not use the code up"
    );
    let reused = exchange(&sim, &code, CALLBACK).await;
    assert_eq!(reused.status, 400);
    let r = reused.json();
    assert_eq!(r["error"], "invalid_grant");
    assert_eq!(r["error_code"], 21325);
    assert!(r["error_description"].is_string());
    let keys: Vec<&str> = r
        .as_object()
        .expect("object")
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(keys.len(), 4, "{keys:?}");

    let bad_client = sim
        .post_form(
            TOKEN,
            &[
                ("client_id", WEIBO_APPKEY),
                ("client_secret", "nope"),
                ("grant_type", "authorization_code"),
                ("code", "x"),
                ("redirect_uri", CALLBACK),
            ],
        )
        .await;
    assert_eq!(bad_client.json()["error_code"], 21324);
    let get = sim.get(TOKEN).await;
    assert_eq!(get.json()["error_code"], 10021);

    // Query-string parameters on a POST are accepted too, as Weibo does.
    let code = code_for(&sim, "1").await;
    let url = url::Url::parse_with_params(
        &sim.url(TOKEN),
        &[
            ("client_id", WEIBO_APPKEY),
            ("client_secret", WEIBO_SECRET),
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", CALLBACK),
        ],
    )
    .expect("url");
    let by_query = sim.client.post(url).send().await.expect("POST");
    assert_eq!(by_query.status(), 200);
}

#[tokio::test]
async fn deny_sends_weibos_exact_error_query() {
    let sim = Sim::start().await;
    let page = authorize(&sim).await;
    let denied = sim
        .post_form(&consent_path(&page.body), &[("action", "deny")])
        .await;
    assert_eq!(denied.status, 302);
    assert_eq!(
        denied.location.as_deref(),
        Some(
            "http://127.0.0.1:3000/auth/cb?error_uri=%2Foauth2%2Fauthorize&error=access_denied&error_description=user%20denied%20your%20request.&error_code=21330&state=wb1"
        )
    );
    sim.control("auto-approve", json!({"provider": "weibo", "deny": true}))
        .await;
    let auto = authorize(&sim).await;
    assert_eq!(auto.location, denied.location);
}

#[tokio::test]
async fn expired_and_invalid_tokens_are_401() {
    let sim = Sim::start().await;
    sim.control("auto-approve", json!({"provider": "weibo", "user": 1}))
        .await;
    let code = authorize(&sim).await.location_param("code").expect("code");
    let t = exchange(&sim, &code, CALLBACK).await.json();
    let access = t["access_token"].as_str().expect("access");
    let uid = t["uid"].as_str().expect("uid");
    sim.control("expire", json!({"kind": "access_tokens"}))
        .await;
    let show = sim
        .get_with(
            "/api.weibo.com/2/users/show.json",
            &[("access_token", access), ("uid", uid)],
        )
        .await;
    assert_eq!(show.status, 401);
    assert_eq!(show.json()["error_code"], 21327);
    assert_eq!(show.json()["request"], "/2/users/show.json");
    let info = sim
        .post_form(
            "/api.weibo.com/oauth2/get_token_info",
            &[("access_token", "2.00bogus")],
        )
        .await;
    assert_eq!(info.status, 401);
    assert_eq!(info.json()["error_code"], 21332);
}

#[tokio::test]
async fn authorize_checks_client_and_redirect() {
    let sim = Sim::start().await;
    for params in [
        vec![("client_id", "1"), ("redirect_uri", CALLBACK)],
        vec![
            ("client_id", WEIBO_APPKEY),
            ("redirect_uri", "https://evil.example/cb"),
        ],
        vec![("redirect_uri", CALLBACK)],
    ] {
        let reply = sim.get_with(AUTHORIZE, &params).await;
        assert!(reply.location.is_none(), "{params:?}");
        assert!(reply.body.contains("错误码"), "{params:?}");
    }
}
