//! Pieces of UI shared by several pages. A component never imports a page.

pub mod avatar;
pub mod form;
pub mod href;
pub mod layout;
pub mod provider_button;
pub mod qr_panel;
pub mod site_info;
pub mod user_menu;
pub mod wechat_qr;
