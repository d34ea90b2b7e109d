//! Pieces of the people-facing pages: choosing a test user, making a new one.

use crate::core::users::User;
use crate::core::web::escape_html;

/// Radio buttons for the test users, with `selected` checked.
pub fn user_picker(users: &[User], selected: u64, root: &str) -> String {
    let mut out = String::from("<ul class=\"users\">");
    for user in users {
        let avatar = user.avatar_url(root);
        let img = if avatar.is_empty() {
            "<span class=\"avatar\"></span>".to_owned()
        } else {
            format!(
                "<img class=\"avatar\" src=\"{}\" alt=\"\">",
                escape_html(&avatar)
            )
        };
        let snapshot = if user.snapshot {
            " <span class=\"muted\">(快照 snapshot)</span>"
        } else {
            ""
        };
        out.push_str(&format!(
            "<li><label><input type=\"radio\" name=\"user\" value=\"{id}\"{checked}>{img}\
             <span class=\"nick\">{nick}{snapshot}</span></label></li>",
            id = user.id,
            checked = if user.id == selected { " checked" } else { "" },
            nick = escape_html(&user.nickname),
        ));
    }
    out.push_str("</ul>");
    out
}

/// A small form that creates a test user and comes back to `back`.
pub fn new_user_form(root: &str, back: &str) -> String {
    format!(
        "<details><summary class=\"muted\">新建测试用户 · New test user</summary>\
         <form method=\"post\" action=\"{root}/phone/users\">\
         <input type=\"hidden\" name=\"back\" value=\"{back}\">\
         <p><input type=\"text\" name=\"nickname\" maxlength=\"200\" placeholder=\"昵称 Nickname\" required></p>\
         <button class=\"btn plain\" type=\"submit\">创建 Create</button></form></details>",
        root = escape_html(root),
        back = escape_html(back),
    )
}
