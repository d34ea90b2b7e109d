//! What a code or a token grants, stored beside it as JSON.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Grant {
    pub scope: BTreeSet<String>,
    pub redirect_uri: String,
    pub code_challenge: Option<String>,
    pub nonce: Option<String>,
    /// When the person signed in (seconds since the epoch).
    pub auth_time: i64,
    /// How: `wechat_qr`, `wechat_oa`, `qq`, `weibo`.
    pub amr: Vec<String>,
    /// The Denglu session it was made in, for back-channel logout.
    pub sid: Option<String>,
    /// That session's key in the session store: the tokens live only as long as it does.
    #[serde(default)]
    pub session_key: Option<String>,
}

impl Grant {
    pub fn scope_text(&self) -> String {
        self.scope.iter().cloned().collect::<Vec<_>>().join(" ")
    }
}

/// The `amr` value of a sign-in method (a provider id).
pub fn amr_of(method: &str) -> &'static str {
    match method {
        "wechat" => "wechat_qr",
        "wechat_mp" => "wechat_oa",
        "qq" => "qq",
        "weibo" => "weibo",
        _ => "other",
    }
}
