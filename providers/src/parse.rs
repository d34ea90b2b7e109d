//! Reading the providers' bodies by their content, whatever the Content-Type says:
//! JSON objects, JSONP calls (unwrapped, never evaluated) and urlencoded pairs,
//! with numbers that may arrive as strings.

use serde::de::{self, Deserialize, Deserializer};
use serde_json::{Map, Value};

/// A response body as a flat document of fields.
pub type Document = Map<String, Value>;

/// Reads a body in whichever form it came: a JSON object, a JSONP call wrapping
/// one, or `key=value&...` pairs (whose values become JSON strings).
pub fn document(text: &str) -> Option<Document> {
    let text = text.trim();
    if text.starts_with('{') {
        return serde_json::from_str(text).ok();
    }
    if let Some(inner) = unwrap_jsonp(text) {
        return serde_json::from_str(inner).ok();
    }
    urlencoded(text)
}

/// The argument of a JSONP call such as `callback( {...} );`, with any spacing,
/// semicolons and newlines around it. `None` when the text is not one call.
pub fn unwrap_jsonp(text: &str) -> Option<&str> {
    let text = text.trim();
    let open = text.find('(')?;
    let name = text[..open].trim_end();
    let mut chars = name.chars();
    let first = chars.next()?;
    let is_name_char = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '$' || c == '.';
    if first.is_ascii_digit() || !is_name_char(first) || !chars.all(is_name_char) {
        return None;
    }
    let rest = text[open + 1..].trim_end_matches(|c: char| c == ';' || c.is_whitespace());
    let inner = rest.strip_suffix(')')?;
    Some(inner.trim())
}

/// `key=value&...` pairs, percent- and plus-decoded. `None` unless every pair has
/// a plain key, so that HTML pages and JSON are never mistaken for a form.
pub fn urlencoded(text: &str) -> Option<Document> {
    let text = text.trim();
    if text.is_empty() || !text.contains('=') {
        return None;
    }
    let plain_key = |key: &str| {
        !key.is_empty()
            && key
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.')
    };
    let all_plain = text
        .split('&')
        .filter(|pair| !pair.is_empty())
        .all(|pair| pair.split_once('=').is_some_and(|(key, _)| plain_key(key)));
    if !all_plain {
        return None;
    }
    let mut doc = Document::new();
    for (key, value) in url::form_urlencoded::parse(text.as_bytes()) {
        doc.entry(key.into_owned())
            .or_insert_with(|| Value::String(value.into_owned()));
    }
    Some(doc)
}

/// A field as text: strings as they are, numbers in decimal; empty counts as absent.
pub fn text_field(doc: &Document, key: &str) -> Option<String> {
    let text = match doc.get(key)? {
        Value::String(s) => s.trim().to_owned(),
        Value::Number(n) => n.to_string(),
        _ => return None,
    };
    (!text.is_empty()).then_some(text)
}

/// A field as a whole number, from a JSON number or a numeric string.
pub fn int_field(doc: &Document, key: &str) -> Option<i64> {
    value_to_i64(doc.get(key)?)
}

fn value_to_i64(value: &Value) -> Option<i64> {
    match value {
        Value::Number(n) => n.as_i64().or_else(|| {
            n.as_f64()
                .filter(|f| f.fract() == 0.0 && f.abs() < 9.0e15)
                .map(|f| f as i64)
        }),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// Deserializes a typed view of a document; errors name no values, only the problem.
pub fn typed<T: de::DeserializeOwned>(doc: &Document) -> Result<T, String> {
    T::deserialize(Value::Object(doc.clone())).map_err(|e| e.to_string())
}

/// `Option<u64>` from a number, a numeric string, an empty string or null.
pub fn lenient_u64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    match Option::<Value>::deserialize(d)? {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
        Some(v) => match value_to_i64(&v) {
            Some(n) => u64::try_from(n)
                .map(Some)
                .map_err(|_| de::Error::custom("expected a non-negative number")),
            None => Err(de::Error::custom("expected a number")),
        },
    }
}

/// `Option<i64>` from a number, a numeric string, an empty string or null.
pub fn lenient_i64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    match Option::<Value>::deserialize(d)? {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
        Some(v) => value_to_i64(&v)
            .map(Some)
            .ok_or_else(|| de::Error::custom("expected a number")),
    }
}

