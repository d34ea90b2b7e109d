//! WeChat website QR login: the qrconnect page (full and embedded), its long-poll,
//! wxLogin.js, and the phone page that "scanning" opens.

use std::time::{Duration, Instant};

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use tokio::sync::watch;

use crate::core::base::Base;
use crate::core::html::{WECHAT_GREEN, layout, phone_layout, provider_error_page};
use crate::core::qr;
use crate::core::qr_session::{QrSession, QrStatus};
use crate::core::random::{ALNUM, random_string};
use crate::core::records::{App, Consent};
use crate::core::state::{Shared, SimState};
use crate::core::store::Lookup;
use crate::core::web::{Params, callback_allowed, escape_html, html, js_string, typed};
use crate::core::wire::wechat::poll_body;
use crate::pages::consent::{approve_code, auto_answer};
use crate::pages::widgets::{new_user_form, user_picker};

fn error_page(code: i64, message: &str) -> Response {
    provider_error_page("微信登录", code, message)
}

/// `GET /open.weixin.qq.com/connect/qrconnect`
pub async fn qrconnect(State(state): State<Shared>, base: Base, params: Params) -> Response {
    let jssdk = params.get("login_type") == Some("jssdk");
    let Some(appid) = params.non_empty("appid") else {
        return error_page(10016, "appid 参数错误 Missing appid");
    };
    if appid == state.config.wechat_mp_appid {
        return error_page(10016, "该应用不是网站应用 This appid is not a website app");
    }
    if appid != state.config.wechat_open_appid {
        return error_page(10016, "appid 参数错误 Unknown appid");
    }
    let redirect_uri = params.get("redirect_uri").unwrap_or("");
    if !callback_allowed(redirect_uri, &state.config.callback_domains) {
        return error_page(
            10003,
            "redirect_uri 参数错误 The redirect_uri's domain is not the registered callback domain",
        );
    }
    let scope = params.get("scope").unwrap_or("");
    if !scope.split(',').any(|s| s == "snsapi_login") {
        return error_page(
            10005,
            "Scope 参数错误或没有 Scope 权限 Scope must be snsapi_login",
        );
    }
    // The embedded iframe (wxLogin.js) sends no response_type; the plain page must.
    match params.get("response_type") {
        Some("code") => {}
        None if jssdk => {}
        _ => return error_page(10004, "response_type 参数错误 response_type must be code"),
    }
    let st = params.get("state").map(str::to_owned);
    if st.as_ref().is_some_and(|s| s.len() > 128) {
        return error_page(10009, "state 参数过长 state is longer than 128 bytes");
    }
    let consent = Consent {
        app: App::WechatOpen,
        redirect_uri: redirect_uri.to_owned(),
        state: st,
        scope: "snsapi_login".to_owned(),
    };
    if let Some(response) = auto_answer(&state, &consent) {
        return response;
    }
    let uuid = random_string(16, ALNUM);
    state.qr_sessions.insert(
        uuid.clone(),
        QrSession::waiting(consent.clone()),
        state.config.qr_lifetime,
    );
    let redirect = Redirect {
        self_redirect: params.get("self_redirect") == Some("true"),
        style_black: params.get("style") != Some("white"),
        href: params.non_empty("href"),
    };
    html(qr_page(&base, &uuid, &consent, jssdk, &redirect))
}

struct Redirect<'a> {
    self_redirect: bool,
    style_black: bool,
    href: Option<&'a str>,
}

