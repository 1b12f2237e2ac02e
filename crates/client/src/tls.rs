//! TLS to the hub: rustls with the ring provider (the hub's choice too; no aws-lc-rs, no
//! cmake), TLS 1.2 and 1.3 with rustls's safe defaults, shared by the HTTP API and the
//! WebSocket.
//!
//! Trust is either the operating system's (a hub with a public certificate) or pinned to given
//! CA certificates (a private CA, or the hub's self-signed certificate); never "accept any".

use std::sync::Arc;

use rustls_pki_types::CertificateDer;
use rustls_pki_types::pem::PemObject;
use tokio_rustls::rustls::{self, ClientConfig, RootCertStore};

use crate::error::ClientError;

/// A TLS client configuration. Cheap to clone.
#[derive(Clone)]
pub struct TlsConfig(Arc<ClientConfig>);

impl std::fmt::Debug for TlsConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TlsConfig")
    }
}

fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

fn tls_error(error: impl std::error::Error + Send + Sync + 'static) -> ClientError {
    ClientError::Tls {
        source: Arc::new(error),
    }
}

impl TlsConfig {
    /// Trusts the operating system's certificate store (rustls-platform-verifier).
    pub fn system() -> Result<Self, ClientError> {
        let provider = provider();
        let verifier =
            rustls_platform_verifier::Verifier::new(Arc::clone(&provider)).map_err(tls_error)?;
        let config = ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(tls_error)?
            .dangerous() // not dangerous: the platform verifier does full verification
            .with_custom_certificate_verifier(Arc::new(verifier))
            .with_no_client_auth();
        Ok(Self(Arc::new(config)))
    }

    /// Trusts only these CA certificates.
    pub fn pinned(roots: Vec<CertificateDer<'static>>) -> Result<Self, ClientError> {
        let mut store = RootCertStore::empty();
        for root in roots {
            store.add(root).map_err(tls_error)?;
        }
        let config = ClientConfig::builder_with_provider(provider())
            .with_safe_default_protocol_versions()
            .map_err(tls_error)?
            .with_root_certificates(store)
            .with_no_client_auth();
        Ok(Self(Arc::new(config)))
    }

    /// Trusts only the CA certificates in this PEM text.
    pub fn pinned_pem(pem: &[u8]) -> Result<Self, ClientError> {
        let roots = CertificateDer::pem_slice_iter(pem)
            .collect::<Result<Vec<_>, _>>()
            .map_err(tls_error)?;
        if roots.is_empty() {
            return Err(ClientError::InvalidUrl {
                reason: "the pinned certificate file holds no certificate",
            });
        }
        Self::pinned(roots)
    }

    /// The rustls configuration.
    pub(crate) fn rustls(&self) -> Arc<ClientConfig> {
        Arc::clone(&self.0)
    }

    /// A configuration that trusts nothing, for plain-HTTP hubs (reqwest needs one).
    pub(crate) fn trust_nothing() -> Result<Self, ClientError> {
        Self::pinned(Vec::new())
    }
}

/// Whether an error chain comes from TLS (a rustls error, possibly inside I/O errors).
///
/// `io::Error::source` skips the error it wraps, so wrapped errors are looked into explicitly.
pub(crate) fn is_tls(error: &(dyn std::error::Error + 'static)) -> bool {
    let mut current = Some(error);
    // Bounded: a chain is short; a cycle must not hang.
    for _ in 0..32 {
        let Some(e) = current else { return false };
        if e.is::<rustls::Error>() {
            return true;
        }
        current = match e.downcast_ref::<std::io::Error>() {
            Some(io) => match io.get_ref() {
                Some(inner) => Some(inner as &(dyn std::error::Error + 'static)),
                None => None,
            },
            None => e.source(),
        };
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pinning_needs_a_certificate() {
        assert!(TlsConfig::pinned_pem(b"no pem here").is_err());
    }

    #[test]
    fn rustls_errors_are_recognised_inside_io_errors() {
        let io = std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            rustls::Error::InvalidCertificate(rustls::CertificateError::UnknownIssuer),
        );
        assert!(is_tls(&io));
        let wrapped = std::io::Error::other(io);
        assert!(is_tls(&wrapped), "nested I/O errors are looked into");
        assert!(!is_tls(&std::io::Error::other("reset")));
    }
}
