//! [`TlsConfig`]: HTTPS with rustls, offering HTTP/2 and HTTP/1.1 by ALPN (feature `tls`).

use std::{io, path::Path, sync::Arc};

use tokio_rustls::{
    TlsAcceptor,
    rustls::{
        self, ServerConfig,
        pki_types::{CertificateDer, PrivateKeyDer, pem::PemObject},
    },
};

/// A certificate and key to serve HTTPS with, as NestJS's `httpsOptions`. Browsers get HTTP/2
/// (negotiated by ALPN), so any number of `EventSource`s share one connection.
///
/// ```no_run
/// use nest_core::prelude::*;
/// use nest_core::app::TlsConfig;
/// # #[module] struct AppModule;
///
/// # async fn run() -> std::io::Result<()> {
/// let mut app = NestFactory::create::<AppModule>().await?;
/// app.set_tls(TlsConfig::from_pem_files("cert.pem", "key.pem")?);
/// app.listen(443).await
/// # }
/// ```
#[derive(Clone)]
pub struct TlsConfig {
    config: Arc<ServerConfig>,
}

impl std::fmt::Debug for TlsConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TlsConfig")
            .field("alpn", &self.config.alpn_protocols)
            .finish_non_exhaustive()
    }
}

impl TlsConfig {
    /// From a PEM certificate chain (leaf first) and a PEM private key (PKCS#8, PKCS#1 or SEC1).
    pub fn from_pem(cert_chain: &[u8], private_key: &[u8]) -> io::Result<Self> {
        let certs = CertificateDer::pem_slice_iter(cert_chain)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|error| invalid(format!("certificate chain: {error}")))?;
        if certs.is_empty() {
            return Err(invalid("certificate chain: no certificate found".into()));
        }
        let key = PrivateKeyDer::from_pem_slice(private_key)
            .map_err(|error| invalid(format!("private key: {error}")))?;
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|error| invalid(error.to_string()))?
            .with_no_client_auth()
            .with_single_cert(certs, key)
            .map_err(|error| invalid(error.to_string()))?;
        Ok(Self::from_rustls(config))
    }

    /// From PEM files: the certificate chain and the private key.
    pub fn from_pem_files(
        cert_chain: impl AsRef<Path>,
        private_key: impl AsRef<Path>,
    ) -> io::Result<Self> {
        Self::from_pem(&std::fs::read(cert_chain)?, &std::fs::read(private_key)?)
    }

    /// From a rustls configuration of your own. If it names no ALPN protocols, `h2` and
    /// `http/1.1` are offered.
    pub fn from_rustls(mut config: ServerConfig) -> Self {
        if config.alpn_protocols.is_empty() {
            config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        }
        Self {
            config: Arc::new(config),
        }
    }

    pub(crate) fn acceptor(&self) -> TlsAcceptor {
        TlsAcceptor::from(Arc::clone(&self.config))
    }
}

fn invalid(message: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, message)
}
