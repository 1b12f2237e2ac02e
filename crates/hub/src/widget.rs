//! The visitor chat: the page (`/chat`), its script and style, and the one-tag loader
//! (`/embed.js`) that puts the chat on a customer's website. All of it is embedded in the binary
//! and served with a strict Content-Security-Policy: only the hub's own script, style and
//! connections; no inline code, no forms posting elsewhere. The chat script renders message text
//! with `textContent` only, and sends secure-form values over the visitor's socket only (never
//! into the transcript or the console).
//!
//! Framing is refused (`frame-ancestors 'none'`, `X-Frame-Options: DENY`) except for one case:
//! `/chat?embed=1` when `[widget] embed_origins` lists origins; then the page may be framed by
//! exactly those origins. The loader is served only then. The page in its frame accepts no
//! messages from the framing page and sends it one, content-free: "close the panel".

use std::fmt;
use std::net::Ipv4Addr;

use axum::Router;
use axum::extract::RawQuery;
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Deserialize;

/// CSP of the chat page and its assets, without `frame-ancestors`.
const CSP_BASE: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
    connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'";

/// CSP for everything the hub serves under `/chat` unless it is embedded by a listed origin.
pub const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
    connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; \
    frame-ancestors 'none'";

/// CSP of the loader response itself (a script runs under its host page's policy, not this one;
/// this only stops the file being framed or rendered as a document that loads anything).
const LOADER_CSP: &str = "default-src 'none'; base-uri 'none'; frame-ancestors 'none'";

const PAGE: &str = include_str!("../assets/chat.html");
const SCRIPT: &str = include_str!("../assets/widget.js");
const STYLE: &str = include_str!("../assets/widget.css");
const LOADER: &str = include_str!("../assets/embed.js");

/// Why a configured embedding origin was refused. Each message names the entry.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EmbedOriginError {
    /// Not `https://` (or `http://` to loopback), e.g. `shop.example` or `'self'`.
    #[error("embed origin \"{0}\": must start with https:// (http:// only for loopback)")]
    Scheme(String),
    /// `http://` to a host that is not loopback: the chat's token would cross the network in
    /// clear text inside the customer's page.
    #[error(
        "embed origin \"{0}\": http:// is allowed for loopback only (localhost, 127.0.0.0/8, [::1]); use https://"
    )]
    InsecureHttp(String),
    /// A `*` anywhere: every origin must be listed on its own.
    #[error("embed origin \"{0}\": wildcards are not allowed; list each origin")]
    Wildcard(String),
    /// Something after the host and port: a path, query or fragment (even a lone `/`).
    #[error(
        "embed origin \"{0}\": an origin has no path, query or fragment (scheme://host[:port] only)"
    )]
    Path(String),
    /// `user@` before the host.
    #[error("embed origin \"{0}\": credentials are not allowed in an origin")]
    Credentials(String),
    /// The host is empty or not an ASCII host name or IP address (IDNs: use the `xn--` form).
    #[error("embed origin \"{0}\": the host is not a valid ASCII host name or address")]
    Host(String),
    /// The port is not a number from 1 to 65535.
    #[error("embed origin \"{0}\": the port must be a number from 1 to 65535")]
    Port(String),
}

/// A website origin allowed to frame the chat (`[widget] embed_origins`): `https://host[:port]`,
/// or `http://` to a loopback host. Lower-cased; nothing but characters a CSP source expression
/// allows, so it can go into a header as it is.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub struct EmbedOrigin(String);

impl EmbedOrigin {
    /// Checks one configured origin.
    pub fn parse(text: &str) -> Result<Self, EmbedOriginError> {
        let entry = || text.to_owned();
        if text.contains('*') {
            return Err(EmbedOriginError::Wildcard(entry()));
        }
        let lower = text.to_ascii_lowercase();
        let (secure, rest) = if let Some(rest) = lower.strip_prefix("https://") {
            (true, rest)
        } else if let Some(rest) = lower.strip_prefix("http://") {
            (false, rest)
        } else {
            return Err(EmbedOriginError::Scheme(entry()));
        };
        if rest.contains(['/', '?', '#']) {
            return Err(EmbedOriginError::Path(entry()));
        }
        if rest.contains('@') {
            return Err(EmbedOriginError::Credentials(entry()));
        }
        let host = host_of(rest).ok_or_else(|| EmbedOriginError::Port(entry()))?;
        let loopback = match host {
            "[::1]" | "localhost" => true,
            _ if host.starts_with('[') => return Err(EmbedOriginError::Host(entry())),
            _ if !valid_host(host) => return Err(EmbedOriginError::Host(entry())),
            _ => host.parse::<Ipv4Addr>().is_ok_and(|ip| ip.is_loopback()),
        };
        if !secure && !loopback {
            return Err(EmbedOriginError::InsecureHttp(entry()));
        }
        Ok(Self(lower))
    }

