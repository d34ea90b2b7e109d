//! QQ Connect.

use serde_json::json;
use simulator::{QQ_APPID, QQ_APPKEY};

use crate::common::{CALLBACK, Reply, Sim, consent_path, form_map, jsonp};

const AUTHORIZE: &str = "/graph.qq.com/oauth2.0/authorize";
const TOKEN: &str = "/graph.qq.com/oauth2.0/token";

async fn authorize(sim: &Sim) -> Reply {
    sim.get_with(
        AUTHORIZE,
        &[
            ("response_type", "code"),
            ("client_id", QQ_APPID),
            ("redirect_uri", CALLBACK),
            ("state", "qq1"),
            ("scope", "get_user_info"),
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
    assert_eq!(allowed.location_param("state").as_deref(), Some("qq1"));
    allowed.location_param("code").expect("code")
}

fn token_params<'a>(code: &'a str, extra: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut params = vec![
        ("grant_type", "authorization_code"),
        ("client_id", QQ_APPID),
        ("client_secret", QQ_APPKEY),
        ("code", code),
        ("redirect_uri", CALLBACK),
    ];
    params.extend_from_slice(extra);
    params
}

#[tokio::test]
async fn full_flow_urlencoded_token_jsonp_me_and_user_info() {
    let sim = Sim::start().await;
    let code = code_for(&sim, "1").await;
    let token = sim.get_with(TOKEN, &token_params(&code, &[])).await;
    assert_eq!(token.status, 200);
    assert_eq!(token.content_type, "text/html");
    let fields = form_map(&token.body);
    assert!(token.body.starts_with("access_token="));
    assert_eq!(fields["expires_in"], "7776000");
    assert_eq!(fields.len(), 3, "{}", token.body);
    let access = fields["access_token"].clone();
    assert!(!fields["refresh_token"].is_empty());

    let user = sim.user(1).await;
    let me = sim
        .get_with("/graph.qq.com/oauth2.0/me", &[("access_token", &access)])
        .await;
    assert_eq!(me.content_type, "text/html");
    assert_eq!(
        me.body,
        format!(
            "callback( {{\"client_id\":\"{QQ_APPID}\",\"openid\":\"{}\"}} );\n",
            user["qq_openid"].as_str().expect("openid")
        )
    );
    let with_union = sim
        .get_with(
            "/graph.qq.com/oauth2.0/me",
            &[("access_token", &access), ("unionid", "1")],
        )
        .await;
    assert_eq!(jsonp(&with_union.body)["unionid"], user["qq_unionid"]);
    let as_json = sim
        .get_with(
            "/graph.qq.com/oauth2.0/me",
            &[("access_token", &access), ("fmt", "json")],
        )
        .await
        .json();
    assert_eq!(as_json["client_id"], QQ_APPID);

    let openid = user["qq_openid"].as_str().expect("openid");
    let info = sim
        .get_with(
            "/graph.qq.com/user/get_user_info",
            &[
                ("access_token", &access),
                ("oauth_consumer_key", QQ_APPID),
                ("openid", openid),
            ],
        )
        .await;
    assert_eq!(info.content_type, "text/html");
    let i = info.json();
    assert_eq!(i["ret"], 0);
    assert_eq!(i["msg"], "");
    assert_eq!(i["nickname"], user["nickname"]);
    assert_eq!(i["gender"], "男");
    assert!(i["figureurl_qq_1"].as_str().is_some_and(|u| !u.is_empty()));
    assert!(i["figureurl_qq_2"].as_str().is_some_and(|u| !u.is_empty()));

    let wrong_openid = sim
        .get_with(
            "/graph.qq.com/user/get_user_info",
            &[
                ("access_token", &access),
                ("oauth_consumer_key", QQ_APPID),
                ("openid", "ABC"),
            ],
        )
        .await
        .json();
    assert_ne!(wrong_openid["ret"], 0);
    assert!(wrong_openid["msg"].is_string());
}

#[tokio::test]
async fn fmt_json_token_has_string_expires_in_and_post_works() {
    let sim = Sim::start().await;
    let code = code_for(&sim, "2").await;
    let token = sim
        .post_form(TOKEN, &token_params(&code, &[("fmt", "json")]))
        .await;
    let t = token.json();
    assert_eq!(t["expires_in"], "7776000");
    assert!(t["access_token"].is_string());
    assert!(t["refresh_token"].is_string());
}

#[tokio::test]
async fn reused_code_is_jsonp_100020_and_mismatched_redirect_is_refused() {
    let sim = Sim::start().await;
    let code = code_for(&sim, "1").await;
    let mismatch = sim
        .get_with(
            TOKEN,
            &[
                ("grant_type", "authorization_code"),
                ("client_id", QQ_APPID),
                ("client_secret", QQ_APPKEY),
                ("code", &code),
                ("redirect_uri", "http://127.0.0.1:3000/other"),
            ],
        )
        .await;
    assert_eq!(jsonp(&mismatch.body)["error"], 100010);
    let no_redirect = sim
        .get_with(
            TOKEN,
            &[
                ("grant_type", "authorization_code"),
                ("client_id", QQ_APPID),
                ("client_secret", QQ_APPKEY),
                ("code", &code),
            ],
        )
        .await;
    assert_eq!(jsonp(&no_redirect.body)["error"], 100010);
    let bad_secret = sim
        .get_with(
            TOKEN,
            &[
                ("grant_type", "authorization_code"),
                ("client_id", QQ_APPID),
                ("client_secret", "nope"),
                ("code", &code),
                ("redirect_uri", CALLBACK),
            ],
        )
        .await;
    assert_eq!(jsonp(&bad_secret.body)["error"], 100009);
    // Those did not use the code up.
    let first = sim.get_with(TOKEN, &token_params(&code, &[])).await;
    assert!(first.body.starts_with("access_token="));
    let reused = sim.get_with(TOKEN, &token_params(&code, &[])).await;
    assert_eq!(reused.status, 200);
    assert_eq!(reused.content_type, "text/html");
    assert_eq!(
        reused.body,
        "callback( {\"error\":100020,\"error_description\":\"code is reused error\"} );\n"
    );
    let reused_json = sim
        .get_with(TOKEN, &token_params(&code, &[("fmt", "json")]))
        .await;
    assert_eq!(reused_json.json()["error"], 100020);
}

#[tokio::test]
async fn refresh_grant_issues_new_single_use_refresh_token() {
    let sim = Sim::start().await;
    let code = code_for(&sim, "1").await;
    let first = form_map(&sim.get_with(TOKEN, &token_params(&code, &[])).await.body);
    let pairs = [
        ("grant_type", "refresh_token"),
        ("client_id", QQ_APPID),
        ("client_secret", QQ_APPKEY),
        ("refresh_token", first["refresh_token"].as_str()),
    ];
    let second = form_map(&sim.get_with(TOKEN, &pairs).await.body);
    assert!(second.contains_key("access_token"));
    assert_ne!(second["access_token"], first["access_token"]);
    assert_ne!(second["refresh_token"], first["refresh_token"]);
    let again = sim.get_with(TOKEN, &pairs).await;
    let error = jsonp(&again.body)["error"].as_i64().expect("error code");
    assert!((100036..=100042).contains(&error), "{}", again.body);
    // The new access token works.
    let me = sim
        .get_with(
            "/graph.qq.com/oauth2.0/me",
            &[("access_token", &second["access_token"])],
        )
        .await;
    assert_eq!(jsonp(&me.body)["client_id"], QQ_APPID);
}

#[tokio::test]
async fn authorize_requires_state_and_a_registered_domain() {
    let sim = Sim::start().await;
    let cases = [
        vec![
            ("response_type", "code"),
            ("client_id", QQ_APPID),
            ("redirect_uri", CALLBACK),
        ],
        vec![
            ("response_type", "code"),
            ("client_id", QQ_APPID),
            ("redirect_uri", "http://evil.example/"),
            ("state", "s"),
        ],
        vec![
            ("response_type", "code"),
            ("client_id", "999"),
            ("redirect_uri", CALLBACK),
            ("state", "s"),
        ],
        vec![
            ("response_type", "token"),
            ("client_id", QQ_APPID),
            ("redirect_uri", CALLBACK),
            ("state", "s"),
        ],
    ];
    for params in cases {
        let reply = sim.get_with(AUTHORIZE, &params).await;
        assert!(reply.location.is_none(), "{params:?}");
        assert!(reply.body.contains("错误码"), "{params:?}");
    }
}

#[tokio::test]
async fn cancel_and_expired_or_invalid_tokens() {
    let sim = Sim::start().await;
    let page = authorize(&sim).await;
    let cancelled = sim
        .post_form(&consent_path(&page.body), &[("action", "deny")])
        .await;
    assert_eq!(cancelled.location_param("usercancel").as_deref(), Some("1"));
    assert_eq!(cancelled.location_param("state").as_deref(), Some("qq1"));
    assert!(cancelled.location_param("code").is_none());

    sim.control("auto-approve", json!({"provider": "qq", "user": 3}))
        .await;
    let code = authorize(&sim)
        .await
        .location_param("code")
        .expect("auto code");
    let access =
        form_map(&sim.get_with(TOKEN, &token_params(&code, &[])).await.body)["access_token"]
            .clone();
    let user = sim.user(3).await;
    let info = sim
        .get_with(
            "/graph.qq.com/user/get_user_info",
            &[
                ("access_token", &access),
                ("oauth_consumer_key", QQ_APPID),
                ("openid", user["qq_openid"].as_str().expect("openid")),
            ],
        )
        .await
        .json();
    assert_eq!(info["figureurl_qq_2"], "", "no 100px avatar for user 3");
    assert!(
        info["figureurl_qq_1"]
            .as_str()
            .is_some_and(|u| !u.is_empty())
    );

    sim.control("expire", json!({"kind": "access_tokens"}))
        .await;
    let me = sim
        .get_with("/graph.qq.com/oauth2.0/me", &[("access_token", &access)])
        .await;
    assert_eq!(jsonp(&me.body)["error"], 100014);
    let bogus = sim
        .get_with("/graph.qq.com/oauth2.0/me", &[("access_token", "NOPE")])
        .await;
    assert_eq!(
        bogus.body,
        "callback( {\"error\":100016,\"error_description\":\"access token check failed\"} );\n"
    );
}
