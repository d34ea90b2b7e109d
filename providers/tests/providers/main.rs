//! The provider clients against the simulator (and, for what the simulator
//! cannot produce, a scripted server), over real HTTP on 127.0.0.1.

mod harness;
mod never_panic;
mod qq;
mod scripted;
mod sim_faults;
mod wechat;
mod weibo;
