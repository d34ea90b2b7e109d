//! Denglu as an OpenID Connect provider, driven by a strict relying party (`openidconnect`).

use serde_json::Value;

use crate::helpers::{location, query_param, spawn_app, spawn_app_tuned};
use crate::oidc_helpers::{
    REDIRECT, Registration, Site, authorize, follow, header, payload, person, sign_in_at_login,
};

#[tokio::test]
async fn discovery_and_keys_describe_exactly_what_is_offered() {
    let app = spawn_app().await;
    let response = app.get("/.well-known/openid-configuration").await;
    assert_eq!(response.status(), 200);
    let cache = response.headers()["cache-control"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(cache.contains("max-age"), "cacheable: {cache}");
    let doc: Value = response.json().await.unwrap();
    let issuer = app.url("");
    assert_eq!(doc["issuer"], issuer.trim_end_matches('/'));
    assert_eq!(doc["response_types_supported"], serde_json::json!(["code"]));
    assert_eq!(
        doc["grant_types_supported"],
        serde_json::json!(["authorization_code", "refresh_token"])
    );
    assert_eq!(
        doc["code_challenge_methods_supported"],
        serde_json::json!(["S256"])
    );
    assert_eq!(doc["authorization_response_iss_parameter_supported"], true);
    for endpoint in [
        "authorization_endpoint",
        "token_endpoint",
        "userinfo_endpoint",
        "jwks_uri",
        "end_session_endpoint",
        "revocation_endpoint",
        "introspection_endpoint",
    ] {
        let url = doc[endpoint].as_str().expect(endpoint);
        assert!(
            url.starts_with(doc["issuer"].as_str().unwrap()),
            "{endpoint}"
        );
    }

    let jwks = app.get("/oauth/jwks").await;
    assert!(
        jwks.headers()["cache-control"]
            .to_str()
            .unwrap()
            .contains("max-age")
    );
    let jwks: Value = jwks.json().await.unwrap();
    let algs: Vec<&str> = jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["alg"].as_str().unwrap())
        .collect();
    assert!(
        algs.contains(&"RS256") && algs.contains(&"ES256"),
        "{algs:?}"
    );
    for key in jwks["keys"].as_array().unwrap() {
        assert!(key["kid"].is_string());
        assert!(key.get("d").is_none(), "no private part is published");
    }
    // The private halves are sealed at rest.
    assert_eq!(app.count("oidc_keys").await, 2);
}

#[tokio::test]
async fn a_first_visit_signs_up_through_the_profile_form_and_returns_to_the_site() {
    let app = spawn_app().await;
    let site = Site::register(&app, Registration::first_party()).await;
    let browser = app.new_browser();
    let started = site.start(&["profile", "email"], &[]);

    let response = browser.get(&started.url).await;
    let login = location(&response);
    assert!(
        login.starts_with("/login?next=%2Foauth%2Fcontinue%2F"),
        "{login}"
    );
    assert_eq!(
        sign_in_at_login(&browser, &app, &login, "qq", 1).await,
        "/signup"
    );
    let done = browser
        .complete_signup("ada", "Ada Lovelace", "ada@example.com")
        .await;
    assert!(done.status().is_success(), "{}", done.status());
    let next = done.headers()["location"].to_str().unwrap().to_string();
    assert!(next.starts_with("/oauth/continue/"), "{next}");
    let back = follow(&browser, &next).await;

    let tokens = site.finish(started, &back).await;
    let claims = &tokens.claims;
    assert_eq!(claims.audiences().len(), 1);
    assert_eq!(
        claims.authorized_party().map(|a| a.as_str()),
        Some(site.client_id.as_str())
    );
    assert!(claims.auth_time().is_some());
    let amr: Vec<String> = claims
        .auth_method_refs()
        .unwrap()
        .iter()
        .map(|a| a.to_string())
        .collect();
    assert_eq!(amr, ["qq"]);
    assert_eq!(claims.preferred_username().map(|u| u.as_str()), Some("ada"));
    let sub = claims.subject().to_string();
    assert!(
        !sub.is_empty() && sub.parse::<i64>().is_err(),
        "an opaque subject: {sub}"
    );

    let info = site.userinfo(&tokens.access()).await;
    assert_eq!(info.status(), 200);
    assert_eq!(info.headers()["content-type"], "application/json");
    let info: Value = info.json().await.unwrap();
    assert_eq!(
        info["sub"],
        sub.as_str(),
        "userinfo's sub is the ID token's"
    );
    assert_eq!(info["name"], "Ada Lovelace");
    assert_eq!(info["preferred_username"], "ada");
    assert_eq!(info["email"], "ada@example.com");
    assert_eq!(info["email_verified"], false);
    assert!(info.get("identities").is_none(), "not asked for");
    // The QQ openid is never the subject.
    let qq = app.sim_user(1).await;
    assert!(
        !info
            .to_string()
            .contains(qq["qq_openid"].as_str().unwrap_or("no-openid"))
    );
}