    /// The origin as written in a CSP source list.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for EmbedOrigin {
    type Error = EmbedOriginError;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        Self::parse(&text)
    }
}

impl fmt::Display for EmbedOrigin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The host of `host[:port]`; `None` if the port is not 1–65535. IPv6 hosts keep their brackets.
fn host_of(authority: &str) -> Option<&str> {
    let port_at = match authority.rfind(':') {
        Some(at) if !authority[at..].contains(']') => at,
        _ => return Some(authority),
    };
    let digits = &authority[port_at + 1..];
    let valid = digits.bytes().all(|b| b.is_ascii_digit())
        && digits.parse::<u16>().is_ok_and(|port| port > 0);
    valid.then_some(&authority[..port_at])
}

/// An ASCII DNS name or dotted IPv4 address: labels of letters, digits and inner hyphens.
fn valid_host(host: &str) -> bool {
    !host.is_empty()
        && host.len() <= 253
        && host.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
}

/// Who may frame the chat, fixed at start from `[widget] embed_origins`.
#[derive(Debug, Clone)]
pub struct Embedding {
    /// The CSP of `/chat?embed=1`; `None` when no origin is listed (not embeddable).
    embedded_csp: Option<HeaderValue>,
}

impl Embedding {
    /// From the configured origins; an empty list means the chat cannot be embedded.
    pub fn new(origins: &[EmbedOrigin]) -> Self {
        let embedded_csp = (!origins.is_empty()).then(|| {
            let sources: Vec<&str> = origins.iter().map(EmbedOrigin::as_str).collect();
            let csp = format!("{CSP_BASE}; frame-ancestors {}", sources.join(" "));
            HeaderValue::from_str(&csp)
                .expect("an EmbedOrigin holds only characters valid in a header value")
        });
        Self { embedded_csp }
    }

    /// Whether any site may embed the chat.
    pub fn is_enabled(&self) -> bool {
        self.embedded_csp.is_some()
    }

    /// The framing headers of the chat page: the configured `frame-ancestors` for an embed
    /// request when embedding is enabled (and no `X-Frame-Options`, which cannot name origins),
    /// otherwise `frame-ancestors 'none'` with `X-Frame-Options: DENY` for older browsers.
    pub fn page_headers(&self, embed_requested: bool) -> Vec<(HeaderName, HeaderValue)> {
        match (&self.embedded_csp, embed_requested) {
            (Some(csp), true) => vec![(header::CONTENT_SECURITY_POLICY, csp.clone())],
            _ => unframeable(),
        }
    }
}

fn unframeable() -> Vec<(HeaderName, HeaderValue)> {
    vec![
        (
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CSP),
        ),
        (header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")),
    ]
}

/// `embed=1` among the query's pairs.
fn embed_requested(query: Option<&str>) -> bool {
    query.is_some_and(|q| q.split('&').any(|pair| pair == "embed=1"))
}

