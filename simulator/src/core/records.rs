//! What the simulator keeps about an authorization: which app it is for, the pending
//! consent, and the codes and tokens it turns into. Plain data; `grants` has the rules.

use serde::Deserialize;

/// A registered app: which provider (and which WeChat app) a grant belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Deserialize)]
pub enum App {
    #[serde(rename = "wechat")]
    WechatOpen,
    #[serde(rename = "wechat_mp")]
    WechatMp,
    #[serde(rename = "qq")]
    Qq,
    #[serde(rename = "weibo")]
    Weibo,
}

/// An authorization waiting for the person's answer.
#[derive(Clone, Debug)]
pub struct Consent {
    pub app: App,
    pub redirect_uri: String,
    pub state: Option<String>,
    pub scope: String,
}

#[derive(Clone, Debug)]
pub struct Code {
    pub app: App,
    pub user_id: u64,
    pub scope: String,
    pub redirect_uri: String,
    pub used: bool,
}

#[derive(Clone, Debug)]
pub struct AccessToken {
    pub app: App,
    pub user_id: u64,
    pub scope: String,
    pub created_at: u64,
}

#[derive(Clone, Debug)]
pub struct RefreshToken {
    pub app: App,
    pub user_id: u64,
    pub scope: String,
    pub used: bool,
}