#[tokio::test]
async fn a_returning_person_goes_straight_back_and_prompt_none_needs_a_session() {
    let app = spawn_app().await;
    let site = Site::register(&app, Registration::first_party()).await;

    // Signed out: prompt=none answers login_required at the site.
    let stranger = app.new_browser();
    let started = site.start(&[], &[("prompt", "none")]);
    let back = location(&stranger.get(&started.url).await);
    assert!(back.starts_with(REDIRECT));
    assert_eq!(
        query_param(&back, "error").as_deref(),
        Some("login_required")
    );
    assert_eq!(
        query_param(&back, "state").as_deref(),
        Some(started.state.secret().as_str())
    );
    assert!(query_param(&back, "iss").is_some());

    let browser = person(&app, 2, "grace").await;
    let started = site.start(&["profile"], &[("prompt", "none")]);
    let back = authorize(&browser, &started.url).await;
    let first = site.finish(started, &back).await;

    let again = site.sign_in(&browser, &["profile"]).await;
    assert_eq!(
        first.claims.subject(),
        again.claims.subject(),
        "a stable subject"
    );
}

#[tokio::test]
async fn prompt_login_and_max_age_ask_for_a_fresh_sign_in() {
    let app = spawn_app().await;
    let site = Site::register(&app, Registration::first_party()).await;
    let browser = person(&app, 3, "linus").await;

    let first = site.sign_in(&browser, &[]).await;
    let first_time = first.claims.auth_time().unwrap();

    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    for extra in [[("prompt", "login")], [("max_age", "0")]] {
        let started = site.start(&[], &extra);
        let login = location(&browser.get(&started.url).await);
        assert!(
            login.starts_with("/login?next="),
            "{extra:?} asks to sign in: {login}"
        );
        // Coming back without signing in again does not count.
        let next = query_param(&login, "next").unwrap();
        let still = follow(&browser, &next).await;
        assert!(still.starts_with("/login?next="), "{still}");
        let returned = sign_in_at_login(&browser, &app, &login, "qq", 3).await;
        let back = follow(&browser, &returned).await;
        let fresh = site.finish(started, &back).await;
        assert!(
            fresh.claims.auth_time().unwrap() > first_time,
            "{extra:?}: a new auth_time"
        );
        assert_eq!(fresh.claims.subject(), first.claims.subject());
    }
}

