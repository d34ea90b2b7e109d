//! QR sign-in with our own code: a desktop shows a ticket's QR, a phone (WeChat's User-Agent)
//! scans it, authorises through the Official Account and confirms; the desktop session that
//! made the ticket, and only it, is signed in.

use std::time::{Duration, Instant};

use chrono::Utc;
use denglu::entities::login_ticket;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use crate::helpers::{
    Browser, TestApp, location, query_param, spawn_app, spawn_app_sharing, spawn_app_with,
};

const WECHAT_UA: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 \
    (KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.50(0x1800323c) NetType/WIFI Language/zh_CN";
const CHROME_UA: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) \
    Chrome/131.0.0.0 Safari/537.36";
const SAFARI_UA: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 \
    (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1";

/// What the desktop page shows: the ticket, the URL its QR encodes, the QR itself, and the
/// number the phone must pick.
struct QrPage {
    ticket: String,
    url: String,
    svg: String,
    code: String,
}

fn attribute(html: &str, name: &str) -> String {
    let marker = format!("{name}=\"");
    let start = html
        .find(&marker)
        .unwrap_or_else(|| panic!("no {name} in the page"))
        + marker.len();
    html[start..start + html[start..].find('"').expect("a closing quote")].to_string()
}

async fn open_qr_page(desktop: &Browser) -> QrPage {
    open_qr_page_at(desktop, "/login/qr").await
}

async fn open_qr_page_at(desktop: &Browser, path: &str) -> QrPage {
    let response = desktop.get(path).await;
    assert_eq!(response.status(), 200);
    let html = response.text().await.expect("HTML");
    let svg_start = html.find("<svg").expect("the QR is drawn on the server");
    let svg_end =
        html[svg_start..].find("</svg>").expect("a whole SVG") + svg_start + "</svg>".len();
    QrPage {
        ticket: attribute(&html, "data-ticket"),
        url: attribute(&html, "data-qr-url"),
        svg: html[svg_start..svg_end].to_string(),
        code: attribute(&html, "data-match-code"),
    }
}

/// The numbers the phone page offers to pick, in the order shown.
fn choices(html: &str) -> Vec<String> {
    html.match_indices("data-choice=\"")
        .map(|(at, _)| attribute(&html[at..], "data-choice"))
        .collect()
}

/// A server-sent event stream, read one `status` event at a time.
struct Events {
    response: reqwest::Response,
    buffer: String,
}

impl Events {
    async fn open(browser: &Browser, ticket: &str) -> Self {
        let response = browser.get(&format!("/auth/qr/{ticket}/events")).await;
        assert_eq!(response.status(), 200, "events of {ticket}");
        assert_eq!(response.headers()["content-type"], "text/event-stream");
        Self {
            response,
            buffer: String::new(),
        }
    }

    async fn next(&mut self) -> String {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(end) = self.buffer.find("\n\n") {
                let event: String = self.buffer.drain(..end + 2).collect();
                if let Some(data) = event.lines().find_map(|l| l.strip_prefix("data: ")) {
                    return data.to_string();
                }
                continue; // a keep-alive comment
            }
            let left = deadline.saturating_duration_since(Instant::now());
            let chunk = tokio::time::timeout(left, self.response.chunk())
                .await
                .expect("a status event within 10 s")
                .expect("the stream stays open")
                .expect("the stream has not ended");
            self.buffer
                .push_str(std::str::from_utf8(&chunk).expect("UTF-8 events"));
        }
    }
}

fn phone(app: &TestApp) -> Browser {
    app.browser_with_agent(WECHAT_UA)
}

/// The phone opens the QR's URL and authorises as simulator user `user`. Returns the URL of
/// the Official Account authorization it was sent to, and where our callback sent it.
async fn scan_and_authorize(
    app: &TestApp,
    phone: &Browser,
    qr: &QrPage,
    user: u64,
) -> (String, String) {
    app.auto_approve("wechat_mp", user).await;
    let scanned = phone.get(&qr.url).await;
    let authorize = location(&scanned);
    assert!(
        authorize.contains("/connect/oauth2/authorize"),
        "{authorize}"
    );
    let callback = phone.authorize(&authorize).await;
    let landed = phone.callback(&callback).await;
    (authorize, landed)
}

/// Confirms by picking the number the desktop shows, or cancels.
async fn decide(phone: &Browser, qr: &QrPage, decision: &str) {
    let code = if decision == "confirm" {
        qr.code.as_str()
    } else {
        ""
    };
    post_decision(phone, &qr.ticket, decision, code).await;
}

