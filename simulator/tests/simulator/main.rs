//! The simulator over real HTTP: wire shapes, single use and expiry, faults, flows.

mod common;
mod control;
mod faults;
mod load;
mod qq;
mod wechat;
mod wechat_mp;
mod weibo;
