//! The "allow / deny" step every provider shares: consent pages, their form, the
//! control API's auto-approval, and the redirect back to the site.

use axum::extract::{Path, State};
use axum::response::Response;

use crate::core::base::Base;
use crate::core::grants::issue_code;
use crate::core::html::{
    QQ_BLUE, WECHAT_GREEN, WEIBO_RED, layout, phone_layout, provider_error_page,
};
use crate::core::random::{ALNUM, random_string};
use crate::core::records::{App, Consent};
use crate::core::state::{Shared, SimState};
use crate::core::web::{Params, escape_html, found, html, with_query};
use crate::pages::widgets::{new_user_form, user_picker};

/// Issues the code for an approval by `user_id` (None when there is no such user).
pub fn approve_code(state: &SimState, consent: &Consent, user_id: u64) -> Option<String> {
    let user = state.users.get(user_id)?;
    // A snapshot-page user never grants more than the silent scope.
    let scope = if consent.app == App::WechatMp && user.snapshot {
        "snsapi_base"
    } else {
        consent.scope.as_str()
    };
    state.set_phone_user(user.id);
    Some(issue_code(
        state,
        consent.app,
        user.id,
        scope,
        &consent.redirect_uri,
    ))
}

/// Where the browser goes after the person allows: the callback with a fresh code.
pub fn approve_location(state: &SimState, consent: &Consent, user_id: u64) -> Option<String> {
    let code = approve_code(state, consent, user_id)?;
    let mut pairs = vec![("code", code.as_str())];
    push_state(&mut pairs, consent);
    Some(with_query(&consent.redirect_uri, &pairs))
}

/// Where the browser goes after the person refuses, in each provider's words.
pub fn deny_location(consent: &Consent) -> String {
    match consent.app {
        App::WechatOpen | App::WechatMp => {
            let mut pairs = Vec::new();
            push_state(&mut pairs, consent);
            with_query(&consent.redirect_uri, &pairs)
        }
        App::Qq => {
            let mut pairs = vec![("usercancel", "1")];
            push_state(&mut pairs, consent);
            with_query(&consent.redirect_uri, &pairs)
        }
        App::Weibo => {
            // Byte for byte what Weibo sends (note %20, not +).
            let mut query = String::from(
                "error_uri=%2Foauth2%2Fauthorize&error=access_denied&error_description=user%20denied%20your%20request.&error_code=21330",
            );
            if let Some(st) = &consent.state {
                query.push_str("&state=");
                query.extend(url::form_urlencoded::byte_serialize(st.as_bytes()));
            }
            let sep = if consent.redirect_uri.contains('?') {
                '&'
            } else {
                '?'
            };
            format!("{}{sep}{query}", consent.redirect_uri)
        }
    }
}

/// WeChat always sends `state` back (empty when none was given); QQ and Weibo only when given.
fn push_state<'a>(pairs: &mut Vec<(&'a str, &'a str)>, consent: &'a Consent) {
    match (&consent.state, consent.app) {
        (Some(st), _) => pairs.push(("state", st)),
        (None, App::WechatOpen | App::WechatMp) => pairs.push(("state", "")),
        (None, _) => {}
    }
}

/// The control API's pre-set answer for this provider, if any.
pub fn auto_answer(state: &SimState, consent: &Consent) -> Option<Response> {
    let auto = state.auto.take(consent.app)?;
    if auto.deny {
        return Some(found(&deny_location(consent)));
    }
    let location = approve_location(state, consent, auto.user?)?;
    Some(found(&location))
}

/// Shows the consent page for a validated authorize request.
pub fn begin(state: &SimState, base: &Base, consent: Consent) -> Response {
    let ticket = random_string(24, ALNUM);
    let app = consent.app;
    state
        .consents
        .insert(ticket.clone(), consent, state.config.code_lifetime);
    let root = &base.0;
    let users = state.users.all();
    let picker = user_picker(&users, state.phone_user(), root);
    // After creating a user, come back to this consent page (it re-issues the ticket).
    let back = format!("/consent/{ticket}");
    let form = |allow: &str, deny: &str| {
        format!(
            "<form method=\"post\" action=\"{action}\">{picker}\
             <button class=\"btn primary\" name=\"action\" value=\"allow\">{allow}</button>\
             <button class=\"btn plain\" name=\"action\" value=\"deny\">{deny}</button></form>{new_user}",
            action = escape_html(&format!("{root}/consent/{ticket}")),
            new_user = new_user_form(root, &back),
        )
    };
    let page = match app {
        App::WechatMp | App::WechatOpen => phone_layout(
            "微信授权",
            WECHAT_GREEN,
            &format!(
                "<p class=\"center\">此网页申请获得以下权限：<span class=\"en\">The site requests:</span></p>\
                 <p>· 获得你的公开信息（昵称、头像等）<span class=\"en\">Your public profile (nickname, avatar)</span></p>\
                 <h2>选择微信用户<span class=\"en\">Signed-in WeChat user</span></h2>{}",
                form("允许 Allow", "拒绝 Deny")
            ),
        ),
        App::Qq => layout(
            "QQ登录",
            QQ_BLUE,
            &format!(
                "<div class=\"wrap\" style=\"max-width:460px\"><div class=\"card\"><h1>QQ登录<span class=\"en\">Sign in with QQ</span></h1>\
                 <p class=\"muted\">该网站将获得：你的昵称、头像、性别<span class=\"en\">This site will get your nickname, avatar and gender</span></p>\
                 <h2>选择QQ帐号<span class=\"en\">Choose a QQ account</span></h2>{}</div></div>",
                form("授权并登录 Authorize", "取消 Cancel")
            ),
        ),
        App::Weibo => layout(
            "微博 - 应用授权",
            WEIBO_RED,
            &format!(
                "<div class=\"wrap\" style=\"max-width:460px\"><div class=\"card\"><h1>微博帐号登录<span class=\"en\">Sign in with Weibo</span></h1>\
                 <p class=\"muted\">授权后表明你已同意 登录该网站、获得你的个人信息<span class=\"en\">The site will see your public profile</span></p>\
                 <h2>选择微博帐号<span class=\"en\">Choose a Weibo account</span></h2>{}</div></div>",
                form("授权 Authorize", "取消 Cancel")
            ),
        ),
    };
    html(page)
}

/// `GET {root}/consent/{ticket}`: shows the page again (after creating a user).
pub async fn show(State(state): State<Shared>, base: Base, Path(ticket): Path<String>) -> Response {
    match state.consents.take_live(&ticket) {
        Some(consent) => begin(&state, &base, consent),
        None => expired_page(),
    }
}

/// `POST {root}/consent/{ticket}`: the person's answer.
pub async fn submit(
    State(state): State<Shared>,
    Path(ticket): Path<String>,
    params: Params,
) -> Response {
    let Some(consent) = state.consents.take_live(&ticket) else {
        return expired_page();
    };
    if params.get("action") == Some("deny") {
        return found(&deny_location(&consent));
    }
    let user = params.get("user").and_then(|u| u.parse::<u64>().ok());
    match user.and_then(|id| approve_location(&state, &consent, id)) {
        Some(location) => found(&location),
        None => provider_error_page("授权", 400, "请选择一个用户 Please choose a user"),
    }
}

fn expired_page() -> Response {
    provider_error_page(
        "授权",
        408,
        "授权请求已过期，请重新登录 This authorization request expired, start again",
    )
}
