//! What the site tells the browser to defend and what it refuses from it: the security
//! headers with a per-response CSP nonce, posts from other sites, and plain form posts that
//! would be sent back to another site. Layers only: they know nothing of sign-in.

mod csp;
mod form_return;
mod headers;
mod same_origin;
mod site;

pub use csp::{
    FORM_TARGET, Policies, apply as content_security_policy, is_static_asset, provide_nonce,
};
pub use form_return::stay_on_site;
pub use headers::fixed_headers;
pub use same_origin::refuse_cross_site;
pub use site::Site;