#[tokio::test]
async fn a_third_party_site_asks_for_consent_once_and_loses_it_when_revoked() {
    let app = spawn_app().await;
    let site = Site::register(&app, Registration::default()).await;
    let browser = person(&app, 1, "barbara").await;

    // prompt=none cannot ask.
    let started = site.start(&["profile"], &[("prompt", "none")]);
    let back = location(&browser.get(&started.url).await);
    assert_eq!(
        query_param(&back, "error").as_deref(),
        Some("consent_required")
    );

    // Refused.
    let started = site.start(&["profile", "identities"], &[]);
    let consent = authorize(&browser, &started.url).await;
    assert!(consent.starts_with("/oauth/consent?request="), "{consent}");
    let page = browser.get(&consent).await;
    // The answer ends at the site: browsers hold a form's redirects to `form-action`.
    let csp = page.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        csp.contains("form-action 'self' https://site.example;"),
        "{csp}"
    );
    assert!(!page.headers().contains_key("x-denglu-form-target"));
    let page = page.text().await.unwrap();
    assert!(page.contains("Example Shop"), "the page names the site");
    assert!(
        page.contains("data-scope=\"identities\""),
        "each scope in words"
    );
    let request = query_param(&consent, "request").unwrap();
    let refused = browser
        .client
        .post(browser.url("/oauth/consent/decide"))
        .form(&[("request", request.as_str()), ("decision", "deny")])
        .send()
        .await
        .unwrap();
    let back = location(&refused);
    assert_eq!(
        query_param(&back, "error").as_deref(),
        Some("access_denied"),
        "{back}"
    );
    assert_eq!(
        query_param(&back, "state").as_deref(),
        Some(started.state.secret().as_str())
    );

    // Given.
    let started = site.start(&["profile", "identities"], &[]);
    let consent = authorize(&browser, &started.url).await;
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
    assert_eq!(info["identities"][0]["provider"], "qq");

    // Remembered: the next sign-in goes straight back.
    let started = site.start(&["profile"], &[]);
    let back = authorize(&browser, &started.url).await;
    assert!(back.starts_with(REDIRECT), "no second consent: {back}");
    let later = site.finish(started, &back).await;

    // Listed on the account page, and revoked there: the site's tokens end.
    let apps = browser
        .call("account/apps", &[])
        .await
        .json::<Value>()
        .await
        .unwrap();
    assert_eq!(apps[0]["client_id"], site.client_id.as_str());
    let revoked = browser
        .call(
            "account/revoke_app",
            &[("client_id", site.client_id.as_str())],
        )
        .await;
    assert!(revoked.status().is_success());
    assert_eq!(site.userinfo(&later.access()).await.status(), 401);
    let refresh = site.refresh(&later.refresh(), None).await;
    assert_eq!(refresh.status(), 400);
    let started = site.start(&["profile"], &[]);
    assert!(
        authorize(&browser, &started.url)
            .await
            .starts_with("/oauth/consent?")
    );
}

#[tokio::test]
async fn refresh_tokens_rotate_and_a_reused_one_ends_its_family() {
    let app = spawn_app().await;
    let site = Site::register(&app, Registration::first_party()).await;
    let browser = person(&app, 2, "ken").await;
    let tokens = site.sign_in(&browser, &["profile"]).await;

    let refresh = |token: String| {
        let site = &site;
        async move { site.refresh(&token, None).await }
    };
    let first = refresh(tokens.refresh()).await;
    assert_eq!(first.status(), 200);
    assert_eq!(first.headers()["cache-control"], "no-store");
    let first: Value = first.json().await.unwrap();
    let rotated = first["refresh_token"].as_str().unwrap().to_string();
    assert_ne!(rotated, tokens.refresh(), "a new refresh token each time");
    let new_access = first["access_token"].as_str().unwrap().to_string();
    assert_eq!(site.userinfo(&new_access).await.status(), 200);

    // The spent one again: refused, and the whole family ends.
    let reused = refresh(tokens.refresh()).await;
    assert_eq!(reused.status(), 400);
    assert_eq!(
        reused.json::<Value>().await.unwrap()["error"],
        "invalid_grant"
    );
    assert_eq!(
        refresh(rotated).await.status(),
        400,
        "the rotated one ended too"
    );
    assert_eq!(site.userinfo(&new_access).await.status(), 401);
}

#[tokio::test]
async fn a_code_is_single_use_and_a_second_use_revokes_what_the_first_issued() {
    let app = spawn_app().await;
    let site = Site::register(&app, Registration::first_party()).await;
    let browser = person(&app, 3, "edsger").await;
    let started = site.start(&[], &[]);
    let back = authorize(&browser, &started.url).await;
    let code = query_param(&back, "code").unwrap();
    let verifier = started.verifier.as_ref().unwrap().secret().clone();
    let form = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", REDIRECT),
        ("code_verifier", verifier.as_str()),
    ];
    let redeem = || site.post("/oauth/token", &form);
    let first = redeem().await;
    assert_eq!(first.status(), 200);
    let access = first.json::<Value>().await.unwrap()["access_token"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(site.userinfo(&access).await.status(), 200);
    let second = redeem().await;
    assert_eq!(second.status(), 400);
    assert_eq!(
        second.json::<Value>().await.unwrap()["error"],
        "invalid_grant"
    );
    assert_eq!(site.userinfo(&access).await.status(), 401, "revoked");
}