/// The phone's form post as it is sent (an empty `code` is left out).
async fn post_decision(phone: &Browser, ticket: &str, decision: &str, code: &str) {
    let mut fields = vec![("ticket", ticket), ("decision", decision)];
    if !code.is_empty() {
        fields.push(("code", code));
    }
    let response = phone.call("qr/decide", &fields).await;
    assert!(
        response.status().is_success() || response.status().is_redirection(),
        "{}",
        response.status()
    );
}

async fn claim(desktop: &Browser, ticket: &str) -> String {
    location(&desktop.get(&format!("/auth/qr/{ticket}/claim")).await)
}

/// Draws the SVG's modules into a bitmap and reads it back with a QR decoder.
fn decode(svg: &str) -> String {
    let size = attribute(svg, "width").parse::<usize>().expect("a width");
    let mut dark = vec![false; size * size];
    let path = attribute(&svg[svg.find("<path").expect("a path")..], "d");
    for square in path.split('M').filter(|s| !s.is_empty()) {
        let (origin, rest) = square.split_once('h').expect("M x y h...");
        let (x, y) = origin.split_once(' ').expect("x y");
        let (x, y): (usize, usize) = (x.parse().expect("x"), y.parse().expect("y"));
        let side: usize = rest
            .split('v')
            .next()
            .expect("a side")
            .parse()
            .expect("a number");
        for row in y..y + side {
            for col in x..x + side {
                dark[row * size + col] = true;
            }
        }
    }
    let mut image = rqrr::PreparedImage::prepare_from_greyscale(size, size, |x, y| {
        if dark[y * size + x] { 0 } else { 255 }
    });
    let grids = image.detect_grids();
    assert_eq!(grids.len(), 1, "one QR code in the image");
    grids[0].decode().expect("a readable QR code").1
}

#[tokio::test]
async fn the_qr_on_the_page_encodes_the_ticket_url() {
    let app = spawn_app().await;
    let qr = open_qr_page(&app.browser()).await;
    assert_eq!(decode(&qr.svg), qr.url);
    assert_eq!(qr.url, app.url(&format!("/qr/{}", qr.ticket)));
    assert_eq!(qr.ticket.len(), 32);
}

#[tokio::test]
async fn a_new_person_scans_confirms_and_completes_the_profile_on_the_desktop() {
    let app = spawn_app().await;
    let desktop = app.browser_with_agent(CHROME_UA);
    let qr = open_qr_page(&desktop).await;
    let mut events = Events::open(&desktop, &qr.ticket).await;
    assert_eq!(events.next().await, "waiting");

    let phone = phone(&app);
    let (authorize, landed) = scan_and_authorize(&app, &phone, &qr, 2).await;
    assert_eq!(
        query_param(&authorize, "scope").as_deref(),
        Some("snsapi_userinfo")
    );
    assert_eq!(landed, format!("/qr/{}/confirm", qr.ticket));
    assert_eq!(events.next().await, "scanned");
    assert!(
        phone.me().await.is_none(),
        "the phone itself is not signed in"
    );

    let page = phone.get(&landed).await.text().await.expect("HTML");
    assert!(
        page.contains("Chrome · Windows"),
        "the phone is told where the sign-in happens"
    );
    decide(&phone, &qr, "confirm").await;
    assert_eq!(events.next().await, "confirmed");

    assert_eq!(claim(&desktop, &qr.ticket).await, "/signup");
    let response = desktop.complete_signup("scanner", "扫码的人", "").await;
    assert!(response.status().is_success(), "{}", response.status());
    let me = desktop.me().await.expect("the desktop is signed in");
    assert_eq!(me["username"], "scanner");
    assert_eq!(me["identities"][0]["provider"], "wechat_mp");
}

