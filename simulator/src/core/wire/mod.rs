//! How each provider words its errors, byte for byte: shared by the handlers and by
//! fault injection, which must answer as the provider would.

pub mod qq;
pub mod wechat;
pub mod weibo;
