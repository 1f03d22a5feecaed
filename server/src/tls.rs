//! TLS for the connections the server makes: HTTP Tasks and Lambda (`engine::backends`), the
//! approval portal's AWS calls (`approvals::aws`) and SMTP (`approvals::mail`).
//!
//! All of them use rustls with the `ring` provider and Mozilla's roots compiled in
//! (webpki-roots; for the AWS SDK's client, the same roots as certificates from
//! webpki-root-certs), so nothing depends on the machine's certificate store. The roots in
//! `STATEHOUSE_EXTRA_CA_FILE` (PEM), when set, are trusted as well: a corporate proxy's CA, or
//! a private CA for internal endpoints. `main.rs` installs them once, before anything connects.

use std::{
    path::Path,
    sync::{LazyLock, OnceLock},
};

use aws_sdk_sfn::config::SharedHttpClient;
use aws_smithy_http_client::tls::{self as smithy_tls, TlsContext, TrustStore, rustls_provider::CryptoMode};
use base64::Engine as _;
use lettre::transport::smtp::client::{Certificate as SmtpCertificate, CertificateStore, TlsParameters};

/// Root certificates trusted besides the bundled ones, read and checked.
#[derive(Clone)]
pub struct ExtraRoots {
    http: Vec<reqwest::Certificate>,
    smtp: SmtpCertificate,
    /// The PEM text as read, for the AWS SDK's trust store (which reads it the way reqwest
    /// does: rustls-pki-types' PEM reader, then rustls' `RootCertStore::add`).
    pem: Vec<u8>,
}

impl std::fmt::Debug for ExtraRoots {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(formatter, "ExtraRoots({} certificates)", self.http.len())
    }
}

/// Why `STATEHOUSE_EXTRA_CA_FILE` was refused.
#[derive(Debug, thiserror::Error)]
pub enum ExtraRootsError {
    /// The file cannot be read.
    #[error("reading {path}: {source}")]
    Read {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// The file holds no `-----BEGIN CERTIFICATE-----` block, or one that is not a certificate.
    #[error("{0}")]
    Invalid(String),
}

impl ExtraRoots {
    /// Reads a PEM file of one or more CA certificates.
    pub fn load(path: &Path) -> Result<Self, ExtraRootsError> {
        let pem =
            std::fs::read(path).map_err(|source| ExtraRootsError::Read { path: path.display().to_string(), source })?;
        Self::from_pem(&pem).map_err(|error| match error {
            ExtraRootsError::Invalid(message) => ExtraRootsError::Invalid(format!("{}: {message}", path.display())),
            other => other,
        })
    }

    /// Reads PEM text of one or more CA certificates; both clients are built once with them,
    /// so a certificate they would refuse is refused here, at start-up.
    pub fn from_pem(pem: &[u8]) -> Result<Self, ExtraRootsError> {
        let invalid = |message: String| ExtraRootsError::Invalid(message);
        let http = reqwest::Certificate::from_pem_bundle(pem)
            .map_err(|error| invalid(format!("not PEM certificates: {error}")))?;
        if http.is_empty() {
            return Err(invalid("no PEM certificate (-----BEGIN CERTIFICATE-----) in it".into()));
        }
        let smtp = SmtpCertificate::from_pem(pem).map_err(|error| invalid(format!("not PEM certificates: {error}")))?;
        let roots = Self { http, smtp, pem: pem.to_vec() };
        with_roots(reqwest::Client::builder(), Some(&roots))
            .build()
            .map_err(|error| invalid(format!("not usable as root certificates: {error}")))?;
        smtp_parameters_with("localhost", Some(&roots))
            .map_err(|error| invalid(format!("not usable as root certificates for SMTP: {error}")))?;
        Ok(roots)
    }

    /// How many certificates the file holds.
    pub fn len(&self) -> usize {
        self.http.len()
    }

