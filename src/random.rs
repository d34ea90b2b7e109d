//! Random identifiers that must not be guessed: sign-in states and login tickets.

use rand::Rng;
use rand::distr::Alphanumeric;

/// 32 characters of [A-Za-z0-9]: 190 bits from the CSPRNG, well over the 128 the rules ask
/// for, URL-safe, and well under the 128 bytes WeChat accepts as a state.
pub const TOKEN_LEN: usize = 32;

/// A fresh random token from the thread-local CSPRNG.
pub fn token() -> String {
    rand::rng()
        .sample_iter(Alphanumeric)
        .take(TOKEN_LEN)
        .map(char::from)
        .collect()
}

/// Whether `raw` has the shape of a [`token`], so only well-formed ids reach the database.
pub fn is_token(raw: &str) -> bool {
    raw.len() == TOKEN_LEN && raw.bytes().all(|b| b.is_ascii_alphanumeric())
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn values_are_long_url_safe_and_distinct() {
        let values: HashSet<String> = (0..1000).map(|_| token()).collect();
        assert_eq!(values.len(), 1000);
        for v in &values {
            assert_eq!(v.len(), TOKEN_LEN);
            assert!(v.bytes().all(|b| b.is_ascii_alphanumeric()));
        }
        // log2(62) * 32 > 128 bits.
        assert!((TOKEN_LEN as f64) * 62f64.log2() >= 128.0);
    }
}
