//! The provider against someone trying to break it, and against caches and clients that do
//! what the specifications allow: each test is a way in that must stay shut.

use serde_json::Value;

use crate::helpers::{Browser, location, query_param, spawn_app};
use crate::oidc_helpers::{REDIRECT, Registration, Site, follow, header, person};

async fn code_for(site: &Site, browser: &Browser) -> (String, String) {
    let started = site.start(&["profile"], &[]);
    let back = follow(browser, &location(&browser.get(&started.url).await)).await;
    assert!(back.starts_with(REDIRECT), "{back}");
    (
        query_param(&back, "code").expect("a code"),
        started.verifier.expect("PKCE").secret().clone(),
    )
}

async fn redeem(site: &Site, code: &str, verifier: &str) -> reqwest::Response {
    site.post(
        "/oauth/token",
        &[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", REDIRECT),
            ("code_verifier", verifier),
        ],
    )
    .await
}

#[tokio::test]
async fn a_stolen_code_used_after_the_site_refreshed_still_ends_everything() {
    let app = spawn_app().await;
    let site = Site::register(&app, Registration::first_party()).await;
    let browser = person(&app, 1, "ada").await;
    let (code, verifier) = code_for(&site, &browser).await;
    let first: Value = redeem(&site, &code, &verifier).await.json().await.unwrap();
    let refreshed: Value = site
        .refresh(first["refresh_token"].as_str().unwrap(), None)
        .await
        .json()
        .await
        .unwrap();
    let live = refreshed["access_token"].as_str().unwrap();
    assert_eq!(site.userinfo(live).await.status(), 200);

    assert_eq!(redeem(&site, &code, &verifier).await.status(), 400);
    assert_eq!(
        site.userinfo(live).await.status(),
        401,
        "the refreshed tokens end too"
    );
    let refresh = site
        .refresh(refreshed["refresh_token"].as_str().unwrap(), None)
        .await;
    assert_eq!(refresh.status(), 400);
}

#[tokio::test]
async fn a_code_redeemed_twice_at_once_leaves_no_live_token() {
    let app = spawn_app().await;
    let site = Site::register(&app, Registration::first_party()).await;
    let browser = person(&app, 1, "grace").await;
    for _ in 0..5 {
        let (code, verifier) = code_for(&site, &browser).await;
        let answers =
            futures::future::join_all((0..6).map(|_| redeem(&site, &code, &verifier))).await;
        let mut issued = Vec::new();
        for answer in answers {
            if answer.status() == 200 {
                let body: Value = answer.json().await.unwrap();
                issued.push(body["access_token"].as_str().unwrap().to_string());
            }
        }
        assert_eq!(issued.len(), 1, "exactly one redemption wins");
        assert_eq!(
            site.userinfo(&issued[0]).await.status(),
            401,
            "the losers' attempts revoked what the winner got"
        );
    }
}

#[tokio::test]
async fn after_a_key_rotation_a_client_with_cached_keys_still_verifies_new_tokens() {
    let app = spawn_app().await;
    let site = Site::register(&app, Registration::first_party()).await;
    let browser = person(&app, 1, "linus").await;
    let cached = site.metadata.clone();
    let keys = denglu::oidc::KeyRing::new(
        app.db.conn.clone(),
        app.auth.sealer().clone(),
        chrono::Duration::hours(24),
    );
    let made = keys.rotate().await.expect("rotated");
    // The new keys are published at once...
    let jwks: Value = app.get("/oauth/jwks").await.json().await.unwrap();
    let published: Vec<&str> = jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["kid"].as_str().unwrap())
        .collect();
    for kid in &made {
        assert!(published.contains(&kid.as_str()));
    }
    // ...but sign only once every cache of the old set has expired: a client holding the
    // set it fetched before the rotation verifies the tokens made right after it.
    let stale = Site {
        metadata: cached,
        redirect: site.redirect.clone(),
        client_id: site.client_id.clone(),
        secret: site.secret.clone(),
        http: site.http.clone(),
        issuer: site.issuer.clone(),
    };
    let started = stale.start(&[], &[]);
    let back = follow(&browser, &location(&browser.get(&started.url).await)).await;
    let tokens = stale.finish(started, &back).await;
    let header = header(&tokens.id_token());
    assert!(!made.contains(&header["kid"].as_str().unwrap().to_string()));
}