fn asset(
    content_type: &'static str,
    framing: Vec<(HeaderName, HeaderValue)>,
    body: &'static str,
) -> Response {
    let mut response = (
        [
            (header::CONTENT_TYPE, content_type),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            (header::REFERRER_POLICY, "no-referrer"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        body,
    )
        .into_response();
    response.headers_mut().extend(framing);
    response
}

/// The routes of the visitor chat. `/chat/widget.js` and `/chat/widget.css` stay unframeable
/// even when embedding is on: the embedded page loads them as subresources, which framing
/// headers do not govern, and nobody needs to frame them as documents.
pub fn routes<S: Clone + Send + Sync + 'static>(embedding: Embedding) -> Router<S> {
    let page_framing = embedding.clone();
    let router = Router::new()
        .route(
            "/chat",
            get(move |RawQuery(query): RawQuery| async move {
                let framing = page_framing.page_headers(embed_requested(query.as_deref()));
                asset("text/html; charset=utf-8", framing, PAGE)
            }),
        )
        .route(
            "/chat/widget.js",
            get(|| async { asset("text/javascript; charset=utf-8", unframeable(), SCRIPT) }),
        )
        .route(
            "/chat/widget.css",
            get(|| async { asset("text/css; charset=utf-8", unframeable(), STYLE) }),
        );
    if !embedding.is_enabled() {
        // Not embeddable: no loader, so a site that includes it gets a 404, not a launcher
        // that opens a refused frame.
        return router.route("/embed.js", get(|| async { StatusCode::NOT_FOUND }));
    }
    router.route(
        "/embed.js",
        get(|| async {
            let mut response = asset(
                "text/javascript; charset=utf-8",
                vec![(
                    header::CONTENT_SECURITY_POLICY,
                    HeaderValue::from_static(LOADER_CSP),
                )],
                LOADER,
            );
            // Customers' pages load it cross-origin, some under `Cross-Origin-Embedder-Policy`.
            response.headers_mut().insert(
                header::HeaderName::from_static("cross-origin-resource-policy"),
                HeaderValue::from_static("cross-origin"),
            );
            response
        }),
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

    #[test]
    fn the_loader_writes_no_html_runs_no_strings_and_leaves_the_host_pages_state_alone() {
        for banned in [
            "innerHTML",
            "outerHTML",
            "insertAdjacentHTML",
            "document.write",
            "eval(",
            "Function(",
            "document.cookie",
            "cookieStore",
            "Storage",
            "indexedDB",
            "caches",
            "console.",
            "setAttribute('style'",
            "cssText",
            "<style",
        ] {
            assert!(!LOADER.contains(banned), "embed.js uses {banned}");
        }
        // One tag on someone else's page: keep it small.
        assert!(
            LOADER.len() < 6 * 1024,
            "embed.js is {} bytes",
            LOADER.len()
        );
    }

    fn origin(text: &str) -> Result<EmbedOrigin, EmbedOriginError> {
        EmbedOrigin::parse(text)
    }

    #[test]
    fn embed_origins_are_https_or_loopback_http_with_nothing_after_the_port() {
        for good in [
            "https://shop.example",
            "https://shop.example:8443",
            "https://Shop.Example",
            "https://xn--tienda-8ya.example",
            "https://192.0.2.10",
            "http://localhost:5173",
            "http://127.0.0.2:8080",
            "http://[::1]:3000",
        ] {
            assert!(origin(good).is_ok(), "{good} refused: {:?}", origin(good));
        }
        assert_eq!(
            origin("https://Shop.Example").unwrap().as_str(),
            "https://shop.example"
        );
        let bad = [
            ("*", EmbedOriginError::Wildcard("*".into())),
            (
                "https://*.shop.example",
                EmbedOriginError::Wildcard("https://*.shop.example".into()),
            ),
            (
                "https://shop.example/",
                EmbedOriginError::Path("https://shop.example/".into()),
            ),
            (
                "https://shop.example/widget",
                EmbedOriginError::Path("https://shop.example/widget".into()),
            ),
            (
                "https://shop.example?x=1",
                EmbedOriginError::Path("https://shop.example?x=1".into()),
            ),
            (
                "http://shop.example",
                EmbedOriginError::InsecureHttp("http://shop.example".into()),
            ),
            (
                "http://10.0.0.1",
                EmbedOriginError::InsecureHttp("http://10.0.0.1".into()),
            ),
            (
                "shop.example",
                EmbedOriginError::Scheme("shop.example".into()),
            ),
            ("'self'", EmbedOriginError::Scheme("'self'".into())),
            (
                "javascript://x",
                EmbedOriginError::Scheme("javascript://x".into()),
            ),
            (
                "https://user@shop.example",
                EmbedOriginError::Credentials("https://user@shop.example".into()),
            ),
            ("https://", EmbedOriginError::Host("https://".into())),
            (
                "https://shop.example; script-src 'unsafe-inline'",
                EmbedOriginError::Host("https://shop.example; script-src 'unsafe-inline'".into()),
            ),
            (
                "https://shop .example",
                EmbedOriginError::Host("https://shop .example".into()),
            ),
            (
                "https://tienda.example\u{e9}",
                EmbedOriginError::Host("https://tienda.example\u{e9}".into()),
            ),
            (
                "https://[2001:db8::1]",
                EmbedOriginError::Host("https://[2001:db8::1]".into()),
            ),
            (
                "https://shop.example:0",
                EmbedOriginError::Port("https://shop.example:0".into()),
            ),
            (
                "https://shop.example:99999",
                EmbedOriginError::Port("https://shop.example:99999".into()),
            ),
            (
                "https://shop.example:",
                EmbedOriginError::Port("https://shop.example:".into()),
            ),
        ];
        for (text, expected) in bad {
            assert_eq!(origin(text), Err(expected), "{text}");
        }
        // The error names the entry.
        let error = origin("https://shop.example/").unwrap_err().to_string();
        assert!(error.contains("\"https://shop.example/\""), "{error}");
    }

    fn header<'a>(headers: &'a [(HeaderName, HeaderValue)], name: &HeaderName) -> Option<&'a str> {
        headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.to_str().unwrap())
    }

    #[test]
    fn by_default_nothing_may_frame_the_chat() {
        let embedding = Embedding::new(&[]);
        assert!(!embedding.is_enabled());
        for embed in [false, true] {
            let headers = embedding.page_headers(embed);
            let csp = header(&headers, &header::CONTENT_SECURITY_POLICY).unwrap();
            assert!(csp.ends_with("frame-ancestors 'none'"), "{csp}");
            assert_eq!(header(&headers, &header::X_FRAME_OPTIONS), Some("DENY"));
        }
    }

    #[test]
    fn listed_origins_may_frame_the_embed_page_only() {
        let origins = [
            origin("https://shop.example").unwrap(),
            origin("http://127.0.0.1:8080").unwrap(),
        ];
        let embedding = Embedding::new(&origins);
        let embedded = embedding.page_headers(true);
        assert_eq!(
            header(&embedded, &header::CONTENT_SECURITY_POLICY),
            Some(
                "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; \
                 img-src 'self'; base-uri 'none'; form-action 'none'; \
                 frame-ancestors https://shop.example http://127.0.0.1:8080"
            )
        );
        assert_eq!(header(&embedded, &header::X_FRAME_OPTIONS), None);
        // The plain page stays unframeable.
        let plain = embedding.page_headers(false);
        assert_eq!(header(&plain, &header::CONTENT_SECURITY_POLICY), Some(CSP));
        assert_eq!(header(&plain, &header::X_FRAME_OPTIONS), Some("DENY"));
    }

    #[test]
    fn only_an_exact_embed_pair_asks_for_the_embed_page() {
        assert!(embed_requested(Some("embed=1")));
        assert!(embed_requested(Some("locale=es&embed=1")));
        for other in [
            None,
            Some(""),
            Some("embed=0"),
            Some("embed=10"),
            Some("xembed=1"),
        ] {
            assert!(!embed_requested(other), "{other:?}");
        }
    }

    /// WCAG 2.1 relative luminance of `#rrggbb`.
    fn luminance(hex: &str) -> f64 {
        let channel = |i: usize| {
            let c = f64::from(u8::from_str_radix(&hex[1 + 2 * i..3 + 2 * i], 16).unwrap()) / 255.0;
            if c <= 0.03928 {
                c / 12.92
            } else {
                ((c + 0.055) / 1.055).powf(2.4)
            }
        };
        0.2126 * channel(0) + 0.7152 * channel(1) + 0.0722 * channel(2)
    }

    fn contrast(a: &str, b: &str) -> f64 {
        let (a, b) = (luminance(a), luminance(b));
        (a.max(b) + 0.05) / (a.min(b) + 0.05)
    }

    /// The `--rw-*` colour of the widget's stylesheet (its declaration, not a comment's
    /// mention).
    fn color(name: &str) -> &'static str {
        let key = format!("--rw-{name}:");
        STYLE
            .match_indices(&key)
            .map(|(at, _)| STYLE[at + key.len()..].trim_start())
            .find(|rest| rest.starts_with('#'))
            .map(|rest| &rest[..7])
            .unwrap_or_else(|| panic!("no {key} declaration"))
    }

    #[test]
    fn the_widget_meets_wcag_aa_contrast() {
        assert!((contrast("#000000", "#ffffff") - 21.0).abs() < 1e-9);
        // Text, 4.5:1 (WCAG 1.4.3).
        for (fg, bg) in [
            ("text", "bg"),
            ("text", "surface"),
            ("muted", "bg"),
            ("muted", "surface"),
            ("accent-text", "accent"),
            ("secure-text", "secure-bg"),
            ("error", "bg"),
            ("error", "secure-bg"),
            ("text", "secure-bg"),
        ] {
            let ratio = contrast(color(fg), color(bg));
            assert!(ratio >= 4.5, "{fg} on {bg}: {ratio:.2}:1");
        }
        // Focus ring and field borders, 3:1 (WCAG 1.4.11).
        for (fg, bg) in [
            ("focus", "bg"),
            ("input-border", "bg"),
            ("input-border", "secure-bg"),
            ("secure-border", "bg"),
        ] {
            let ratio = contrast(color(fg), color(bg));
            assert!(ratio >= 3.0, "{fg} against {bg}: {ratio:.2}:1");
        }
    }
}
