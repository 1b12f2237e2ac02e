//! QR codes for TOTP enrollment, in PNG and SVG.
//!
//! `qrcode` (with only its SVG renderer) builds the module matrix and the SVG; PNG pixels
//! are drawn here and encoded with `png`. totp-rs's own `qr` feature would pull the whole
//! `image` crate for the same result. The payload is the otpauth URI, which contains the
//! secret: callers keep the output in a `Secret` and show it once.

use qrcode::{EcLevel, QrCode};

use crate::Error;

/// Pixels per QR module in the PNG.
const PNG_SCALE: usize = 8;
/// Quiet zone around the symbol, in modules (ISO/IEC 18004 asks for 4).
const QUIET_MODULES: usize = 4;

fn encode(data: &[u8]) -> Result<QrCode, Error> {
    QrCode::with_error_correction_level(data, EcLevel::M).map_err(|_| Error::QrCode)
}

/// An 8-bit greyscale PNG of `data`, black on white, with a quiet zone.
pub(crate) fn png(data: &[u8]) -> Result<Vec<u8>, Error> {
    let code = encode(data)?;
    let modules = code.width();
    let colors = code.to_colors();
    let side = (modules + 2 * QUIET_MODULES) * PNG_SCALE;
    let mut pixels = vec![0xFFu8; side * side];
    for (i, color) in colors.iter().enumerate() {
        if *color != qrcode::Color::Dark {
            continue;
        }
        let (mx, my) = (i % modules + QUIET_MODULES, i / modules + QUIET_MODULES);
        for y in my * PNG_SCALE..(my + 1) * PNG_SCALE {
            let row = y * side;
            pixels[row + mx * PNG_SCALE..row + (mx + 1) * PNG_SCALE].fill(0);
        }
    }
    let side = u32::try_from(side).map_err(|_| Error::QrCode)?;
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, side, side);
    encoder.set_color(png::ColorType::Grayscale);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header().map_err(|_| Error::QrCode)?;
    writer
        .write_image_data(&pixels)
        .map_err(|_| Error::QrCode)?;
    writer.finish().map_err(|_| Error::QrCode)?;
    Ok(out)
}

/// A standalone SVG document of `data`, with a quiet zone.
pub(crate) fn svg(data: &[u8]) -> Result<String, Error> {
    let code = encode(data)?;
    Ok(code
        .render::<qrcode::render::svg::Color<'_>>()
        .min_dimensions(256, 256)
        .quiet_zone(true)
        .build())
}

#[cfg(test)]
mod tests {
    use super::*;

    const URI: &[u8] = b"otpauth://totp/Rampart:agent%40example.com?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Rampart";

    #[test]
    fn png_has_signature_and_square_dimensions() {
        let bytes = png(URI).expect("png");
        assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
        let decoder = ::png::Decoder::new(std::io::Cursor::new(bytes));
        let reader = decoder.read_info().expect("valid png");
        let info = reader.info();
        assert_eq!(info.width, info.height);
        assert_eq!(info.width as usize % PNG_SCALE, 0);
    }

    #[test]
    fn png_pixels_match_the_qr_modules_with_a_white_quiet_zone() {
        let code = encode(URI).expect("encode");
        let (modules, colors) = (code.width(), code.to_colors());
        let decoder = ::png::Decoder::new(std::io::Cursor::new(png(URI).expect("png")));
        let mut reader = decoder.read_info().expect("valid png");
        let mut buf = vec![0; reader.output_buffer_size().expect("size")];
        let info = reader.next_frame(&mut buf).expect("frame");
        let side = info.width as usize;
        assert_eq!(side, (modules + 2 * QUIET_MODULES) * PNG_SCALE);
        let pixel = |mx: usize, my: usize| buf[(my * PNG_SCALE + 4) * side + mx * PNG_SCALE + 4];
        for my in 0..modules + 2 * QUIET_MODULES {
            for mx in 0..modules + 2 * QUIET_MODULES {
                let inside = (QUIET_MODULES..QUIET_MODULES + modules).contains(&mx)
                    && (QUIET_MODULES..QUIET_MODULES + modules).contains(&my);
                let dark = inside
                    && colors[(my - QUIET_MODULES) * modules + (mx - QUIET_MODULES)]
                        == qrcode::Color::Dark;
                assert_eq!(
                    pixel(mx, my),
                    if dark { 0 } else { 0xFF },
                    "module ({mx}, {my})"
                );
            }
        }
    }

    #[test]
    fn svg_is_an_svg_document() {
        let s = svg(URI).expect("svg");
        assert!(s.contains("<svg") && s.contains("</svg>"));
    }

    #[test]
    fn oversized_payload_is_an_error_not_a_panic() {
        let huge = vec![b'a'; 10_000];
        assert!(matches!(png(&huge), Err(Error::QrCode)));
        assert!(matches!(svg(&huge), Err(Error::QrCode)));
    }
}
