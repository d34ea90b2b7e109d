//! WeChat's own QR code (the Open Platform website app), embedded in our login page.
//!
//! `wxLogin.js` (WeChat's, or the simulator's copy) draws a 300x400 iframe of WeChat's QR
//! page; after the phone confirms, WeChat sends the whole window (`self_redirect: false`) to
//! our callback with the state made here. The iframe needs only WeChat's script, not our
//! wasm, so the code shows as soon as the page does.

use leptos::nonce::use_nonce;
use leptos::prelude::*;

use crate::components::href::query_value;
use crate::i18n::use_locale;
use crate::model::{ServerError, WechatEmbed};

/// A fresh state for the embedded QR, kept in this session like any sign-in's.
#[server(endpoint = "wechat/embed")]
pub async fn new_wechat_embed(next: Option<String>) -> Result<WechatEmbed, ServerError> {
    use crate::server_fn::{app_state, fail};

    let app = app_state()?;
    let start = app.auth.start_embedded(next.as_deref()).map_err(|error| {
        tracing::warn!(kind = error.as_str(), "cannot start the embedded WeChat QR");
        fail(ServerError::Unavailable)
    })?;
    // The browser keeps the started sign-in, as `/auth/{provider}/start` gives it: showing the
    // login page writes nothing on the server.
    if let (Some(cookie), Some(response)) = (
        crate::session::state_cookie(&start.cookie.name, &start.cookie.value, &app.settings),
        use_context::<leptos_axum::ResponseOptions>(),
    ) {
        response.append_header(http::header::SET_COOKIE, cookie);
    }
    Ok(WechatEmbed {
        script_url: app.wechat_login_script().to_string(),
        app_id: start.app_id,
        redirect_uri: start.redirect_uri.to_string(),
        state: start.state,
    })
}

const CONTAINER: &str = "wechat-embedded-qr";

/// The inline script: waits for `wxLogin.js`, then builds the iframe and gives it `title` (a
/// screen reader names a frame by it). Values are JSON, with `<` escaped so nothing can close
/// the script element.
fn constructor(embed: &WechatEmbed, title: &str) -> String {
    let json = |value: &str| {
        serde_json::to_string(value)
            .unwrap_or_default()
            .replace('<', "\\u003c")
    };
    format!(
        "(function draw(){{if(!window.WxLogin){{return setTimeout(draw,50);}}\
         var c=document.getElementById({id});if(!c||c.dataset.drawn){{return;}}c.dataset.drawn=1;\
         new WxLogin({{self_redirect:false,id:{id},appid:{appid},scope:\"snsapi_login\",\
         redirect_uri:encodeURIComponent({redirect}),state:{state},style:\"black\",href:\"\"}});\
         var f=c.querySelector(\"iframe\");if(f){{f.title={title};}}}})();",
        title = json(title),
        id = json(CONTAINER),
        appid = json(&embed.app_id),
        redirect = json(&embed.redirect_uri),
        state = json(&embed.state),
    )
}

#[component]
pub fn EmbeddedWechatQr(next: Option<String>) -> impl IntoView {
    let locale = use_locale();
    let fallback = match &next {
        Some(next) => format!("/auth/wechat/start?next={}", query_value(next)),
        None => "/auth/wechat/start".to_string(),
    };
    // Blocking: the state goes into the session, which is saved when the response starts.
    let embed = Resource::new_blocking(move || next.clone(), new_wechat_embed);
    view! {
        <div class="wechat-embed">
            <Suspense fallback=|| view! { <div class="qr-box loading" aria-busy="true"></div> }>
                {move || Suspend::new(async move {
                    embed
                        .await
                        .ok()
                        .map(|embed| {
                            let title = locale.t("wechat-qr-frame-title");
                            // The inline script (with the CSP nonce) draws the QR: every page is
                            // the server's, and this part is no island.
                            let inline = constructor(&embed, &title);
                            view! {
                                <div id=CONTAINER class="wechat-embed-frame" data-state=embed.state.clone()></div>
                                // The page's CSP nonce: the policy allows no other inline script.
                                <script src=embed.script_url.clone() nonce=use_nonce()></script>
                                <script nonce=use_nonce() inner_html=inline></script>
                            }
                        })
                })}
            </Suspense>
            <a class="wechat-fallback" href=fallback rel="external">{locale.t("wechat-open-full-page")}</a>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_constructor_cannot_break_out_of_its_script() {
        let embed = WechatEmbed {
            script_url: "/x.js".into(),
            app_id: "wx1</script><script>alert(1)".into(),
            redirect_uri: "http://127.0.0.1/auth/wechat/callback".into(),
            state: "abc".into(),
        };
        let script = constructor(&embed, "QR</script>");
        assert!(!script.contains("</script>"));
        assert!(script.contains(r#"f.title="QR\u003c/script>""#), "{script}");
        assert!(script.contains("self_redirect:false"));
        assert!(script.contains(r#"scope:"snsapi_login""#));
    }
}