#[tokio::test]
async fn a_returning_person_is_signed_in_and_authorised_silently() {
    let app = spawn_app().await;
    let phone = phone(&app);

    let first = app.new_browser();
    let qr = open_qr_page(&first).await;
    scan_and_authorize(&app, &phone, &qr, 1).await;
    decide(&phone, &qr, "confirm").await;
    assert_eq!(claim(&first, &qr.ticket).await, "/signup");
    let id = first.complete_signup("returning", "Returning", "").await;
    assert!(id.status().is_success());

    let second = app.new_browser();
    let qr = open_qr_page(&second).await;
    let mut events = Events::open(&second, &qr.ticket).await;
    assert_eq!(events.next().await, "waiting");
    let (authorize, landed) = scan_and_authorize(&app, &phone, &qr, 1).await;
    assert_eq!(
        query_param(&authorize, "scope").as_deref(),
        Some("snsapi_base"),
        "a phone that authorised before is not asked again"
    );
    // The silent authorization carries no nickname: the phone names the account instead.
    let nickname = app.sim_user(1).await["nickname"]
        .as_str()
        .expect("a nickname")
        .to_string();
    let page = phone.get(&landed).await.text().await.expect("HTML");
    assert!(page.contains(&nickname), "the phone shows whom it signs in");
    assert_eq!(events.next().await, "scanned");
    decide(&phone, &qr, "confirm").await;
    assert_eq!(events.next().await, "confirmed");
    assert_eq!(claim(&second, &qr.ticket).await, "/account");
    assert_eq!(
        second.me().await.expect("signed in")["username"],
        "returning"
    );
}

#[tokio::test]
async fn a_qr_sign_in_goes_on_where_it_was_asked_to_first_visit_and_returning() {
    let app = spawn_app().await;
    let phone = phone(&app);
    let next = "/oauth/continue/waiting-site";
    let page = format!(
        "/login/qr?next={}",
        url::form_urlencoded::byte_serialize(next.as_bytes()).collect::<String>()
    );

    let first = app.new_browser();
    let qr = open_qr_page_at(&first, &page).await;
    scan_and_authorize(&app, &phone, &qr, 1).await;
    decide(&phone, &qr, "confirm").await;
    assert_eq!(claim(&first, &qr.ticket).await, "/signup");
    let done = first.complete_signup("carried", "Carried", "").await;
    assert_eq!(
        done.headers()["location"],
        next,
        "the profile form goes on to it"
    );

    let second = app.new_browser();
    let qr = open_qr_page_at(&second, &page).await;
    scan_and_authorize(&app, &phone, &qr, 1).await;
    decide(&phone, &qr, "confirm").await;
    assert_eq!(claim(&second, &qr.ticket).await, next);

    // Only a path on this site is kept.
    let third = app.new_browser();
    let qr = open_qr_page_at(&third, "/login/qr?next=https%3A%2F%2Fevil.example%2F").await;
    scan_and_authorize(&app, &phone, &qr, 1).await;
    decide(&phone, &qr, "confirm").await;
    assert_eq!(claim(&third, &qr.ticket).await, "/account");
}

#[tokio::test]
async fn cancelling_on_the_phone_tells_the_desktop_and_nothing_can_be_claimed() {
    let app = spawn_app().await;
    let desktop = app.browser();
    let qr = open_qr_page(&desktop).await;
    let mut events = Events::open(&desktop, &qr.ticket).await;
    assert_eq!(events.next().await, "waiting");
    let phone = phone(&app);
    scan_and_authorize(&app, &phone, &qr, 3).await;
    assert_eq!(events.next().await, "scanned");
    decide(&phone, &qr, "cancel").await;
    assert_eq!(events.next().await, "cancelled");
    assert_eq!(claim(&desktop, &qr.ticket).await, "/login?error=ticket");
    assert!(desktop.me().await.is_none());
    // A cancelled ticket cannot be confirmed afterwards.
    decide(&phone, &qr, "confirm").await;
    assert_eq!(claim(&desktop, &qr.ticket).await, "/login?error=ticket");
}

#[tokio::test]
async fn a_ticket_is_claimed_once_and_only_by_the_session_that_made_it() {
    let app = spawn_app().await;
    let desktop = app.browser();
    let qr = open_qr_page(&desktop).await;
    let phone = phone(&app);
    scan_and_authorize(&app, &phone, &qr, 1).await;
    decide(&phone, &qr, "confirm").await;

    let stranger = app.new_browser();
    assert_eq!(claim(&stranger, &qr.ticket).await, "/login?error=ticket");
    let response = stranger
        .get(&format!("/auth/qr/{}/events", qr.ticket))
        .await;
    assert_eq!(
        response.status(),
        404,
        "another session cannot watch the ticket"
    );
    // The phone scanned it but did not make it: it cannot claim it either.
    assert_eq!(claim(&phone, &qr.ticket).await, "/login?error=ticket");

    assert_eq!(claim(&desktop, &qr.ticket).await, "/signup");
    assert_eq!(
        claim(&desktop, &qr.ticket).await,
        "/login?error=ticket",
        "a second claim"
    );
    let stored = login_ticket::Entity::find_by_id(qr.ticket.clone())
        .one(&app.db.conn)
        .await
        .expect("query")
        .expect("the ticket");
    assert_eq!(stored.status, "claimed");
    assert!(
        stored.tokens.is_none(),
        "sealed tokens leave the ticket once claimed"
    );
}