#[tokio::test]
async fn pkce_and_the_redirect_uri_are_enforced_at_the_token_endpoint() {
    let app = spawn_app().await;
    let site = Site::register(&app, Registration::first_party()).await;
    let browser = person(&app, 1, "margaret").await;
    for (verifier, redirect) in [
        ("wrong-verifier-wrong-verifier-wrong-verifier-x", REDIRECT),
        ("", REDIRECT),
        ("keep", "https://site.example/other"),
    ] {
        let started = site.start(&[], &[]);
        let back = authorize(&browser, &started.url).await;
        let code = query_param(&back, "code").unwrap();
        let real = started.verifier.as_ref().unwrap().secret().clone();
        let verifier = if verifier == "keep" {
            real.as_str()
        } else {
            verifier
        };
        let mut form = vec![
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", redirect),
        ];
        if !verifier.is_empty() {
            form.push(("code_verifier", verifier));
        }
        let answer = site.post("/oauth/token", &form).await;
        assert_eq!(answer.status(), 400, "{verifier} {redirect}");
        assert_eq!(
            answer.json::<Value>().await.unwrap()["error"],
            "invalid_grant"
        );
    }
}

#[tokio::test]
async fn requests_that_cannot_be_trusted_get_our_page_and_the_rest_go_back_with_an_error() {
    let app = spawn_app().await;
    let site = Site::register(&app, Registration::default()).await;
    let public = Site::register(
        &app,
        Registration {
            public: true,
            ..Default::default()
        },
    )
    .await;
    let browser = app.new_browser();

    // An unregistered redirect URI, an unknown client: a 400 page, never a redirect.
    let started = site.start(&[], &[]);
    let evil = started.url.replace(
        &url::form_urlencoded::byte_serialize(REDIRECT.as_bytes()).collect::<String>(),
        "https%3A%2F%2Fevil.example%2Fcallback",
    );
    assert_ne!(evil, started.url);
    let answer = browser.get(&evil).await;
    assert_eq!(answer.status(), 400);
    assert!(answer.headers().get("location").is_none());
    let unknown = started.url.replace(&site.client_id, "nobody");
    assert_eq!(browser.get(&unknown).await.status(), 400);

    // A public client without PKCE: back at the site with invalid_request.
    let url = format!(
        "/oauth/authorize?client_id={}&redirect_uri={}&response_type=code&scope=openid&state=s1",
        public.client_id,
        url::form_urlencoded::byte_serialize(REDIRECT.as_bytes()).collect::<String>()
    );
    let back = location(&browser.get(&url).await);
    assert!(back.starts_with(REDIRECT));
    assert_eq!(
        query_param(&back, "error").as_deref(),
        Some("invalid_request")
    );
    assert_eq!(query_param(&back, "state").as_deref(), Some("s1"));
    assert!(query_param(&back, "error_description").is_some());
    assert_eq!(
        query_param(&back, "iss").as_deref(),
        Some(site.issuer.as_str())
    );

    // The implicit flow is not offered.
    let implicit = url.replace("response_type=code", "response_type=token");
    let back = location(&browser.get(&implicit).await);
    assert_eq!(
        query_param(&back, "error").as_deref(),
        Some("unsupported_response_type")
    );

    // The token endpoint's errors.
    let wrong_secret = site
        .http
        .post(format!("{}/oauth/token", site.issuer))
        .basic_auth(&site.client_id, Some("not-the-secret"))
        .form(&[("grant_type", "authorization_code"), ("code", "x")])
        .send()
        .await
        .unwrap();
    assert_eq!(wrong_secret.status(), 401);
    assert!(wrong_secret.headers().contains_key("www-authenticate"));
    assert_eq!(wrong_secret.headers()["cache-control"], "no-store");
    assert_eq!(
        wrong_secret.json::<Value>().await.unwrap()["error"],
        "invalid_client"
    );
    let password = site
        .post(
            "/oauth/token",
            &[
                ("grant_type", "password"),
                ("username", "a"),
                ("password", "b"),
            ],
        )
        .await;
    assert_eq!(password.status(), 400);
    assert_eq!(
        password.json::<Value>().await.unwrap()["error"],
        "unsupported_grant_type"
    );
    let by_post = site
        .http
        .post(format!("{}/oauth/token", site.issuer))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", "unknown"),
            ("redirect_uri", REDIRECT),
            ("client_id", site.client_id.as_str()),
            ("client_secret", site.secret.as_deref().unwrap()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(by_post.status(), 400, "client_secret_post authenticates");
    assert_eq!(
        by_post.json::<Value>().await.unwrap()["error"],
        "invalid_grant"
    );
}

#[tokio::test]
async fn a_public_client_signs_in_with_pkce_and_an_es256_client_gets_es256_tokens() {
    let app = spawn_app().await;
    let public = Site::register(
        &app,
        Registration {
            public: true,
            first_party: true,
            es256: true,
            ..Default::default()
        },
    )
    .await;
    assert!(public.secret.is_none());
    let browser = person(&app, 2, "frances").await;
    let tokens = public.sign_in(&browser, &["profile"]).await;
    assert_eq!(header(&tokens.id_token())["alg"], "ES256");
}

#[tokio::test]
async fn after_a_key_rotation_tokens_signed_with_the_old_key_still_verify() {
    let app = spawn_app().await;
    let site = Site::register(&app, Registration::first_party()).await;
    let browser = person(&app, 3, "alan").await;
    let started = site.start(&[], &[]);
    let back = authorize(&browser, &started.url).await;
    let nonce = started.nonce.clone();
    let old = site.finish(started, &back).await;

    let keys = denglu::oidc::KeyRing::new(
        app.db.conn.clone(),
        app.auth.sealer().clone(),
        chrono::Duration::hours(1),
    );
    // Signing from now: as if the hour a new key waits to sign had passed.
    let made = keys
        .rotate_signing_from(chrono::Utc::now())
        .await
        .expect("rotated");
    assert_eq!(made.len(), 2);

    // A client that fetches the keys again still verifies the old token...
    let fresh = Site {
        metadata: refetch(&site).await,
        ..site_clone(&site)
    };
    fresh.verify(&old.response, &nonce);
    // ...and new tokens carry the new key.
    let new = fresh.sign_in(&browser, &[]).await;
    let kid = |token: String| header(&token)["kid"].as_str().unwrap().to_string();
    assert_ne!(kid(old.id_token()), kid(new.id_token()));
    assert!(made.contains(&kid(new.id_token())));
}

async fn refetch(site: &Site) -> openidconnect::core::CoreProviderMetadata {
    openidconnect::core::CoreProviderMetadata::discover_async(
        openidconnect::IssuerUrl::new(site.issuer.clone()).unwrap(),
        &site.http,
    )
    .await
    .unwrap()
}

fn site_clone(site: &Site) -> Site {
    Site {
        redirect: site.redirect.clone(),
        client_id: site.client_id.clone(),
        secret: site.secret.clone(),
        metadata: site.metadata.clone(),
        http: site.http.clone(),
        issuer: site.issuer.clone(),
    }
}

#[tokio::test]
async fn revocation_and_introspection_answer_the_client_for_its_own_tokens() {
    let app = spawn_app().await;
    let site = Site::register(&app, Registration::first_party()).await;
    let other = Site::register(&app, Registration::first_party()).await;
    let browser = person(&app, 1, "radia").await;
    let tokens = site.sign_in(&browser, &["profile"]).await;

    let active: Value = site
        .post("/oauth/introspect", &[("token", &tokens.access())])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(active["active"], true);
    assert_eq!(active["client_id"], site.client_id.as_str());
    assert_eq!(active["sub"], tokens.claims.subject().as_str());
    let foreign: Value = other
        .post("/oauth/introspect", &[("token", &tokens.access())])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(foreign, serde_json::json!({"active": false}));

    // Another client cannot revoke it; its own client can.
    assert_eq!(
        other
            .post("/oauth/revoke", &[("token", &tokens.refresh())])
            .await
            .status(),
        200
    );
    assert_eq!(site.userinfo(&tokens.access()).await.status(), 200);
    assert_eq!(
        site.post("/oauth/revoke", &[("token", &tokens.refresh())])
            .await
            .status(),
        200
    );
    let after: Value = site
        .post("/oauth/introspect", &[("token", &tokens.refresh())])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(after["active"], false);
    assert_eq!(
        site.userinfo(&tokens.access()).await.status(),
        401,
        "the family ended"
    );
}

/// A site's back-channel logout listener: every logout token it receives.
async fn logout_listener() -> (String, tokio::sync::mpsc::UnboundedReceiver<String>) {
    use axum::routing::post;
    let (sender, receiver) = tokio::sync::mpsc::unbounded_channel();
    let router = axum::Router::new().route(
        "/backchannel",
        post(
            move |axum::extract::Form(form): axum::extract::Form<
                std::collections::HashMap<String, String>,
            >| {
                let sender = sender.clone();
                async move {
                    let _ = sender.send(form.get("logout_token").cloned().unwrap_or_default());
                    axum::http::StatusCode::OK
                }
            },
        ),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await });
    (format!("http://{address}/backchannel"), receiver)
}

