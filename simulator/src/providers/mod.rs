//! One module per provider host: the endpoints each real server has. They build on
//! `core` and the shared pages, never on one another.

pub mod qq;
pub mod wechat_api;
pub mod wechat_mp;
pub mod wechat_open;
pub mod weibo;