#[tokio::test]
async fn an_expired_ticket_is_refused_everywhere() {
    let app = spawn_app().await;
    let desktop = app.browser();
    let qr = open_qr_page(&desktop).await;
    login_ticket::Entity::update_many()
        .col_expr(
            login_ticket::Column::ExpiresAt,
            Expr::value(Utc::now() - chrono::Duration::seconds(1)),
        )
        .filter(login_ticket::Column::Id.eq(qr.ticket.clone()))
        .exec(&app.db.conn)
        .await
        .expect("expire the ticket");

    let mut events = Events::open(&desktop, &qr.ticket).await;
    assert_eq!(events.next().await, "expired");
    let scanned = phone(&app).get(&qr.url).await;
    assert_eq!(
        location(&scanned),
        format!("/qr/{}/confirm", qr.ticket),
        "no authorization for an expired code"
    );
    assert_eq!(claim(&desktop, &qr.ticket).await, "/login?error=ticket");
    let page = app.get("/login?error=ticket").await;
    assert_eq!(page.status(), 410);
}

#[tokio::test]
async fn a_phone_outside_wechat_is_asked_to_use_wechat() {
    // Real credentials (never contacted here), so the simulator's shortcut is off.
    let app = spawn_app_with(&[
        ("WECHAT_MP_APPID", "wx0000000000000001"),
        ("WECHAT_MP_SECRET", "secret"),
        ("DENGLU_SECRET", "a-test-secret-that-is-long-enough-0123"),
    ])
    .await;
    let desktop = app.browser();
    let qr = open_qr_page(&desktop).await;
    let browser = app.browser_with_agent(SAFARI_UA);
    let response = browser.get(&qr.url).await;
    assert_eq!(
        location(&response),
        format!("/qr/{}/confirm?need=wechat", qr.ticket)
    );
    let mut events = Events::open(&desktop, &qr.ticket).await;
    assert_eq!(
        events.next().await,
        "waiting",
        "not scanned by a browser that cannot sign in"
    );
}

#[tokio::test]
async fn two_instances_share_one_ticket() {
    let desktop_side = spawn_app().await;
    let phone_side = spawn_app_sharing(&desktop_side).await;
    let desktop = desktop_side.browser();
    let qr = open_qr_page(&desktop).await;
    let mut events = Events::open(&desktop, &qr.ticket).await;
    assert_eq!(events.next().await, "waiting");

    // The phone's requests land on the other instance.
    let phone = phone(&phone_side);
    let on_other = QrPage {
        url: phone_side.url(&format!("/qr/{}", qr.ticket)),
        ..qr
    };
    scan_and_authorize(&phone_side, &phone, &on_other, 4).await;
    assert_eq!(events.next().await, "scanned");
    let confirmed_at = Instant::now();
    decide(&phone, &on_other, "confirm").await;
    assert_eq!(events.next().await, "confirmed");
    println!(
        "confirm reached the other instance's desktop in {:?}",
        confirmed_at.elapsed()
    );
    assert_eq!(claim(&desktop, &on_other.ticket).await, "/signup");
}

