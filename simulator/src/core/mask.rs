//! Masking secrets, shared by the request log and the configuration's `Debug`.

/// `simopensecret` -> `sim***et`: enough to recognise, not enough to use.
pub fn mask(value: &str) -> String {
    let chars: Vec<char> = value.chars().collect();
    if chars.len() <= 6 {
        return "***".to_owned();
    }
    let head: String = chars[..3].iter().collect();
    let tail: String = chars[chars.len() - 2..].iter().collect();
    format!("{head}***{tail}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_like_the_docs_say() {
        assert_eq!(mask("simopensecret"), "sim***et");
        assert_eq!(mask("short"), "***");
    }
}
