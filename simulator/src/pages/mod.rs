//! Pages for people, shared by the providers: the index, the consent step, the
//! "phone" and avatars. Built on `core`; the provider handlers build on these.

pub mod avatar;
pub mod consent;
pub mod index;
pub mod phone;
pub mod widgets;
