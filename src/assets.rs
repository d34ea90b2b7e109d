//! The names the pages load the bundles and the stylesheet under. `make site` copies each under
//! a name carrying a hash of its content (`tools/assets`) and lists them in
//! `pkg/assets.json`; the server reads that once, the shell links those names, and `/pkg/` serves
//! them precompressed with a year of `immutable` caching, since a new build means new names.
//!
//! There are two bundles: the sign-in pages' (their islands only) and the full one. A page
//! loads the first, lightest, bundle that has every island on it.

use serde::{Deserialize, Serialize};

/// File names inside the site's pkg directory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssetNames {
    pub css: String,
    /// Lightest first; the last has every island.
    pub bundles: Vec<Bundle>,
}

/// One wasm build: its JavaScript glue, its wasm, and the islands it can hydrate (by the
/// name in their `data-component`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bundle {
    pub js: String,
    pub wasm: String,
    #[serde(default)]
    pub islands: Vec<String>,
}

impl Default for AssetNames {
    /// What wasm-bindgen and the Makefile write before fingerprinting (a development build
    /// without `make site`'s last step): the full bundle alone.
    fn default() -> Self {
        Self {
            css: "denglu.css".into(),
            bundles: vec![Bundle {
                js: "denglu.js".into(),
                wasm: "denglu_bg.wasm".into(),
                islands: Vec::new(),
            }],
        }
    }
}

#[cfg(feature = "ssr")]
pub use server::{cache_for_assets, load};

#[cfg(feature = "ssr")]
mod server {
    use std::path::Path;

    use axum::extract::Request;
    use axum::middleware::Next;
    use axum::response::Response;
    use http::HeaderValue;
    use http::header::{CACHE_CONTROL, VARY};

    use super::AssetNames;

    /// The names in `{pkg}/assets.json`, or the plain ones (with a warning) when the site was
    /// built without fingerprints.
    pub fn load(pkg: &Path) -> AssetNames {
        let manifest = pkg.join("assets.json");
        match std::fs::read(&manifest)
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        {
            Some(names) => names,
            None => {
                tracing::warn!(
                    path = %manifest.display(),
                    "no asset manifest: serving the bundle under its plain names, without long caching"
                );
                AssetNames::default()
            }
        }
    }

    /// A fingerprinted name (`denglu-0123456789abcdef.js`) never changes content: a year,
    /// `immutable`. Anything else under `/pkg/` is checked again on every use.
    pub async fn cache_for_assets(request: Request, next: Next) -> Response {
        let immutable = is_fingerprinted(request.uri().path());
        let mut response = next.run(request).await;
        if response.status().is_success() {
            let headers = response.headers_mut();
            headers.insert(
                CACHE_CONTROL,
                HeaderValue::from_static(if immutable {
                    "public, max-age=31536000, immutable"
                } else {
                    "no-cache"
                }),
            );
            // The same URL answers brotli, gzip or plain: caches must keep them apart.
            headers.insert(VARY, HeaderValue::from_static("accept-encoding"));
        }
        response
    }

    /// `…-{16 hex digits}.{extension}`, as `tools/assets` names its copies.
    fn is_fingerprinted(path: &str) -> bool {
        let file = path.rsplit('/').next().unwrap_or_default();
        let Some((stem, _extension)) = file.split_once('.') else {
            return false;
        };
        stem.rsplit_once('-').is_some_and(|(_, hash)| {
            hash.len() == 16 && hash.bytes().all(|b| b.is_ascii_hexdigit())
        })
    }

    #[cfg(test)]
    mod tests {
        #[test]
        fn only_fingerprinted_names_are_immutable() {
            use super::is_fingerprinted;
            assert!(is_fingerprinted("/pkg/denglu-0123456789abcdef.js"));
            assert!(is_fingerprinted("/pkg/denglu_bg-0123456789abcdef.wasm"));
            assert!(!is_fingerprinted("/pkg/denglu.js"));
            assert!(!is_fingerprinted("/pkg/denglu-notahash.css"));
            assert!(!is_fingerprinted("/pkg/denglu-0123456789abcdeg.css"));
        }
    }
}