/// `Option<String>` from a string or a number (ids such as Weibo's uid come as
/// either); empty strings and null are absent.
pub fn lenient_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    match Option::<Value>::deserialize(d)? {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok((!s.is_empty()).then_some(s)),
        Some(Value::Number(n)) => Ok(Some(n.to_string())),
        Some(_) => Err(de::Error::custom("expected a string")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Deserialize, Debug, PartialEq)]
    struct Sample {
        #[serde(default, deserialize_with = "lenient_u64")]
        expires_in: Option<u64>,
        #[serde(default, deserialize_with = "lenient_string")]
        uid: Option<String>,
        #[serde(default, deserialize_with = "lenient_i64")]
        errcode: Option<i64>,
    }

    fn sample(text: &str) -> Sample {
        let doc = document(text).expect("a document");
        typed(&doc).expect("typed")
    }

    #[test]
    fn numbers_may_be_strings() {
        let a = sample(r#"{"expires_in":"7200","uid":1567896867,"errcode":"-1"}"#);
        let b = sample(r#"{"expires_in":7200,"uid":"1567896867","errcode":-1}"#);
        assert_eq!(a, b);
        assert_eq!(a.expires_in, Some(7200));
        assert_eq!(a.uid.as_deref(), Some("1567896867"));
        assert_eq!(a.errcode, Some(-1));
    }

    #[test]
    fn empty_and_null_numbers_are_absent() {
        let s = sample(r#"{"expires_in":"","uid":null}"#);
        assert_eq!(s.expires_in, None);
        assert_eq!(s.uid, None);
    }

    #[test]
    fn type_errors_name_no_values() {
        let doc = document(r#"{"expires_in":"secret-token-value"}"#).expect("json");
        let err = typed::<Sample>(&doc).expect_err("not a number");
        assert!(!err.contains("secret-token-value"), "{err}");
        let doc = document(r#"{"uid":{"nested":"secret-token-value"}}"#).expect("json");
        let err = typed::<Sample>(&doc).expect_err("not a string");
        assert!(!err.contains("secret-token-value"), "{err}");
        let doc = document(r#"{"expires_in":-5}"#).expect("json");
        assert!(typed::<Sample>(&doc).is_err());
    }

    #[test]
    fn jsonp_with_any_spacing_is_unwrapped() {
        let inner = r#"{"client_id":"101000001","openid":"ABC"}"#;
        for body in [
            format!("callback( {inner} );"),
            format!("callback( {inner} );\n"),
            format!("callback({inner})"),
            format!("callback ({inner});;"),
            format!("  callback(\n{inner}\n)\r\n"),
            format!("callback( {inner} )\n;"),
        ] {
            assert_eq!(unwrap_jsonp(&body), Some(inner), "{body:?}");
            let doc = document(&body).expect("a document");
            assert_eq!(text_field(&doc, "openid").as_deref(), Some("ABC"));
        }
    }

    #[test]
    fn things_that_are_not_jsonp_are_not_unwrapped() {
        assert_eq!(unwrap_jsonp("{\"a\":1}"), None);
        assert_eq!(unwrap_jsonp("alert(1); evil("), None);
        assert_eq!(unwrap_jsonp("<html>(x)</html>"), None);
        assert_eq!(unwrap_jsonp("1abc({})"), None);
        assert_eq!(unwrap_jsonp("(  {} )"), None);
        // A call with code after it is not a single JSONP call: its argument is not JSON.
        assert!(document("callback({\"a\":1}); alert(2)").is_none());
    }

    #[test]
    fn urlencoded_bodies_are_read() {
        let doc = document("access_token=FE04************CCE2&expires_in=7776000&refresh_token=88E4************BE14\n")
            .expect("a form");
        assert_eq!(
            text_field(&doc, "access_token").as_deref(),
            Some("FE04************CCE2")
        );
        assert_eq!(int_field(&doc, "expires_in"), Some(7_776_000));
        let old = document("code=100019&msg=code%20to%20access%20token%20error").expect("a form");
        assert_eq!(int_field(&old, "code"), Some(100_019));
        assert_eq!(
            text_field(&old, "msg").as_deref(),
            Some("code to access token error")
        );
        let chinese =
            document("code=100010&msg=%E5%9B%9E%E8%B0%83%E5%9C%B0%E5%9D%80").expect("a form");
        assert_eq!(text_field(&chinese, "msg").as_deref(), Some("回调地址"));
    }

    #[test]
    fn html_and_prose_are_not_forms() {
        assert!(document("<html><body>a=b</body></html>").is_none());
        assert!(document("Service Unavailable").is_none());
        assert!(document("").is_none());
        assert!(
            document("{\"access_token\":\"abc\"").is_none(),
            "truncated JSON"
        );
        assert!(document("[1,2,3]").is_none());
        assert!(document("error: key=value").is_none());
    }

    #[test]
    fn fields_read_numbers_and_strings() {
        let doc =
            document(r#"{"a":"  x ","b":12,"c":"","d":true,"e":"12","f":12.0}"#).expect("json");
        assert_eq!(text_field(&doc, "a").as_deref(), Some("x"));
        assert_eq!(text_field(&doc, "b").as_deref(), Some("12"));
        assert_eq!(text_field(&doc, "c"), None);
        assert_eq!(text_field(&doc, "d"), None);
        assert_eq!(int_field(&doc, "e"), Some(12));
        assert_eq!(int_field(&doc, "f"), Some(12));
        assert_eq!(int_field(&doc, "a"), None);
    }
}
