use crate::helpers::{browser, spawn_app, spawn_app_tuned};

async fn body_of(response: reqwest::Response) -> String {
    response.text().await.expect("a text body")
}

#[tokio::test]
async fn login_page_speaks_chinese_to_a_chinese_browser() {
    let app = spawn_app().await;
    let response = app.get("/login").await;
    assert_eq!(response.status(), 200);
    let html = body_of(response).await;
    assert!(html.contains(r#"<html lang="zh-CN""#), "{html}");
    assert!(html.contains("使用已有的账号登录"), "subtitle in Chinese");
    assert!(html.contains("使用QQ登录"), "QQ button in Chinese");
}

#[tokio::test]
async fn login_page_speaks_english_to_an_english_browser() {
    let app = spawn_app().await;
    let english = browser("en-US,en;q=0.9,zh;q=0.5");
    let html = body_of(app.get_as(&english, "/login").await).await;
    assert!(html.contains(r#"<html lang="en""#));
    assert!(html.contains("Use an account you already have"));
    assert!(html.contains("Sign in with Weibo"));
}

#[tokio::test]
async fn login_page_lists_every_simulated_provider_under_a_banner() {
    let app = spawn_app().await;
    let html = body_of(app.get("/login").await).await;
    for id in ["qq", "weibo"] {
        assert!(
            html.contains(&format!(r#"href="/auth/{id}/start""#)),
            "{id} button missing"
        );
    }
    // WeChat on a computer: its QR embedded in the page, with the full page as a fallback,
    // and our own QR (the Official Account) one click away.
    assert!(html.contains(r#"data-wechat="embedded""#));
    assert!(html.contains("/_sim/res.wx.qq.com/connect/zh_CN/htmledition/js/wxLogin.js"));
    assert!(html.contains(r#"href="/auth/wechat/start""#));
    assert!(html.contains(r#"href="/login/qr""#));
    assert!(
        !html.contains(r#"href="/auth/wechat_mp/start""#),
        "no in-WeChat button on a computer"
    );
    assert!(html.contains("simulator-banner"));
}

#[tokio::test]
async fn login_page_offers_only_configured_providers_and_no_banner() {
    let app = crate::helpers::spawn_app_with(&[
        ("QQ_APPID", "101"),
        ("QQ_APPKEY", "secret"),
        ("DENGLU_SECRET", "a-test-secret-that-is-long-enough-0123"),
    ])
    .await;
    let html = body_of(app.get("/login").await).await;
    assert!(html.contains(r#"href="/auth/qq/start""#));
    assert!(!html.contains(r#"href="/auth/weibo/start""#));
    assert!(!html.contains("simulator-banner"));
}

#[tokio::test]
async fn login_page_explains_an_error_kind_from_the_callback() {
    let app = spawn_app().await;
    let english = browser("en");
    let html = body_of(app.get_as(&english, "/login?error=cancelled").await).await;
    assert!(html.contains("You cancelled the sign-in at the provider."));
    let html = body_of(app.get_as(&english, "/login?error=%3Cscript%3E").await).await;
    assert!(html.contains("Something went wrong during sign-in."));
    assert!(
        !html.contains("<script>alert"),
        "the kind is never echoed as HTML"
    );
}

#[tokio::test]
async fn the_language_switch_remembers_the_choice_over_the_browser_language() {
    let app = spawn_app().await;
    let response = app.get("/lang/en?next=/login%3Ferror%3Dstate").await;
    assert_eq!(response.status(), 303);
    assert_eq!(response.headers()["location"], "/login?error=state");
    let cookie = response.headers()["set-cookie"].to_str().expect("ascii");
    assert!(cookie.starts_with("denglu_lang=en;"), "{cookie}");
    assert!(cookie.contains("SameSite=Lax"));

    // The client's Accept-Language says Chinese; the cookie wins.
    let html = body_of(app.get("/login").await).await;
    assert!(html.contains(r#"<html lang="en""#));

    let back = app.get("/lang/zh-CN?next=/login").await;
    assert_eq!(back.status(), 303);
    let html = body_of(app.get("/login").await).await;
    assert!(html.contains(r#"<html lang="zh-CN""#));
}

#[tokio::test]
async fn the_language_switch_refuses_foreign_redirects_and_unknown_languages() {
    let app = spawn_app().await;
    let response = app.get("/lang/en?next=//evil.example/").await;
    assert_eq!(response.status(), 303);
    assert_eq!(response.headers()["location"], "/login");
    let response = app.get("/lang/klingon").await;
    assert_eq!(response.status(), 400);
}

#[tokio::test]
async fn unknown_pages_are_a_styled_404_in_the_right_language() {
    let app = spawn_app().await;
    let response = app.get_as(&browser("en"), "/no/such/page").await;
    assert_eq!(response.status(), 404);
    let html = body_of(response).await;
    assert!(html.contains("Page not found"));
    assert!(html.contains(r#"href="/login""#));
}

#[tokio::test]
async fn the_root_redirects_to_the_login_page() {
    let app = spawn_app().await;
    let response = app.get("/").await;
    assert!(response.status().is_redirection(), "{}", response.status());
    assert_eq!(response.headers()["location"], "/login");
}

#[tokio::test]
async fn a_next_path_in_any_script_is_sent_back_as_ascii() {
    let app = spawn_app().await;
    let response = app.get("/lang/en?next=/%E7%99%BB%E5%BD%95").await;
    assert_eq!(response.status(), 303);
    assert_eq!(
        response.headers()["location"].as_bytes(),
        b"/%E7%99%BB%E5%BD%95",
        "a Location header is ASCII"
    );
}

#[tokio::test]
async fn signed_out_pages_redirect_with_a_302_whatever_the_client_accepts() {
    let app = spawn_app().await;
    // A client that does not say it accepts HTML (curl, a link checker).
    let plain = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("a client");
    for (page, to) in [("/account", "/login?next=/account"), ("/signup", "/login")] {
        let response = app.get_as(&plain, page).await;
        assert_eq!(response.status(), 302, "{page}");
        assert_eq!(response.headers()["location"], to, "{page}");
    }
}

#[tokio::test]
async fn viewing_the_login_page_writes_nothing_to_the_database() {
    let app = spawn_app().await;
    for _ in 0..20 {
        let html = body_of(app.new_browser().get("/login").await).await;
        assert!(
            html.contains(r#"data-wechat="embedded""#),
            "the embedded QR and its state are on the page"
        );
    }
    for table in ["sessions", "callbacks", "login_tickets", "users"] {
        assert_eq!(app.count(table).await, 0, "{table}");
    }
}

#[tokio::test]
async fn pages_are_compressed_for_browsers_that_accept_it() {
    let app = spawn_app().await;
    for (accepts, encoding) in [("br, gzip", "br"), ("gzip", "gzip")] {
        let response = app
            .client
            .get(app.url("/login"))
            .header("accept-encoding", accepts)
            .send()
            .await
            .expect("the app answers");
        assert_eq!(response.status(), 200);
        assert_eq!(
            response
                .headers()
                .get("content-encoding")
                .map(|v| v.to_str().unwrap_or_default()),
            Some(encoding),
            "{accepts}"
        );
    }
    let plain = app.get("/login").await;
    assert!(
        plain.headers().get("content-encoding").is_none(),
        "nothing asked, nothing sent"
    );
}

#[tokio::test]
async fn every_page_describes_the_site_to_search_engines_in_its_language() {
    let app = spawn_app().await;
    let english = browser("en-US,en;q=0.9");
    for path in ["/login", "/login/qr"] {
        let html = body_of(app.get_as(&english, path).await).await;
        assert!(
            html.contains(
                r#"<meta name="description" content="Sign in with WeChat, QQ or Sina Weibo"#
            ),
            "{path}"
        );
        let chinese = body_of(app.get(path).await).await;
        assert!(
            chinese.contains(r#"<meta name="description" content="使用微信、QQ 或新浪微博登录"#),
            "{path}"
        );
    }
}

#[tokio::test]
async fn the_bundle_is_served_precompressed_under_fingerprinted_names_cached_for_a_year() {
    // A built site as `make site` leaves it: fingerprinted copies, their compressed twins,
    // the manifest, and the plain names beside them.
    let site = tempfile::tempdir().expect("a temp dir");
    let pkg = site.path().join("pkg");
    std::fs::create_dir_all(&pkg).unwrap();
    let hash = "0123456789abcdef";
    std::fs::write(
        pkg.join("assets.json"),
        format!(
            r#"{{"css":"denglu-{hash}.css","bundles":[
                {{"js":"denglu-signin-{hash}.js","wasm":"denglu-signin_bg-{hash}.wasm","islands":["QrPanel_1"]}},
                {{"js":"denglu-{hash}.js","wasm":"denglu_bg-{hash}.wasm","islands":["QrPanel_1","ProfileForm_2"]}}]}}"#
        ),
    )
    .unwrap();
    let js = format!("denglu-{hash}.js");
    std::fs::write(pkg.join(&js), "export default function () {}\n").unwrap();
    std::fs::write(pkg.join(format!("{js}.br")), b"brotli bytes").unwrap();
    std::fs::write(pkg.join(format!("{js}.gz")), b"gzip bytes, longer").unwrap();
    std::fs::write(pkg.join("denglu.js"), "export default function () {}\n").unwrap();
    let root = site.path().display().to_string();
    let app = spawn_app_tuned(&[], |s| s.site_root = root).await;

    let html = app.get("/login").await.text().await.expect("a page");
    assert!(
        html.contains(&format!(r#"href="/pkg/denglu-{hash}.css""#)),
        "the page links the stylesheet"
    );
    // The islands script picks a bundle by the islands on the page.
    for named in [
        format!(r#""/pkg/denglu-signin-{hash}.js""#),
        format!(r#""/pkg/denglu-signin_bg-{hash}.wasm""#),
        format!(r#""/pkg/denglu-{hash}.js""#),
        format!(r#""/pkg/denglu_bg-{hash}.wasm""#),
    ] {
        assert!(html.contains(&named), "the page's script names {named}");
    }

    let fetch = |accepts: &'static str| {
        app.client
            .get(app.url(&format!("/pkg/{js}")))
            .header("accept-encoding", accepts)
            .send()
    };
    for (accepts, encoding, length) in [("br, gzip", Some("br"), 12), ("gzip", Some("gzip"), 18)] {
        let response = fetch(accepts).await.expect("the app answers");
        assert_eq!(response.status(), 200);
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .map(|v| v.to_str().unwrap().to_string())
        };
        assert_eq!(header("content-encoding").as_deref(), encoding, "{accepts}");
        assert_eq!(
            header("content-length"),
            Some(length.to_string()),
            "the file made at build time"
        );
        assert_eq!(
            header("cache-control").as_deref(),
            Some("public, max-age=31536000, immutable")
        );
        assert!(
            header("vary")
                .unwrap_or_default()
                .contains("accept-encoding")
        );
        assert!(header("set-cookie").is_none());
    }
    let plain = fetch("identity").await.expect("the app answers");
    assert!(plain.headers().get("content-encoding").is_none());
    assert_eq!(
        plain.text().await.unwrap(),
        "export default function () {}\n"
    );

    // The plain name is the same file, but may change with the next build.
    let unversioned = app.get("/pkg/denglu.js").await;
    assert_eq!(unversioned.status(), 200);
    assert_eq!(unversioned.headers()["cache-control"], "no-cache");
    // Pages are never kept by a shared cache.
    assert_eq!(
        app.get("/login").await.headers()["cache-control"],
        "no-store"
    );
}

/// The islands each page carries: what the browser hydrates, and so which bundle it loads.
fn islands_of(html: &str) -> Vec<String> {
    html.split(r#"<leptos-island data-component=""#)
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .map(|name| {
            name.rsplit_once('_')
                .map_or(name, |(name, _)| name)
                .to_string()
        })
        .collect()
}

#[tokio::test]
async fn only_the_interactive_parts_of_a_page_are_islands() {
    let app = spawn_app().await;
    // A computer's login page: WeChat's own QR, links and a plain header. Nothing to hydrate,
    // so no wasm is loaded at all.
    let login = body_of(app.get("/login").await).await;
    assert!(islands_of(&login).is_empty(), "{:?}", islands_of(&login));
    assert!(
        login.contains("data-hydrated"),
        "the script still marks the page"
    );
    // Our own QR code follows its ticket live.
    let qr = body_of(app.get("/login/qr").await).await;
    assert_eq!(islands_of(&qr), ["QrPanel"]);
    assert!(
        qr.contains(r#"class="qr-box""#),
        "the code itself is in the server's HTML"
    );
    // A phone's browser gets the same island in its phone form.
    let phone = app.browser_with_agent(
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148 Safari/604.1",
    );
    let on_phone = body_of(phone.get("/login").await).await;
    assert_eq!(islands_of(&on_phone), ["QrPanel"]);
    assert!(on_phone.contains(r#"data-way="save-to-photos""#));

    // The profile forms: the rest of their pages stays the server's.
    let browser = app.browser();
    assert_eq!(browser.sign_in_with(&app, "qq", 1).await, "/signup");
    let signup = body_of(browser.get("/signup").await).await;
    assert_eq!(islands_of(&signup), ["ProfileCompletion"]);
    assert!(signup.contains(r#"id="username""#));
    let created = browser.complete_signup("islander", "Islander", "").await;
    assert!(created.status().is_success(), "{}", created.status());
    let account = body_of(browser.get("/account").await).await;
    assert_eq!(islands_of(&account), ["ProfileForm"]);
}
