//! The pages' shared look, and the error page a provider shows for a bad authorize
//! request (a wire format of its own: HTML, never a redirect).

use axum::response::Response;

use crate::core::web::{escape_html, html};

const CSS: &str = "\
*{box-sizing:border-box}\
body{margin:0;font:15px/1.5 -apple-system,'PingFang SC','Microsoft YaHei','Noto Sans CJK SC',sans-serif;color:#222;background:#f2f3f5}\
a{color:#576b95}\
.wrap{max-width:880px;margin:32px auto;padding:0 16px}\
.card{background:#fff;border-radius:12px;box-shadow:0 1px 4px rgba(0,0,0,.08);padding:24px 28px;margin-bottom:20px}\
.center{text-align:center}\
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:20px 0 8px}\
.en{display:block;color:#888;font-size:12px;font-weight:normal}\
.muted{color:#888;font-size:13px}\
.err{color:#d93026;font-size:18px}\
table{border-collapse:collapse;width:100%;font-size:13px}\
td,th{text-align:left;padding:6px 8px;border-bottom:1px solid #eee;vertical-align:middle;word-break:break-all}\
code{background:#f5f5f5;padding:1px 4px;border-radius:4px;font-size:12px}\
.btn{display:block;width:100%;border:0;border-radius:8px;padding:11px;font-size:16px;cursor:pointer;margin-top:10px;text-align:center;text-decoration:none}\
.primary{background:var(--brand,#07c160);color:#fff}\
.plain{background:#f2f2f2;color:#222}\
.users{list-style:none;margin:0;padding:0}\
.users li label{display:flex;align-items:center;gap:10px;padding:8px;border-radius:8px;cursor:pointer}\
.users li label:hover{background:#f6f6f6}\
.users input{margin:0}\
.avatar{width:40px;height:40px;border-radius:6px;background:#e5e5e5;flex:none;object-fit:cover}\
.nick{overflow:hidden;text-overflow:ellipsis;white-space:nowrap;max-width:220px}\
.phone{width:375px;max-width:100%;min-height:680px;margin:24px auto;background:#fff;border:10px solid #111;border-radius:36px;overflow:hidden;box-shadow:0 8px 30px rgba(0,0,0,.2)}\
.phone .bar{background:#ededed;padding:14px;text-align:center;font-weight:600;border-bottom:1px solid #ddd}\
.phone .body{padding:20px}\
input[type=text]{width:100%;padding:8px;border:1px solid #ddd;border-radius:6px;font-size:14px}\
details{margin-top:18px}.qr svg{width:220px;height:220px;display:block;margin:12px auto}\
";

/// A finished-looking page. `brand` is the provider's colour.
pub fn layout(title: &str, brand: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
         <title>{title}</title><style>{CSS}:root{{--brand:{brand}}}</style></head>\
         <body>{body}</body></html>",
        title = escape_html(title),
    )
}

/// A page inside a phone-like frame, with a title bar.
pub fn phone_layout(title: &str, brand: &str, body: &str) -> String {
    layout(
        title,
        brand,
        &format!(
            "<div class=\"phone\"><div class=\"bar\">{}</div><div class=\"body\">{body}</div></div>",
            escape_html(title)
        ),
    )
}

pub const WECHAT_GREEN: &str = "#07c160";
pub const QQ_BLUE: &str = "#12b7f5";
pub const WEIBO_RED: &str = "#e6162d";

/// What a provider shows when the authorize request itself is wrong: an error
/// page on the provider's site, never a redirect to the callback.
pub fn provider_error_page(brand_name: &str, code: i64, message: &str) -> Response {
    let body = format!(
        "<div class=\"wrap\"><div class=\"card center\">\
         <h1>{brand}</h1><p class=\"err\">{message}</p>\
         <p class=\"muted\">错误码 Error code: {code}</p>\
         <p class=\"muted\">请联系应用开发者 · Contact the app's developer</p></div></div>",
        brand = escape_html(brand_name),
        message = escape_html(message),
    );
    html(layout(&format!("{brand_name} - 错误"), "#999", &body))
}