    /// Whether it holds none (never, once read).
    pub fn is_empty(&self) -> bool {
        self.http.is_empty()
    }
}

static EXTRA_ROOTS: OnceLock<ExtraRoots> = OnceLock::new();

/// Trusts `roots` in every client built afterwards. The first call wins; `main.rs` makes it
/// before the engine and the portal start.
pub fn install(roots: ExtraRoots) {
    let _ = EXTRA_ROOTS.set(roots);
}

fn with_roots(mut builder: reqwest::ClientBuilder, roots: Option<&ExtraRoots>) -> reqwest::ClientBuilder {
    // The bundled webpki roots stay in (`tls_built_in_root_certs` defaults to true).
    builder = builder.use_rustls_tls();
    for certificate in roots.map(|roots| roots.http.as_slice()).unwrap_or_default() {
        builder = builder.add_root_certificate(certificate.clone());
    }
    builder
}

/// A reqwest client builder that speaks https with the bundled roots and the installed ones.
pub fn http_client() -> reqwest::ClientBuilder {
    with_roots(reqwest::Client::builder(), EXTRA_ROOTS.get())
}

/// Mozilla's roots (webpki-root-certs) as one PEM bundle, for the AWS SDK's trust store.
static BUNDLED_ROOTS_PEM: LazyLock<Vec<u8>> = LazyLock::new(|| {
    let mut pem = String::new();
    for certificate in webpki_root_certs::TLS_SERVER_ROOT_CERTS {
        let encoded = base64::engine::general_purpose::STANDARD.encode(certificate.as_ref());
        pem.push_str("-----BEGIN CERTIFICATE-----\n");
        for line in encoded.as_bytes().chunks(64) {
            pem.push_str(&String::from_utf8_lossy(line));
            pem.push('\n');
        }
        pem.push_str("-----END CERTIFICATE-----\n");
    }
    pem.into_bytes()
});

/// The AWS SDK's HTTP client (`approvals::aws`): https through rustls with `ring`, trusting
/// Mozilla's roots and the installed ones (never the machine's store); plain http for local
/// emulators. Timeouts are the SDK configuration's.
pub fn aws_http_client() -> SharedHttpClient {
    aws_http_client_with(EXTRA_ROOTS.get())
}

pub(crate) fn aws_http_client_with(roots: Option<&ExtraRoots>) -> SharedHttpClient {
    let mut trust_store = TrustStore::empty().with_native_roots(false).with_pem_certificate(BUNDLED_ROOTS_PEM.clone());
    if let Some(roots) = roots {
        trust_store = trust_store.with_pem_certificate(roots.pem.clone());
    }
    let builder = aws_smithy_http_client::Builder::new().tls_provider(smithy_tls::Provider::Rustls(CryptoMode::Ring));
    match TlsContext::builder().with_trust_store(trust_store).build() {
        Ok(context) => builder.tls_context(context).build_https(),
        // `build` cannot fail today. Should it, fail closed: plain http only (https calls then
        // fail with a clear error) rather than the SDK's default of the machine's roots.
        Err(error) => {
            tracing::error!(%error, "building the AWS client's TLS settings; AWS calls over https will fail");
            aws_smithy_http_client::Builder::new().build_http()
        }
    }
}

fn smtp_parameters_with(
    domain: &str,
    roots: Option<&ExtraRoots>,
) -> Result<TlsParameters, lettre::transport::smtp::Error> {
    let mut builder = TlsParameters::builder(domain.to_string()).certificate_store(CertificateStore::WebpkiRoots);
    if let Some(roots) = roots {
        builder = builder.add_root_certificate(roots.smtp.clone());
    }
    builder.build_rustls()
}

/// TLS settings for an SMTP server named `domain` (smtps:// and STARTTLS), with the bundled
/// roots and the installed ones.
pub fn smtp_parameters(domain: &str) -> Result<TlsParameters, lettre::transport::smtp::Error> {
    smtp_parameters_with(domain, EXTRA_ROOTS.get())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_files_without_certificates() {
        let error = ExtraRoots::from_pem(b"hello").expect_err("no certificate");
        assert!(error.to_string().contains("no PEM certificate"), "{error}");
        let error = ExtraRoots::from_pem(b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")
            .expect_err("not a certificate");
        assert!(error.to_string().contains("certificate"), "{error}");
    }

    #[test]
    fn reads_a_ca_certificate() {
        let key = rcgen::KeyPair::generate().expect("key");
        let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).expect("params");
        params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        let ca = params.self_signed(&key).expect("certificate");
        let roots = ExtraRoots::from_pem(ca.pem().as_bytes()).expect("valid");
        assert_eq!(roots.len(), 1);
        assert!(smtp_parameters("mail.example.com").is_ok());
    }
}
