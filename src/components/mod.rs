//! Pieces of UI shared by several pages.

pub mod form;
pub mod href;
pub mod layout;
pub mod provider_button;
pub mod user_menu;
pub mod wechat_qr;