#[tokio::test]
async fn signing_out_tells_the_site_by_back_channel_and_rp_initiated_logout_signs_out() {
    let app = spawn_app().await;
    let (backchannel, mut received) = logout_listener().await;
    let site = Site::register(
        &app,
        Registration {
            first_party: true,
            post_logout: vec!["https://site.example/bye".into()],
            backchannel: Some(backchannel),
            ..Default::default()
        },
    )
    .await;

    // Signing out on the account page: the site hears of it, with a signed logout token.
    let browser = person(&app, 2, "hedy").await;
    let tokens = site.sign_in(&browser, &[]).await;
    assert!(browser.sign_out().await.status().is_success());
    let token = tokio::time::timeout(std::time::Duration::from_secs(5), received.recv())
        .await
        .expect("a logout token within seconds")
        .expect("a token");
    let claims = payload(&token);
    assert_eq!(claims["aud"], site.client_id.as_str());
    assert_eq!(claims["sub"], tokens.claims.subject().as_str());
    assert!(claims["events"]["http://schemas.openid.net/event/backchannel-logout"].is_object());
    assert!(claims.get("nonce").is_none());
    assert_eq!(
        header(&token)["typ"],
        "logout+jwt",
        "never mistaken for an ID token"
    );
    assert_eq!(site.userinfo(&tokens.access()).await.status(), 401);

    // RP-initiated: with the ID token as a hint, signed out and sent back with the state.
    browser.sign_in_with(&app, "qq", 2).await;
    assert!(browser.me().await.is_some());
    let tokens = site.sign_in(&browser, &[]).await;
    let logout = format!(
        "/oauth/logout?id_token_hint={}&post_logout_redirect_uri={}&state=bye1",
        tokens.id_token(),
        url::form_urlencoded::byte_serialize(b"https://site.example/bye").collect::<String>()
    );
    let answer = browser.get(&logout).await;
    assert_eq!(location(&answer), "https://site.example/bye?state=bye1");
    assert!(browser.me().await.is_none(), "signed out of Denglu");

    // An unregistered address is refused on our page.
    let refused = browser
        .get("/oauth/logout?post_logout_redirect_uri=https%3A%2F%2Fevil.example%2F")
        .await;
    assert_eq!(refused.status(), 400);
}

