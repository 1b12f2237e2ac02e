//! The TOTP enrollment QR code as a module matrix. The UI draws it as SVG rectangles, so no
//! markup from the hub is ever rendered. The payload holds the secret: the matrix goes to the
//! UI once and is not stored.

use qrcode::{EcLevel, QrCode as Encoder};

use super::view::QrCode;
use crate::ipc::{IpcError, IpcErrorCode};

/// The matrix of `uri`.
pub(super) fn matrix(uri: &str) -> Result<QrCode, IpcError> {
    let code = Encoder::with_error_correction_level(uri.as_bytes(), EcLevel::M)
        .map_err(|_| IpcError::new(IpcErrorCode::HubFailed, "enrollment code too long"))?;
    let size = u32::try_from(code.width())
        .map_err(|_| IpcError::new(IpcErrorCode::HubFailed, "enrollment code too long"))?;
    let dark = code
        .to_colors()
        .into_iter()
        .map(|c| c == qrcode::Color::Dark)
        .collect();
    Ok(QrCode { size, dark })
}

/// The base32 secret of an `otpauth://` URI, for typing it into an app by hand.
pub(super) fn secret_of(uri: &str) -> Option<String> {
    let query = uri.split_once('?')?.1;
    query
        .split('&')
        .find_map(|pair| pair.strip_prefix("secret="))
        .filter(|s| !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric()))
        .map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_matrix_is_square_and_has_dark_modules() {
        let uri = "otpauth://totp/Rampart:ana?secret=JBSWY3DPEHPK3PXP&issuer=Rampart";
        let qr = matrix(uri).unwrap();
        assert_eq!(qr.dark.len(), (qr.size * qr.size) as usize);
        assert!(qr.size >= 21);
        // Finder pattern: the top-left corner module is dark.
        assert!(qr.dark[0]);
        assert_eq!(secret_of(uri).as_deref(), Some("JBSWY3DPEHPK3PXP"));
        assert_eq!(secret_of("otpauth://totp/x?issuer=y"), None);
        assert_eq!(secret_of("otpauth://totp/x?secret=<b>"), None);
    }
}
