//! Building links on both server and browser without pulling a URL crate into the wasm.

/// Percent-encodes `value` for use as a query parameter (keeps `/` readable in paths).
pub fn query_value(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                out.push(byte as char)
            }
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn reserved_and_non_ascii_characters_are_escaped() {
        assert_eq!(
            super::query_value("/account?a=1&b=2"),
            "/account%3Fa%3D1%26b%3D2"
        );
        assert_eq!(super::query_value("/登"), "/%E7%99%BB");
    }
}
