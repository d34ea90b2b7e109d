//! QR codes as SVG, from the `qrcode` crate.

use qrcode::render::svg;
use qrcode::{EcLevel, QrCode};

/// A standalone SVG document encoding `data`.
pub fn svg_document(data: &str) -> String {
    match QrCode::with_error_correction_level(data.as_bytes(), EcLevel::M) {
        Ok(code) => code
            .render::<svg::Color<'_>>()
            .min_dimensions(200, 200)
            .quiet_zone(true)
            .build(),
        // Only data too long for any QR version fails; URLs here are short.
        Err(_) => String::from(
            r#"<svg xmlns="http://www.w3.org/2000/svg" width="200" height="200"><text x="10" y="100">QR error</text></svg>"#,
        ),
    }
}

/// The same SVG without its XML declaration, to inline in HTML.
pub fn svg(data: &str) -> String {
    let document = svg_document(data);
    match document.find("<svg") {
        Some(at) => document[at..].to_owned(),
        None => document,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inline_svg_has_no_xml_declaration() {
        let inline = svg("http://127.0.0.1:3000/_sim/phone/abc");
        assert!(inline.starts_with("<svg"));
        assert!(inline.contains("<path"));
        assert!(svg_document("x").starts_with("<?xml"));
    }
}
