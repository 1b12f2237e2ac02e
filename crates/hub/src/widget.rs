//! The visitor chat page (`/chat`) and its script and style, embedded in the binary and served
//! with a strict Content-Security-Policy: only the hub's own script, style and connections; no
//! inline code, no frames, no forms posting elsewhere. The script renders message text with
//! `textContent` only, and sends secure-form values over the visitor's socket only (never into
//! the transcript or the console).

use axum::Router;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;

/// CSP for everything under `/chat`.
pub const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
    connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; \
    frame-ancestors 'none'";

const PAGE: &str = include_str!("../assets/chat.html");
const SCRIPT: &str = include_str!("../assets/widget.js");
const STYLE: &str = include_str!("../assets/widget.css");

fn asset(content_type: &'static str, body: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CONTENT_SECURITY_POLICY, CSP),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            (header::REFERRER_POLICY, "no-referrer"),
            (header::X_FRAME_OPTIONS, "DENY"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        body,
    )
        .into_response()
}

/// The routes of the visitor chat.
pub fn routes<S: Clone + Send + Sync + 'static>() -> Router<S> {
    Router::new()
        .route(
            "/chat",
            get(|| async { asset("text/html; charset=utf-8", PAGE) }),
        )
        .route(
            "/chat/widget.js",
            get(|| async { asset("text/javascript; charset=utf-8", SCRIPT) }),
        )
        .route(
            "/chat/widget.css",
            get(|| async { asset("text/css; charset=utf-8", STYLE) }),
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_script_never_writes_html() {
        for banned in [
            "innerHTML",
            "outerHTML",
            "insertAdjacentHTML",
            "document.write",
            "eval(",
        ] {
            assert!(!SCRIPT.contains(banned), "widget.js uses {banned}");
        }
        // Secure-form values pass through the script: it must not log anything.
        assert!(
            !SCRIPT.contains("console."),
            "widget.js logs to the console"
        );
        assert!(!PAGE.contains("<script>"), "no inline script in the page");
        assert!(!PAGE.contains("style="), "no inline style in the page");
    }
}
