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

/// `text` as a QR code in a PNG `data:` URI: what a phone can save to its photos (an SVG it
/// cannot), for WeChat to scan from the album. Black on white, 8 pixels a module, with the
/// quiet zone scanners need.
pub fn png_data_uri(text: &str) -> Option<String> {
    use base64::Engine;
    const SCALE: usize = 8;
    const QUIET: usize = 4;
    let code = QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M).ok()?;
    let modules = code.width();
    let side = (modules + 2 * QUIET) * SCALE;
    let colors = code.to_colors();
    let mut pixels = vec![255_u8; side * side];
    for y in 0..modules {
        for x in 0..modules {
            if colors[y * modules + x] == qrcode::Color::Dark {
                for dy in 0..SCALE {
                    let row = (y + QUIET) * SCALE + dy;
                    let start = row * side + (x + QUIET) * SCALE;
                    pixels[start..start + SCALE].fill(0);
                }
            }
        }
    }
    let mut bytes = Vec::new();
    {
        let side = u32::try_from(side).ok()?;
        let mut encoder = png::Encoder::new(&mut bytes, side, side);
        encoder.set_color(png::ColorType::Grayscale);
        encoder.set_depth(png::BitDepth::Eight);
        encoder.set_compression(png::Compression::Best);
        let mut writer = encoder.write_header().ok()?;
        writer.write_image_data(&pixels).ok()?;
    }
    Some(format!(
        "data:image/png;base64,{}",
        base64::engine::general_purpose::STANDARD.encode(bytes)
    ))
}

#[cfg(test)]
mod tests {
    #[test]
    fn urls_become_svg_documents() {
        let image = super::svg("http://127.0.0.1:3000/qr/abc").expect("a URL fits in a QR code");
        assert!(image.starts_with("<svg"));
        assert!(image.contains("#111111"));
    }

    #[test]
    fn a_phone_gets_a_png_that_decodes_to_the_same_code() {
        use base64::Engine;
        let url = "https://login.example.com/qr/0123456789abcdef0123456789abcdef";
        let uri = super::png_data_uri(url).expect("a URL fits");
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(
                uri.strip_prefix("data:image/png;base64,")
                    .expect("a PNG data URI"),
            )
            .unwrap();
        let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
        let mut reader = decoder.read_info().unwrap();
        let mut pixels = vec![0; reader.output_buffer_size()];
        let info = reader.next_frame(&mut pixels).unwrap();
        let mut image = rqrr::PreparedImage::prepare_from_greyscale(
            info.width as usize,
            info.height as usize,
            |x, y| pixels[y * info.width as usize + x],
        );
        let grids = image.detect_grids();
        assert_eq!(grids.len(), 1);
        assert_eq!(grids[0].decode().unwrap().1, url);
    }
}