fn qr_page(base: &Base, uuid: &str, consent: &Consent, jssdk: bool, opts: &Redirect<'_>) -> String {
    let root = &base.0;
    let phone_url = base.url(&format!("/phone/{uuid}"));
    let svg = qr::svg(&phone_url);
    let script = poll_script(root, uuid, consent, jssdk && !opts.self_redirect);
    let phone_link = format!(
        "<a href=\"{}\" target=\"_blank\" rel=\"noopener\">在本机打开手机页面<span class=\"en\">Open the phone page here</span></a>",
        escape_html(&phone_url)
    );
    if jssdk {
        let (bg, fg) = if opts.style_black {
            ("#333", "#fff")
        } else {
            ("#fff", "#333")
        };
        let css = opts
            .href
            .filter(|h| h.starts_with("https://") || h.starts_with("http://"))
            .map(|h| format!("<link rel=\"stylesheet\" href=\"{}\">", escape_html(h)))
            .unwrap_or_default();
        let body = format!(
            "{css}<div class=\"impowerBox\" style=\"background:{bg};color:{fg};text-align:center;padding:16px 0;height:400px\">\
             <div class=\"title\" style=\"font-size:18px\">微信登录</div>\
             <div class=\"qr\" style=\"background:#fff;display:inline-block;margin:12px 0\">{svg}</div>\
             <div id=\"wx_status\" class=\"status\" style=\"font-size:13px\">使用微信扫一扫登录<span class=\"en\">Scan with WeChat</span></div>\
             <div style=\"font-size:12px;margin-top:8px\">{phone_link}</div></div>{script}"
        );
        return layout(
            "微信登录",
            WECHAT_GREEN,
            &format!("<div style=\"margin:0\">{body}</div>"),
        );
    }
    let body = format!(
        "<div class=\"wrap\" style=\"max-width:420px\"><div class=\"card center\">\
         <h1>微信登录<span class=\"en\">Sign in with WeChat</span></h1>\
         <div class=\"qr\">{svg}</div>\
         <p id=\"wx_status\">请使用微信扫描二维码登录<span class=\"en\">Scan the QR code with WeChat</span></p>\
         <p>{phone_link}</p></div></div>{script}"
    );
    layout("微信登录", WECHAT_GREEN, &body)
}

/// The only script the simulator's pages need: poll, then redirect on 405 or 403.
fn poll_script(root: &str, uuid: &str, consent: &Consent, top: bool) -> String {
    format!(
        r#"<script>
(function () {{
  var poll = {poll}, uuid = {uuid}, redirect = {redirect}, state = {state}, top = {top};
  var status = document.getElementById('wx_status'), last = 0;
  function say(text) {{ if (status) status.textContent = text; }}
  function target(code) {{
    var u = redirect + (redirect.indexOf('?') < 0 ? '?' : '&');
    if (code) u += 'code=' + encodeURIComponent(code) + '&';
    return u + 'state=' + encodeURIComponent(state);
  }}
  function go(url) {{
    if (top) {{ try {{ window.top.location.href = url; return; }} catch (e) {{}} }}
    window.location.href = url;
  }}
  function tick() {{
    var url = poll + '?uuid=' + uuid + (last ? '&last=' + last : '') + '&_=' + Date.now();
    fetch(url, {{ cache: 'no-store' }}).then(function (r) {{ return r.text(); }}).then(function (t) {{
      var e = /wx_errcode=(-?\d+)/.exec(t), c = /wx_code='([^']*)'/.exec(t);
      var errcode = e ? parseInt(e[1], 10) : 408;
      if (errcode === 405) {{ say('登录成功 Signed in'); go(target(c ? c[1] : '')); return; }}
      if (errcode === 403) {{ say('你已取消此次登录 You cancelled'); go(target('')); return; }}
      if (errcode === 402) {{ say('二维码已失效，请刷新页面 QR code expired, reload the page'); return; }}
      if (errcode === 404) {{ say('扫描成功，请在微信中点击确认 Scanned: confirm on your phone'); last = 404; }}
      setTimeout(tick, 100);
    }}).catch(function () {{ setTimeout(tick, 2000); }});
  }}
  tick();
}})();
</script>"#,
        poll = js_string(&format!("{root}/lp.open.weixin.qq.com/connect/l/qrconnect")),
        uuid = js_string(uuid),
        redirect = js_string(&consent.redirect_uri),
        state = js_string(consent.state.as_deref().unwrap_or("")),
        top = top,
    )
}

