//! Where the hub is: one base URL from which API and WebSocket addresses are derived.

use reqwest::Url;

use crate::error::ClientError;

/// The hub's base address, e.g. `https://hub.example.com` or `http://127.0.0.1:7878` (the hub
/// serves plain HTTP on loopback only). WebSockets use `wss` for `https`, `ws` for `http`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HubUrl(Url);

impl HubUrl {
    /// Parses and checks a base address. Paths, queries and credentials are refused: the hub's
    /// routes are fixed, and a password in a URL would end up in logs.
    pub fn parse(text: &str) -> Result<Self, ClientError> {
        let url = Url::parse(text).map_err(|_| ClientError::InvalidUrl {
            reason: "not a URL",
        })?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(ClientError::InvalidUrl {
                reason: "the scheme must be https or http",
            });
        }
        if url.host_str().is_none_or(str::is_empty) {
            return Err(ClientError::InvalidUrl { reason: "no host" });
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(ClientError::InvalidUrl {
                reason: "credentials in the URL are not allowed",
            });
        }
        if url.path() != "/" || url.query().is_some() || url.fragment().is_some() {
            return Err(ClientError::InvalidUrl {
                reason: "give the hub's base address, without path or query",
            });
        }
        Ok(Self(url))
    }

    /// An API endpoint (`path` starts with `/`).
    pub fn api(&self, path: &str) -> Url {
        let mut url = self.0.clone();
        url.set_path(path);
        url
    }

    /// Whether the hub is reached over TLS.
    pub fn is_tls(&self) -> bool {
        self.0.scheme() == "https"
    }

    /// A WebSocket endpoint: the same host with `wss` (or `ws` for plain HTTP).
    pub fn websocket(&self, path: &str) -> String {
        let mut url = self.api(path);
        // http(s) → ws(s) cannot fail for a URL that parsed with a host; keep the URL otherwise
        // and let the WebSocket handshake report it.
        let _ = url.set_scheme(if self.is_tls() { "wss" } else { "ws" });
        url.to_string()
    }
}

impl std::fmt::Display for HubUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derives_api_and_websocket_addresses() {
        let hub = HubUrl::parse("http://127.0.0.1:7878").unwrap();
        assert_eq!(
            hub.api("/api/v1/login").as_str(),
            "http://127.0.0.1:7878/api/v1/login"
        );
        assert_eq!(hub.websocket("/ws/agent"), "ws://127.0.0.1:7878/ws/agent");
        let tls = HubUrl::parse("https://hub.example:8443").unwrap();
        assert!(tls.is_tls());
        assert_eq!(
            tls.websocket("/ws/visitor"),
            "wss://hub.example:8443/ws/visitor"
        );
    }

    #[test]
    fn refuses_what_it_cannot_use_safely() {
        for bad in [
            "not a url",
            "ftp://hub",
            "ws://hub",
            "http://user:pw@hub",
            "http://hub/path",
            "http://hub/?token=x",
        ] {
            assert!(
                matches!(HubUrl::parse(bad), Err(ClientError::InvalidUrl { .. })),
                "{bad}"
            );
        }
    }
}