#[tokio::test]
async fn a_site_that_posts_its_logout_and_authorize_requests_reaches_the_persons_session() {
    let app = spawn_app().await;
    let site = Site::register(
        &app,
        Registration {
            first_party: true,
            post_logout: vec!["https://site.example/bye".into()],
            ..Default::default()
        },
    )
    .await;
    let browser = person(&app, 1, "edsger").await;

    // A form post from the site's page: SameSite=Lax keeps the session cookie out of it, so
    // the answer must be a GET the browser repeats with its cookies.
    let started = site.start(&[], &[("prompt", "none")]);
    let query = started.url.split_once('?').unwrap().1.to_string();
    let posted = browser
        .client
        .post(browser.url("/oauth/authorize"))
        .header("origin", "https://site.example")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(query.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(posted.status(), 303);
    assert_eq!(location(&posted), format!("/oauth/authorize?{query}"));

    let (code, verifier) = code_for(&site, &browser).await;
    let tokens: Value = redeem(&site, &code, &verifier).await.json().await.unwrap();
    let hint = tokens["id_token"].as_str().unwrap();
    let form = format!(
        "id_token_hint={hint}&post_logout_redirect_uri={}&state=s",
        url::form_urlencoded::byte_serialize(b"https://site.example/bye").collect::<String>()
    );
    let posted = browser
        .client
        .post(browser.url("/oauth/logout"))
        .header("origin", "https://site.example")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(posted.status(), 303);
    assert_eq!(location(&posted), format!("/oauth/logout?{form}"));
    assert!(
        browser.me().await.is_some(),
        "the post alone signs nobody out"
    );
    let done = browser.get(&location(&posted)).await;
    assert_eq!(location(&done), "https://site.example/bye?state=s");
    assert!(browser.me().await.is_none());
}

#[tokio::test]
async fn cacheable_answers_never_carry_a_session_cookie() {
    let app = spawn_app().await;
    let browser = person(&app, 1, "barbara").await;
    for path in ["/.well-known/openid-configuration", "/oauth/jwks"] {
        // Another device description makes the session want to note it.
        let response = browser
            .client
            .get(browser.url(path))
            .header("user-agent", "Mozilla/5.0 (Windows NT 10.0) Firefox/120.0")
            .send()
            .await
            .unwrap();
        assert!(
            response.headers()["cache-control"]
                .to_str()
                .unwrap()
                .starts_with("public")
        );
        assert!(response.headers().get("set-cookie").is_none(), "{path}");
    }
}

#[tokio::test]
async fn introspection_calls_a_disabled_persons_tokens_inactive() {
    let app = spawn_app().await;
    let site = Site::register(&app, Registration::first_party()).await;
    let browser = person(&app, 1, "ken").await;
    let (code, verifier) = code_for(&site, &browser).await;
    let tokens: Value = redeem(&site, &code, &verifier).await.json().await.unwrap();
    // Disabled by another process (no session-end listener runs here).
    app.execute("UPDATE users SET status = 'disabled'").await;
    for token in ["access_token", "refresh_token"] {
        let answer: Value = site
            .post(
                "/oauth/introspect",
                &[("token", tokens[token].as_str().unwrap())],
            )
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(answer["active"], false, "{token}");
    }
}

#[tokio::test]
async fn a_browser_app_may_call_the_endpoints_across_origins() {
    let app = spawn_app().await;
    for path in [
        "/.well-known/openid-configuration",
        "/oauth/jwks",
        "/oauth/token",
        "/oauth/userinfo",
    ] {
        let preflight = app
            .client
            .request(reqwest::Method::OPTIONS, app.url(path))
            .header("origin", "https://spa.example")
            .header("access-control-request-method", "POST")
            .header(
                "access-control-request-headers",
                "authorization, content-type",
            )
            .send()
            .await
            .unwrap();
        assert!(
            preflight.status().is_success(),
            "{path}: {}",
            preflight.status()
        );
        assert_eq!(
            preflight.headers()["access-control-allow-origin"],
            "*",
            "{path}"
        );
    }
    // Never the pages or the session's own endpoints.
    let page = app
        .client
        .get(app.url("/api/me"))
        .header("origin", "https://spa.example")
        .send()
        .await
        .unwrap();
    assert!(page.headers().get("access-control-allow-origin").is_none());
}

#[tokio::test]
async fn a_logout_without_a_hint_is_confirmed_by_the_person_first() {
    let app = spawn_app().await;
    let site = Site::register(
        &app,
        Registration {
            first_party: true,
            post_logout: vec!["https://site.example/bye".into()],
            ..Default::default()
        },
    )
    .await;
    let browser = person(&app, 1, "radia").await;
    let request = format!(
        "/oauth/logout?client_id={}&post_logout_redirect_uri={}&state=st",
        site.client_id,
        url::form_urlencoded::byte_serialize(b"https://site.example/bye").collect::<String>()
    );
    let confirm = location(&browser.get(&request).await);
    assert!(confirm.starts_with("/oauth/logout/confirm?"), "{confirm}");
    assert!(
        browser.me().await.is_some(),
        "a link alone signs nobody out"
    );
    let page = browser.get(&confirm).await;
    let csp = page.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        csp.contains("form-action 'self' https://site.example;"),
        "{csp}"
    );
    // An address no client registered gets no way out of the policy.
    let foreign = browser
        .get("/oauth/logout/confirm?post_logout_redirect_uri=https%3A%2F%2Fevil.example%2F")
        .await;
    let csp = foreign.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(csp.contains("form-action 'self';"), "{csp}");

    let query = confirm.split_once('?').unwrap().1;
    let confirmed = browser
        .client
        .post(browser.url(&format!("/oauth/logout/confirmed?{query}")))
        .header("origin", browser.url("").trim_end_matches('/'))
        .send()
        .await
        .unwrap();
    assert_eq!(location(&confirmed), "https://site.example/bye?state=st");
    assert!(browser.me().await.is_none());
}