#[tokio::test]
async fn a_client_declared_in_the_configuration_signs_people_in() {
    let secret = "declared-secret-declared-secret-declared";
    let app = spawn_app_tuned(&[], |settings| {
        settings.oidc.clients = vec![denglu::config::ConfiguredClient {
            client_id: "wiki".into(),
            name: "Wiki".into(),
            secret_sha256: Some(denglu::oidc::sha256_hex(secret)),
            redirect_uris: vec![REDIRECT.into()],
            post_logout_redirect_uris: vec![],
            backchannel_logout_uri: None,
            public: false,
            first_party: true,
            id_token_signed_response_alg: None,
        }];
    })
    .await;
    let site = Site::existing(&app, "wiki", Some(secret)).await;
    let browser = person(&app, 1, "tim").await;
    let tokens = site.sign_in(&browser, &["profile"]).await;
    assert_eq!(
        tokens.claims.preferred_username().map(|u| u.as_str()),
        Some("tim")
    );
}

#[tokio::test]
async fn pairwise_subjects_differ_between_sites_and_stay_stable_for_each() {
    let app = spawn_app_tuned(&[], |settings| settings.oidc.pairwise_subjects = true).await;
    let doc: Value = app
        .get("/.well-known/openid-configuration")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        doc["subject_types_supported"],
        serde_json::json!(["pairwise"])
    );
    let browser = person(&app, 1, "ida").await;
    let mut subjects = Vec::new();
    for redirect in [
        "https://shop.example/callback",
        "https://shop.example/other-callback",
        "https://wiki.example/callback",
    ] {
        let site = Site::register(
            &app,
            Registration {
                first_party: true,
                redirect: Some(redirect.into()),
                ..Default::default()
            },
        )
        .await;
        let first = site.sign_in(&browser, &[]).await;
        let again = site.sign_in(&browser, &[]).await;
        assert_eq!(
            first.claims.subject(),
            again.claims.subject(),
            "stable per site"
        );
        subjects.push(first.claims.subject().to_string());
    }
    // One sector (the redirect URI's host), one subject (OIDC Core §8.1); another, another.
    assert_eq!(subjects[0], subjects[1]);
    assert_ne!(subjects[0], subjects[2]);
}

