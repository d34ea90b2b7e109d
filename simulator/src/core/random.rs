//! Random strings for codes, tokens, tickets and ids, in the alphabets providers use.

use rand::Rng;

pub const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
pub const HEX_UPPER: &[u8] = b"0123456789ABCDEF";
pub const HEX_LOWER: &[u8] = b"0123456789abcdef";
pub const URLSAFE: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// A random string from `alphabet` (the thread-local CSPRNG).
pub fn random_string(len: usize, alphabet: &[u8]) -> String {
    let mut rng = rand::rng();
    (0..len)
        .map(|_| char::from(alphabet[rng.random_range(0..alphabet.len())]))
        .collect()
}