enum Seen {
    Gone,
    Now(QrStatus, watch::Receiver<u64>),
}

fn look(state: &SimState, uuid: &str) -> Seen {
    state
        .qr_sessions
        .with(&uuid.to_owned(), |found| match found {
            Lookup::Live(session) => Seen::Now(session.status.clone(), session.subscribe()),
            _ => Seen::Gone,
        })
}

fn answer(status: &QrStatus) -> Response {
    match status {
        QrStatus::Confirmed(code) => poll_body(405, code),
        other => poll_body(other.errcode(), ""),
    }
}

/// `GET /lp.open.weixin.qq.com/connect/l/qrconnect?uuid=..&last=..&_=..`: answers at
/// once when the status moved past `last`, else holds the request until it does,
/// the QR expires (402) or the poll times out (408).
pub async fn long_poll(State(state): State<Shared>, params: Params) -> Response {
    let Some(uuid) = params.non_empty("uuid").map(str::to_owned) else {
        return poll_body(400, "");
    };
    let last: Option<i64> = params.get("last").and_then(|l| l.parse().ok());
    let deadline = Instant::now() + state.config.long_poll_timeout;
    loop {
        let (status, mut changes) = match look(&state, &uuid) {
            Seen::Gone => return poll_body(402, ""),
            Seen::Now(status, changes) => (status, changes),
        };
        let errcode = status.errcode();
        if errcode != 408 && Some(errcode) != last {
            return answer(&status);
        }
        let now = Instant::now();
        if now >= deadline {
            return poll_body(408, "");
        }
        let expires_at = state.qr_sessions.expires_at(&uuid).unwrap_or(now);
        let wake = deadline.min(expires_at.max(now + Duration::from_millis(1)));
        // The lock is released; wait for a change or the next deadline.
        let _ = tokio::time::timeout_at(wake.into(), changes.changed()).await;
    }
}

/// `GET /open.weixin.qq.com/connect/qrcode/{uuid}`: the QR alone, as an SVG image.
pub async fn qr_image(base: Base, Path(uuid): Path<String>) -> Response {
    let uuid: String = uuid.chars().filter(|c| c.is_ascii_alphanumeric()).collect();
    typed(
        StatusCode::OK,
        "image/svg+xml",
        qr::svg_document(&base.url(&format!("/phone/{uuid}"))),
    )
}

/// `GET /phone/{uuid}`: what scanning opens. Moves the poll to 404.
pub async fn phone_scan(
    State(state): State<Shared>,
    base: Base,
    Path(uuid): Path<String>,
) -> Response {
    let scanned = state.qr_sessions.with(&uuid, |found| match found {
        Lookup::Live(session) => {
            if session.status == QrStatus::Waiting {
                session.set(QrStatus::Scanned);
            }
            Some(session.status.clone())
        }
        _ => None,
    });
    match scanned {
        None => phone_message("二维码已失效", "QR code expired: reload the login page"),
        Some(QrStatus::Waiting | QrStatus::Scanned) => {
            let root = &base.0;
            let users = state.users.all();
            let body = format!(
                "<div class=\"center\"><p style=\"font-size:40px;margin:8px\">💻</p>\
                 <p>网页版微信登录确认<span class=\"en\">Sign in to the website on your computer</span></p></div>\
                 <form method=\"post\" action=\"{action}\">\
                 <h2>选择微信用户<span class=\"en\">Who is holding the phone</span></h2>{picker}\
                 <button class=\"btn primary\" name=\"action\" value=\"confirm\">确认登录 Confirm</button>\
                 <button class=\"btn plain\" name=\"action\" value=\"cancel\">取消登录 Cancel</button></form>{new_user}",
                action = escape_html(&format!("{root}/phone/{uuid}")),
                picker = user_picker(&users, state.phone_user(), root),
                new_user = new_user_form(root, &format!("/phone/{uuid}")),
            );
            html(phone_layout("微信", WECHAT_GREEN, &body))
        }
        Some(_) => phone_message("此二维码已使用", "This QR code was already used"),
    }
}

