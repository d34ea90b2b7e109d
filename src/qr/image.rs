//! QR codes as SVG, drawn on the server with the `qrcode` crate.

use qrcode::render::svg;
use qrcode::{EcLevel, QrCode};

/// An SVG document showing `text` as a QR code, sized to scan comfortably from a screen.
/// Medium error correction keeps the code small for URLs of our length.
pub fn svg(text: &str) -> Option<String> {
    let code = QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M).ok()?;
    let document = code
        .render::<svg::Color<'_>>()
        .min_dimensions(220, 220)
        .quiet_zone(true)
        .dark_color(svg::Color("#111111"))
        .light_color(svg::Color("#ffffff"))
        .build();
    // Inlined into HTML, where an XML declaration is noise.
    let start = document.find("<svg").unwrap_or(0);
    Some(document[start..].to_string())
}

#[cfg(test)]
mod tests {
    #[test]
    fn urls_become_svg_documents() {
        let image = super::svg("http://127.0.0.1:3000/qr/abc").expect("a URL fits in a QR code");
        assert!(image.starts_with("<svg"));
        assert!(image.contains("#111111"));
    }
}