#[tokio::test]
async fn a_silent_request_for_someone_else_is_not_answered_for_the_person_signed_in() {
    let app = spawn_app().await;
    let site = Site::register(&app, Registration::first_party()).await;
    let ada = person(&app, 1, "ada").await;
    let (code, verifier) = code_for(&site, &ada).await;
    let tokens: Value = redeem(&site, &code, &verifier).await.json().await.unwrap();
    let hint = tokens["id_token"].as_str().unwrap();

    let grace = person(&app, 2, "grace").await;
    let started = site.start(&[], &[("prompt", "none"), ("id_token_hint", hint)]);
    let back = location(&grace.get(&started.url).await);
    assert_eq!(
        query_param(&back, "error").as_deref(),
        Some("login_required"),
        "{back}"
    );
    // The person the hint names gets a code.
    let started = site.start(&[], &[("prompt", "none"), ("id_token_hint", hint)]);
    let back = location(&ada.get(&started.url).await);
    assert!(query_param(&back, "code").is_some(), "{back}");
}

#[tokio::test]
async fn a_removed_client_leaves_no_working_token_and_401s_say_how_to_authenticate() {
    let app = spawn_app().await;
    let site = Site::register(&app, Registration::first_party()).await;
    let browser = person(&app, 1, "ken").await;
    let (code, verifier) = code_for(&site, &browser).await;
    let tokens: Value = redeem(&site, &code, &verifier).await.json().await.unwrap();
    let access = tokens["access_token"].as_str().unwrap();

    // UserInfo by POST with the header and no body, any case of "Bearer".
    let info = site
        .http
        .post(format!("{}/oauth/userinfo", site.issuer))
        .header("authorization", format!("bearer {access}"))
        .send()
        .await
        .unwrap();
    assert_eq!(info.status(), 200);

    assert!(
        denglu::oidc::clients::remove(&app.db.conn, &site.client_id)
            .await
            .unwrap()
    );
    assert_eq!(site.userinfo(access).await.status(), 401);
    let by_post = site
        .http
        .post(format!("{}/oauth/token", site.issuer))
        .form(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", tokens["refresh_token"].as_str().unwrap()),
            ("client_id", site.client_id.as_str()),
            ("client_secret", site.secret.as_deref().unwrap()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(by_post.status(), 401);
    assert!(by_post.headers().contains_key("www-authenticate"));
}

#[tokio::test]
async fn the_wechat_ids_are_given_only_with_consent_even_to_a_first_party_site() {
    let app = spawn_app().await;
    let site = Site::register(&app, Registration::first_party()).await;
    let browser = app.new_browser();
    browser.sign_up(&app, "wechat", 1, "wxuser").await;
    let started = site.start(&["wechat"], &[]);
    let consent = follow(&browser, &location(&browser.get(&started.url).await)).await;
    assert!(consent.starts_with("/oauth/consent?request="), "{consent}");
    let request = query_param(&consent, "request").unwrap();
    let allowed = browser
        .client
        .post(browser.url("/oauth/consent/decide"))
        .form(&[("request", request.as_str()), ("decision", "allow")])
        .send()
        .await
        .unwrap();
    let tokens = site.finish(started, &location(&allowed)).await;
    let info: Value = site.userinfo(&tokens.access()).await.json().await.unwrap();
    let unionid = app.sim_user(1).await["unionid"].clone();
    assert_eq!(info["wechat"]["unionid"], unionid, "{info}");
    assert!(
        info["wechat"]["openids"]
            .as_object()
            .is_some_and(|o| !o.is_empty())
    );
}

#[tokio::test]
async fn a_refresh_token_ends_with_its_denglu_session_however_it_ended() {
    let app = spawn_app().await;
    let site = Site::register(&app, Registration::first_party()).await;
    let browser = person(&app, 1, "tim").await;
    let (code, verifier) = code_for(&site, &browser).await;
    let tokens: Value = redeem(&site, &code, &verifier).await.json().await.unwrap();
    // The session expires and is swept: nothing reports it.
    app.execute("DELETE FROM sessions").await;
    let refresh = site
        .refresh(tokens["refresh_token"].as_str().unwrap(), None)
        .await;
    assert_eq!(refresh.status(), 400);
    assert_eq!(
        refresh.json::<Value>().await.unwrap()["error"],
        "invalid_grant"
    );
}

#[tokio::test]
async fn a_narrower_refresh_keeps_the_refresh_tokens_scope_and_its_end() {
    let app = spawn_app().await;
    let site = Site::register(&app, Registration::first_party()).await;
    let browser = person(&app, 1, "ida").await;
    let (code, verifier) = code_for(&site, &browser).await;
    let first: Value = redeem(&site, &code, &verifier).await.json().await.unwrap();
    let introspect = |token: String| {
        let site = &site;
        async move {
            site.post("/oauth/introspect", &[("token", &token)])
                .await
                .json::<Value>()
                .await
                .unwrap()
        }
    };
    let first_end =
        introspect(first["refresh_token"].as_str().unwrap().to_string()).await["exp"].clone();
    let narrow: Value = site
        .refresh(first["refresh_token"].as_str().unwrap(), Some("openid"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(narrow["scope"], "openid");
    let info: Value = site
        .userinfo(narrow["access_token"].as_str().unwrap())
        .await
        .json()
        .await
        .unwrap();
    assert!(info.get("name").is_none(), "the access token is narrowed");
    let kept = introspect(narrow["refresh_token"].as_str().unwrap().to_string()).await;
    assert_eq!(
        kept["scope"], "openid profile",
        "RFC 6749 §6: the refresh token keeps its scope"
    );
    assert_eq!(
        kept["exp"], first_end,
        "a family does not live longer by being refreshed"
    );
}

#[tokio::test]
async fn consent_for_a_native_app_lets_the_answer_reach_the_app() {
    let app = spawn_app().await;
    let site = Site::register(
        &app,
        Registration {
            public: true,
            redirect: Some("com.example.app:/callback".into()),
            ..Default::default()
        },
    )
    .await;
    let browser = person(&app, 1, "app").await;
    let started = site.start(&["profile"], &[]);
    let consent = follow(&browser, &location(&browser.get(&started.url).await)).await;
    assert!(consent.starts_with("/oauth/consent?"), "{consent}");
    let page = browser.get(&consent).await;
    let csp = page.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        csp.contains("form-action 'self' com.example.app:;"),
        "{csp}"
    );
}

#[tokio::test]
async fn a_logout_whose_hint_no_longer_verifies_is_confirmed_not_refused() {
    let app = spawn_app().await;
    let site = Site::register(
        &app,
        Registration {
            first_party: true,
            post_logout: vec!["https://site.example/bye".into()],
            ..Default::default()
        },
    )
    .await;
    let browser = person(&app, 1, "alan").await;
    let (code, verifier) = code_for(&site, &browser).await;
    let tokens: Value = redeem(&site, &code, &verifier).await.json().await.unwrap();
    // As if its key had been retired long ago: the signature no longer checks out.
    let hint = tokens["id_token"].as_str().unwrap();
    let (signed, _) = hint.rsplit_once('.').unwrap();
    let stale = format!("{signed}.AAAA");
    let request = format!(
        "/oauth/logout?id_token_hint={stale}&post_logout_redirect_uri={}",
        url::form_urlencoded::byte_serialize(b"https://site.example/bye").collect::<String>()
    );
    let answer = location(&browser.get(&request).await);
    assert!(answer.starts_with("/oauth/logout/confirm?"), "{answer}");
    assert!(
        answer.contains(&format!("client_id={}", site.client_id)),
        "{answer}"
    );
    assert!(
        browser.me().await.is_some(),
        "an unverified hint proves nothing"
    );
}

#[tokio::test]
async fn empty_parameters_at_the_token_endpoint_count_as_absent() {
    let app = spawn_app().await;
    let site = Site::register(
        &app,
        Registration {
            public: true,
            first_party: true,
            ..Default::default()
        },
    )
    .await;
    let browser = person(&app, 1, "empty").await;
    let (code, verifier) = code_for(&site, &browser).await;
    let answer = site
        .http
        .post(format!("{}/oauth/token", site.issuer))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", REDIRECT),
            ("code_verifier", verifier.as_str()),
            ("client_id", site.client_id.as_str()),
            ("client_secret", ""),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200, "{:?}", answer.text().await);
}
