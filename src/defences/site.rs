//! This site's origin, from the public URL: the one `Origin` our own pages send.

use std::sync::Arc;

use url::Url;

use crate::config::Settings;

#[derive(Clone)]
pub struct Site {
    pub(super) origin: Arc<str>,
}

impl Site {
    pub fn new(settings: &Settings) -> Self {
        Self {
            origin: origin_of(&settings.public_base()).into(),
        }
    }
}

/// `scheme://host[:port]` of a URL, as browsers write it in `Origin`.
pub(super) fn origin_of(url: &Url) -> String {
    url.origin().ascii_serialization()
}