#[tokio::test]
async fn inside_wechat_the_login_page_offers_the_official_account_instead_of_a_qr() {
    let app = spawn_app().await;
    let html = phone(&app).get("/login").await.text().await.expect("HTML");
    assert!(html.contains(r#"data-wechat="in_app""#));
    assert!(html.contains(r#"href="/auth/wechat_mp/start""#));
    assert!(
        !html.contains("wxLogin.js"),
        "no QR for a phone to scan itself"
    );
    // WeCom's browser also says MicroMessenger, but is not WeChat: on a phone it gets a phone
    // browser's ways to reach WeChat.
    let wecom = app.browser_with_agent(&format!("{WECHAT_UA} wxwork/4.1.0"));
    let html = wecom.get("/login").await.text().await.expect("HTML");
    assert!(!html.contains(r#"data-wechat="in_app""#));
    assert!(html.contains(r#"data-wechat="phone""#));
}

#[tokio::test]
async fn the_embedded_qr_carries_a_state_that_the_callback_accepts() {
    let app = spawn_app().await;
    let desktop = app.browser();
    let html = desktop.get("/login").await.text().await.expect("HTML");
    let state = attribute(&html, "data-state");
    assert_eq!(state.len(), 32);
    // What wxLogin.js's iframe does once the phone confirms: WeChat's QR page, auto-approved.
    app.auto_approve("wechat", 2).await;
    let redirect = app.url("/auth/wechat/callback");
    let authorize = format!(
        "/_sim/open.weixin.qq.com/connect/qrconnect?appid={}&redirect_uri={}&response_type=code&scope=snsapi_login&state={state}",
        simulator::WECHAT_OPEN_APPID,
        denglu::components::href::query_value(&redirect).replace('/', "%2F"),
    );
    let callback = desktop.authorize(&authorize).await;
    assert_eq!(desktop.callback(&callback).await, "/signup");
}

#[tokio::test]
async fn own_qr_mode_shows_our_code_on_the_login_page() {
    let app = spawn_app_with(&[("DENGLU_WECHAT_QR", "own")]).await;
    let html = app.get("/login").await.text().await.expect("HTML");
    assert!(html.contains(r#"data-wechat="own""#));
    assert!(html.contains("data-ticket="));
    assert!(!html.contains("wxLogin.js"));
}

#[tokio::test]
async fn a_phone_that_reloads_before_authorising_is_sent_through_again() {
    let app = spawn_app().await;
    let qr = open_qr_page(&app.browser()).await;
    let phone = phone(&app);
    let first = phone.get(&qr.url).await;
    assert!(location(&first).contains("/connect/oauth2/authorize"));
    // The person went back and opened the code again before answering WeChat.
    let again = phone.get(&qr.url).await;
    assert!(
        location(&again).contains("/connect/oauth2/authorize"),
        "{}",
        location(&again)
    );
    // Another phone gets the explanation, not an authorization.
    let other = app.browser_with_agent(WECHAT_UA);
    assert_eq!(
        location(&other.get(&qr.url).await),
        format!("/qr/{}/confirm", qr.ticket)
    );
}

#[tokio::test]
async fn a_scan_of_a_malformed_ticket_is_sent_on_with_an_ascii_location() {
    let app = spawn_app().await;
    let scanned = phone(&app).get("/qr/%E7%99%BB").await;
    assert_eq!(scanned.status(), 303);
    assert_eq!(
        scanned.headers()["location"].as_bytes(),
        b"/qr/%E7%99%BB/confirm"
    );
}

#[tokio::test]
async fn a_claim_that_fails_midway_leaves_the_ticket_confirmed_for_another_try() {
    let app = spawn_app().await;
    let desktop = app.browser();
    let qr = open_qr_page(&desktop).await;
    let phone = phone(&app);
    scan_and_authorize(&app, &phone, &qr, 1).await;
    decide(&phone, &qr, "confirm").await;
    // The stored identity cannot be read back: the claim fails after its update.
    login_ticket::Entity::update_many()
        .col_expr(
            login_ticket::Column::Profile,
            Expr::value(serde_json::json!({"not": "a profile"})),
        )
        .filter(login_ticket::Column::Id.eq(qr.ticket.clone()))
        .exec(&app.db.conn)
        .await
        .expect("spoil the stored profile");
    assert_eq!(claim(&desktop, &qr.ticket).await, "/login?error=server");
    let ticket = login_ticket::Entity::find_by_id(qr.ticket.clone())
        .one(&app.db.conn)
        .await
        .expect("read the ticket")
        .expect("the ticket exists");
    assert_eq!(ticket.status, "confirmed", "nothing was spent");
    assert!(ticket.tokens.is_some(), "nothing was wiped");
}

#[tokio::test]
async fn a_qr_scanned_by_someone_else_never_links_to_the_signed_in_person() {
    let app = spawn_app().await;
    let victim = app.browser();
    let victim_id = victim.sign_up(&app, "qq", 1, "victim").await;

    // WeChat's embedded QR on the victim's /login, scanned first by someone who saw it.
    let html = victim.get("/login").await.text().await.expect("HTML");
    let state = attribute(&html, "data-state");
    app.auto_approve("wechat", 2).await;
    let redirect = app.url("/auth/wechat/callback");
    let authorize = format!(
        "/_sim/open.weixin.qq.com/connect/qrconnect?appid={}&redirect_uri={}&response_type=code&scope=snsapi_login&state={state}",
        simulator::WECHAT_OPEN_APPID,
        denglu::components::href::query_value(&redirect).replace('/', "%2F"),
    );
    let callback = victim.authorize(&authorize).await;
    assert_eq!(
        victim.callback(&callback).await,
        "/account?error=not_linked"
    );

    // Our own QR on /login/qr, scanned and confirmed by the same someone.
    let qr = open_qr_page(&victim).await;
    let scanner = phone(&app);
    scan_and_authorize(&app, &scanner, &qr, 2).await;
    decide(&scanner, &qr, "confirm").await;
    assert_eq!(
        claim(&victim, &qr.ticket).await,
        "/account?error=not_linked"
    );

    let me = victim.me().await.expect("the victim is still signed in");
    assert_eq!(me["id"], victim_id);
    assert_eq!(me["identities"].as_array().map(Vec::len), Some(1), "{me}");
}

async fn events_status(browser: &Browser, ticket: &str) -> (u16, reqwest::Response) {
    let response = browser.get(&format!("/auth/qr/{ticket}/events")).await;
    (response.status().as_u16(), response)
}

#[tokio::test]
async fn a_third_stream_on_one_ticket_is_refused_with_503() {
    let app = spawn_app().await;
    let desktop = app.browser();
    let qr = open_qr_page(&desktop).await;
    let first = Events::open(&desktop, &qr.ticket).await;
    let second = Events::open(&desktop, &qr.ticket).await;
    let (status, third) = events_status(&desktop, &qr.ticket).await;
    assert_eq!(status, 503);
    assert!(third.headers().contains_key("retry-after"));
    // A closed stream gives its place back.
    drop(first);
    let mut again = None;
    for _ in 0..50 {
        let (status, response) = events_status(&desktop, &qr.ticket).await;
        if status == 200 {
            again = Some(response);
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(
        again.is_some(),
        "a place is free again after a stream closes"
    );
    drop(second);
}

#[tokio::test]
async fn streams_are_capped_per_client_and_in_all() {
    let app = spawn_app_with(&[("DENGLU_STREAMS_PER_CLIENT", "2")]).await;
    let desktop = app.browser();
    let mut open = Vec::new();
    for _ in 0..2 {
        let qr = open_qr_page(&desktop).await;
        open.push(Events::open(&desktop, &qr.ticket).await);
    }
    let qr = open_qr_page(&desktop).await;
    assert_eq!(events_status(&desktop, &qr.ticket).await.0, 503);

    let app = spawn_app_with(&[("DENGLU_STREAMS_MAX", "1")]).await;
    let first = app.new_browser();
    let qr = open_qr_page(&first).await;
    let _held = Events::open(&first, &qr.ticket).await;
    let second = app.new_browser();
    let qr = open_qr_page(&second).await;
    assert_eq!(events_status(&second, &qr.ticket).await.0, 503);
}

// ---- Relay defence: what the requester of a code cannot forge ----

async fn ticket_status(app: &TestApp, ticket: &str) -> String {
    login_ticket::Entity::find_by_id(ticket.to_string())
        .one(&app.db.conn)
        .await
        .expect("read the ticket")
        .expect("the ticket exists")
        .status
}

#[tokio::test]
async fn the_phone_page_shows_the_desktops_network_and_three_numbers_including_the_desktops() {
    let app = spawn_app().await;
    let desktop = app.browser_speaking("en");
    let html = desktop.get("/login/qr").await.text().await.expect("HTML");
    let code = attribute(&html, "data-match-code");
    assert!(
        code.len() == 2 && code.bytes().all(|b| b.is_ascii_digit()),
        "a two-digit code: {code}"
    );
    assert!(
        html.contains(&format!("On your phone, choose {code}")),
        "the desktop tells the person which number to pick"
    );

    let qr = open_qr_page(&desktop).await;
    let phone = phone(&app);
    let (_, landed) = scan_and_authorize(&app, &phone, &qr, 2).await;
    let page = phone.get(&landed).await.text().await.expect("HTML");
    // The test client connects from 127.0.0.1: the desktop's network, not its address.
    assert_eq!(attribute(&page, "data-desktop-network"), "127.0.0.0/24");
    let network = &page[page.find("data-desktop-network").expect("the network")..];
    let network =
        &network[network.find('>').expect("a tag") + 1..network.find("</dd>").expect("an end")];
    assert_eq!(
        network, "127.0.0.0/24",
        "the network, never the address itself"
    );

    let shown = choices(&page);
    assert_eq!(shown.len(), 3, "three numbers to pick from: {shown:?}");
    assert!(shown.contains(&qr.code), "{shown:?} has {}", qr.code);
    let mut distinct = shown.clone();
    distinct.sort();
    distinct.dedup();
    assert_eq!(distinct.len(), 3, "three different numbers: {shown:?}");
    assert!(
        shown
            .iter()
            .all(|c| c.len() == 2 && c.bytes().all(|b| b.is_ascii_digit()))
    );
    let again = phone.get(&landed).await.text().await.expect("HTML");
    assert_eq!(choices(&again), shown, "the same order on every reload");
}

#[tokio::test]
async fn each_ticket_gets_its_own_random_code() {
    let app = spawn_app().await;
    let mut codes = std::collections::HashSet::new();
    for _ in 0..8 {
        codes.insert(open_qr_page(&app.new_browser()).await.code);
    }
    // Eight draws from 90 codes all equal: about one chance in 10^15.
    assert!(codes.len() > 1, "{codes:?}");
}

#[tokio::test]
async fn a_wrong_number_cancels_the_ticket_and_nothing_can_be_claimed() {
    let app = spawn_app().await;
    let desktop = app.browser();
    let qr = open_qr_page(&desktop).await;
    let mut events = Events::open(&desktop, &qr.ticket).await;
    assert_eq!(events.next().await, "waiting");
    let phone = phone(&app);
    let (_, landed) = scan_and_authorize(&app, &phone, &qr, 2).await;
    assert_eq!(events.next().await, "scanned");

    let page = phone.get(&landed).await.text().await.expect("HTML");
    let wrong = choices(&page)
        .into_iter()
        .find(|c| *c != qr.code)
        .expect("a decoy");
    post_decision(&phone, &qr.ticket, "confirm", &wrong).await;
    assert_eq!(events.next().await, "cancelled");
    assert_eq!(ticket_status(&app, &qr.ticket).await, "cancelled");
    let page = phone.get(&landed).await.text().await.expect("HTML");
    assert!(
        page.contains(r#"data-outcome="phone-wrong-number""#),
        "the phone says why"
    );

    assert_eq!(claim(&desktop, &qr.ticket).await, "/login?error=ticket");
    // The right number afterwards changes nothing.
    decide(&phone, &qr, "confirm").await;
    assert_eq!(ticket_status(&app, &qr.ticket).await, "cancelled");
    assert_eq!(claim(&desktop, &qr.ticket).await, "/login?error=ticket");
    assert!(desktop.me().await.is_none());
}

#[tokio::test]
async fn a_confirm_without_the_right_number_is_refused() {
    let app = spawn_app().await;
    let desktop = app.browser();
    let qr = open_qr_page(&desktop).await;
    let phone = phone(&app);
    scan_and_authorize(&app, &phone, &qr, 2).await;

    // Today's form: Confirm with no number, and numbers that are not numbers.
    for code in ["", "abc", "4", "100", " 47"] {
        post_decision(&phone, &qr.ticket, "confirm", code).await;
        assert_eq!(
            ticket_status(&app, &qr.ticket).await,
            "scanned",
            "confirm with {code:?}"
        );
        assert_eq!(claim(&desktop, &qr.ticket).await, "/login?error=ticket");
    }
    // The number from the desktop still works.
    decide(&phone, &qr, "confirm").await;
    assert_eq!(ticket_status(&app, &qr.ticket).await, "confirmed");
    assert_eq!(claim(&desktop, &qr.ticket).await, "/signup");
}

#[tokio::test]
async fn the_phone_says_whether_a_confirm_creates_an_account_or_signs_in_to_one() {
    let app = spawn_app().await;
    let phone = phone(&app);

    let first = app.new_browser();
    let qr = open_qr_page(&first).await;
    let (_, landed) = scan_and_authorize(&app, &phone, &qr, 1).await;
    let page = phone.get(&landed).await.text().await.expect("HTML");
    assert_eq!(attribute(&page, "data-will"), "create-account");
    assert!(page.contains("创建新账号"), "in words: a new account");
    decide(&phone, &qr, "confirm").await;
    assert_eq!(claim(&first, &qr.ticket).await, "/signup");
    let id = first.complete_signup("owner", "账号主人", "").await;
    assert!(id.status().is_success());

    let second = app.new_browser();
    let qr = open_qr_page(&second).await;
    let (_, landed) = scan_and_authorize(&app, &phone, &qr, 1).await;
    let page = phone.get(&landed).await.text().await.expect("HTML");
    assert_eq!(attribute(&page, "data-will"), "sign-in");
    assert!(
        page.contains("账号主人"),
        "the phone names the account it signs in to"
    );
}

#[tokio::test]
async fn the_phone_says_a_signed_in_computer_will_not_be_signed_in_or_linked() {
    let app = spawn_app().await;
    let requester = app.browser();
    requester.sign_up(&app, "qq", 1, "requester").await;
    let qr = open_qr_page(&requester).await;

    let victim = phone(&app);
    let (_, landed) = scan_and_authorize(&app, &victim, &qr, 2).await;
    let page = victim.get(&landed).await.text().await.expect("HTML");
    assert_eq!(attribute(&page, "data-will"), "nothing");
    assert!(
        page.contains("不会登录，也不会关联"),
        "in words: confirming signs nobody in and links nothing"
    );
    decide(&victim, &qr, "confirm").await;
    assert_eq!(
        claim(&requester, &qr.ticket).await,
        "/account?error=not_linked"
    );
    let me = requester.me().await.expect("still signed in");
    assert_eq!(me["identities"].as_array().map(Vec::len), Some(1), "{me}");
}

#[tokio::test]
async fn a_ticket_made_signed_in_cannot_be_claimed_after_signing_out() {
    // The phone was told "nothing will happen"; signing out must not make it a sign-in.
    let app = spawn_app().await;
    let requester = app.browser();
    requester.sign_up(&app, "qq", 1, "requester").await;
    let qr = open_qr_page(&requester).await;
    let victim = phone(&app);
    scan_and_authorize(&app, &victim, &qr, 2).await;
    requester.sign_out().await;
    decide(&victim, &qr, "confirm").await;
    assert_eq!(claim(&requester, &qr.ticket).await, "/login?error=ticket");
    assert!(requester.me().await.is_none());
}

#[tokio::test]
async fn qr_pages_opened_at_once_in_several_tabs_each_keep_their_ticket() {
    let app = spawn_app().await;
    let desktop = app.browser();
    // The browser has a session already (an earlier QR page).
    open_qr_page(&desktop).await;
    let pages = futures::future::join_all((0..4).map(|_| open_qr_page(&desktop))).await;
    for qr in &pages {
        let events = desktop.get(&format!("/auth/qr/{}/events", qr.ticket)).await;
        assert_eq!(
            events.status(),
            200,
            "ticket {} is this browser's",
            qr.ticket
        );
    }
}

#[tokio::test]
async fn live_tickets_are_capped_per_browser_and_per_address() {
    let app = spawn_app().await;
    let desktop = app.browser();
    let first = open_qr_page(&desktop).await;
    for _ in 0..5 {
        open_qr_page(&desktop).await;
    }
    // Five live tickets per browser: the oldest is let go.
    let mut events = Events::open(&desktop, &first.ticket).await;
    assert_eq!(events.next().await, "expired");
    assert_eq!(
        login_ticket::Entity::find()
            .filter(login_ticket::Column::Status.eq("waiting"))
            .all(&app.db.conn)
            .await
            .expect("tickets")
            .len(),
        5,
        "the oldest is expired in the database, not only forgotten"
    );
    // Thirty live tickets per address, whichever browsers ask.
    for _ in 0..25 {
        open_qr_page(&app.new_browser()).await;
    }
    let refused = app.new_browser().get("/login/qr").await;
    let html = refused.text().await.expect("HTML");
    assert!(
        !html.contains("data-ticket="),
        "no 31st live ticket from one address"
    );
}

#[tokio::test]
async fn the_login_page_makes_one_ticket_and_gives_a_phone_browser_the_code_to_save() {
    const SAFARI_IPHONE: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1";
    let app = spawn_app().await;
    let phone = app.browser_with_agent(SAFARI_IPHONE);
    let html = phone.get("/login").await.text().await.expect("a page");
    assert!(html.contains(r#"data-wechat="phone""#), "the phone's way");
    assert!(
        html.contains(r#"src="data:image/png;base64,"#),
        "a code to save"
    );
    assert!(html.contains("data-copy-link"), "a link to open in WeChat");
    assert_eq!(
        app.count("login_tickets").await,
        1,
        "one ticket, however often the page's suspended part renders"
    );

    // A computer on a site with only our QR: one ticket too, and no image to save.
    let own = spawn_app_with(&[("DENGLU_WECHAT_QR", "own")]).await;
    let html = own.get("/login").await.text().await.expect("a page");
    assert!(html.contains(r#"data-wechat="own""#));
    assert!(!html.contains("data:image/png"));
    assert_eq!(own.count("login_tickets").await, 1);
}