/// `POST /phone/{uuid}`: Confirm (405 with a code) or Cancel (403).
pub async fn phone_answer(
    State(state): State<Shared>,
    Path(uuid): Path<String>,
    params: Params,
) -> Response {
    let confirm = params.get("action") == Some("confirm");
    let consent = state.qr_sessions.with(&uuid, |found| match found {
        Lookup::Live(s) if matches!(s.status, QrStatus::Waiting | QrStatus::Scanned) => {
            Some(s.consent.clone())
        }
        _ => None,
    });
    let Some(consent) = consent else {
        return phone_message("二维码已失效", "QR code expired or already used");
    };
    let new_status = if confirm {
        let user = params.get("user").and_then(|u| u.parse::<u64>().ok());
        // The code is made outside the session's lock; only its value goes in.
        let Some(code) = user.and_then(|id| approve_code(&state, &consent, id)) else {
            return phone_message("请选择用户", "Choose a user first");
        };
        QrStatus::Confirmed(code)
    } else {
        QrStatus::Cancelled
    };
    state.qr_sessions.with(&uuid, |found| {
        if let Lookup::Live(session) = found {
            session.set(new_status.clone());
        }
    });
    if confirm {
        phone_message("已确认登录", "Signed in: go back to your computer")
    } else {
        phone_message("已取消登录", "Cancelled")
    }
}

fn phone_message(zh: &str, en: &str) -> Response {
    html(phone_layout(
        "微信",
        WECHAT_GREEN,
        &format!(
            "<div class=\"center\" style=\"padding-top:80px\"><p style=\"font-size:20px\">{}</p><p class=\"muted\">{}</p></div>",
            escape_html(zh),
            escape_html(en)
        ),
    ))
}

/// `GET /res.wx.qq.com/connect/zh_CN/htmledition/js/wxLogin.js`: WeChat's embed
/// script, pointing at this simulator (found from the script's own URL).
pub async fn wx_login_js(base: Base) -> Response {
    let body = format!(
        r#"!function (win, doc) {{
  var marker = '/res.wx.qq.com/connect/zh_CN/htmledition/js/wxLogin.js';
  var scripts = doc.getElementsByTagName('script');
  var me = doc.currentScript || scripts[scripts.length - 1];
  var src = (me && me.src) || '';
  var at = src.indexOf(marker);
  var root = at >= 0 ? src.slice(0, at) : {fallback};
  win.WxLogin = function (e) {{
    var r = 'default';
    if (e.self_redirect === true) {{ r = 'true'; }} else if (e.self_redirect === false) {{ r = 'false'; }}
    var n = doc.createElement('iframe');
    var i = root + '/open.weixin.qq.com/connect/qrconnect?appid=' + e.appid + '&scope=' + e.scope +
      '&redirect_uri=' + e.redirect_uri + '&state=' + e.state + '&login_type=jssdk&self_redirect=' + r +
      '&styletype=' + (e.styletype || '') + '&sizetype=' + (e.sizetype || '') +
      '&bgcolor=' + (e.bgcolor || '') + '&rst=' + (e.rst || '');
    i += e.style ? '&style=' + e.style : '';
    i += e.href ? '&href=' + e.href : '';
    n.src = i;
    n.frameBorder = '0';
    n.allowTransparency = 'true';
    n.scrolling = 'no';
    n.width = '300px';
    n.height = '400px';
    var s = doc.getElementById(e.id);
    s.innerHTML = '';
    s.appendChild(n);
  }};
}}(window, document);
"#,
        fallback = js_string(&base.0),
    );
    typed(StatusCode::OK, "application/javascript", body)
}