#[tokio::test]
async fn disabling_an_account_and_ending_a_session_from_the_account_page_tell_the_site() {
    let app = spawn_app().await;
    let (backchannel, mut received) = logout_listener().await;
    let site = Site::register(
        &app,
        Registration {
            first_party: true,
            backchannel: Some(backchannel),
            ..Default::default()
        },
    )
    .await;

    // A session ended from another device's account page.
    let laptop = person(&app, 1, "mary").await;
    let phone = app.new_browser();
    phone.sign_in_with(&app, "qq", 1).await;
    let on_phone = site.sign_in(&phone, &[]).await;
    let sessions: Value = laptop
        .call("account/sessions", &[])
        .await
        .json()
        .await
        .unwrap();
    let other = sessions
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["current"] == false)
        .expect("the phone's session")["id"]
        .to_string();
    assert!(
        laptop
            .call("account/end_session", &[("session_id", &other)])
            .await
            .status()
            .is_success()
    );
    let token = next_logout_token(&mut received).await;
    let claims = payload(&token);
    assert_eq!(claims["sid"], payload(&on_phone.id_token())["sid"]);
    assert!(claims["sid"].is_string());
    assert_eq!(site.userinfo(&on_phone.access()).await.status(), 401);

    // The account disabled: its sessions end and every token with them.
    let on_laptop = site.sign_in(&laptop, &[]).await;
    let id = laptop.me().await.unwrap()["id"].as_i64().unwrap();
    app.auth.disable_account(id).await.expect("disabled");
    let token = next_logout_token(&mut received).await;
    assert!(!token.is_empty());
    assert_eq!(site.userinfo(&on_laptop.access()).await.status(), 401);
    let refresh = site.refresh(&on_laptop.refresh(), None).await;
    assert_eq!(refresh.status(), 400);
}

async fn next_logout_token(received: &mut tokio::sync::mpsc::UnboundedReceiver<String>) -> String {
    tokio::time::timeout(std::time::Duration::from_secs(5), received.recv())
        .await
        .expect("a logout token within seconds")
        .expect("a token")
}
