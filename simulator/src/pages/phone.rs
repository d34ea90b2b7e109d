//! The "phone": who is signed in to WeChat, and creating test users from a form.

use axum::extract::State;
use axum::response::Response;

use crate::core::base::Base;
use crate::core::html::{WECHAT_GREEN, phone_layout, provider_error_page};
use crate::core::state::Shared;
use crate::core::users::{Avatar, NewUser};
use crate::core::web::{Params, escape_html, found, html};
use crate::pages::widgets::{new_user_form, user_picker};

/// `GET {root}/phone`: choose the user silent (snsapi_base) logins use.
pub async fn home(State(state): State<Shared>, base: Base) -> Response {
    let root = &base.0;
    let users = state.users.all();
    let body = format!(
        "<p>谁在使用这部手机？<span class=\"en\">Who is signed in to WeChat on this phone?</span></p>\
         <form method=\"post\" action=\"{action}\">{picker}\
         <button class=\"btn primary\" type=\"submit\">切换 Switch</button></form>{new_user}\
         <p class=\"muted\">扫码时打开的页面也在这里 · Scanning a QR code opens a page in this frame.</p>",
        action = escape_html(&format!("{root}/phone/current")),
        picker = user_picker(&users, state.phone_user(), root),
        new_user = new_user_form(root, "/phone"),
    );
    html(phone_layout("微信", WECHAT_GREEN, &body))
}

/// `POST {root}/phone/current`
pub async fn set_current(State(state): State<Shared>, base: Base, params: Params) -> Response {
    let user = params.get("user").and_then(|u| u.parse::<u64>().ok());
    match user.filter(|id| state.users.get(*id).is_some()) {
        Some(id) => {
            state.set_phone_user(id);
            found(&base.url("/phone"))
        }
        None => provider_error_page("微信", 400, "请选择用户 Choose a user"),
    }
}

/// `POST {root}/phone/users`: creates a user, then goes back to `back` (a path inside the simulator).
pub async fn create_user(State(state): State<Shared>, base: Base, params: Params) -> Response {
    let new = NewUser {
        nickname: params.get("nickname").unwrap_or("").to_owned(),
        avatar: Avatar::Generated,
        snapshot: false,
    };
    let user = match state.users.create(new) {
        Ok(user) => user,
        Err(e) => return provider_error_page("测试用户", 400, &e.to_string()),
    };
    state.set_phone_user(user.id);
    let back = params.get("back").unwrap_or("/phone");
    let safe =
        back.starts_with('/') && !back.starts_with("//") && !back.contains(['\\', '\r', '\n']);
    found(&base.url(if safe { back } else { "/phone" }))
}
