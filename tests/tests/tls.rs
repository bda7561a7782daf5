//! HTTPS with rustls: browsers negotiate HTTP/2 by ALPN, and event streams work over it (and
//! over HTTP/1.1 for clients that ask for it).

use std::sync::Arc;

use http_body_util::{BodyExt, Empty};
use nest_core::RunningApp;
use nest_core::app::TlsConfig;
use nest_core::prelude::*;
use tokio_rustls::{
    TlsConnector,
    rustls::{self, RootCertStore, pki_types::ServerName},
};

#[derive(Default)]
struct SecureController;

#[controller]
impl SecureController {
    #[sse("sse")]
    fn sse(&self) -> impl Stream<Item = MessageEvent> {
        stream::iter(["secure"]).map(MessageEvent::from)
    }
}

async fn start() -> (RunningApp, rcgen::CertifiedKey<rcgen::KeyPair>) {
    let certified = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
    let tls = TlsConfig::from_pem(
        certified.cert.pem().as_bytes(),
        certified.signing_key.serialize_pem().as_bytes(),
    )
    .unwrap();
    let mut app = NestApplication::builder()
        .controller(SecureController)
        .build()
        .unwrap();
    app.set_tls(tls);
    (app.bind("127.0.0.1:0").await.unwrap(), certified)
}

async fn connect(
    server: &RunningApp,
    certified: &rcgen::CertifiedKey<rcgen::KeyPair>,
    alpn: &[u8],
) -> tokio_rustls::client::TlsStream<tokio::net::TcpStream> {
    let mut roots = RootCertStore::empty();
    roots.add(certified.cert.der().clone()).unwrap();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.alpn_protocols = vec![alpn.to_vec()];
    let tcp = tokio::net::TcpStream::connect(server.local_addr())
        .await
        .unwrap();
    TlsConnector::from(Arc::new(config))
        .connect(ServerName::try_from("localhost").unwrap(), tcp)
        .await
        .unwrap()
}

#[tokio::test]
async fn event_streams_over_https_and_http2() {
    let (server, certified) = start().await;
    let tls = connect(&server, &certified, b"h2").await;
    assert_eq!(
        tls.get_ref().1.alpn_protocol(),
        Some(&b"h2"[..]),
        "ALPN chose HTTP/2"
    );
    let (mut sender, connection) = hyper::client::conn::http2::handshake(
        hyper_util::rt::TokioExecutor::new(),
        hyper_util::rt::TokioIo::new(tls),
    )
    .await
    .unwrap();
    tokio::spawn(connection);
    let request = http::Request::get("https://localhost/sse")
        .body(Empty::<bytes::Bytes>::new())
        .unwrap();
    let response = sender.send_request(request).await.unwrap();
    assert_eq!(response.version(), http::Version::HTTP_2);
    assert_eq!(response.headers()["content-type"], "text/event-stream");
    assert!(response.headers().get("connection").is_none());
    let body = response.into_body().collect().await.unwrap().to_bytes();
    assert_eq!(&body[..], b"\nid: 1\ndata: secure\n\n");
}

#[tokio::test]
async fn https_serves_http1_clients_too() {
    let (server, certified) = start().await;
    let tls = connect(&server, &certified, b"http/1.1").await;
    let (mut sender, connection) =
        hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(tls))
            .await
            .unwrap();
    tokio::spawn(connection);
    let request = http::Request::get("/sse")
        .header("host", "localhost")
        .body(Empty::<bytes::Bytes>::new())
        .unwrap();
    let response = sender.send_request(request).await.unwrap();
    assert_eq!(response.version(), http::Version::HTTP_11);
    let body = response.into_body().collect().await.unwrap().to_bytes();
    assert_eq!(&body[..], b"\nid: 1\ndata: secure\n\n");
}

#[tokio::test]
async fn a_plain_http_client_gets_no_answer_from_https() {
    let (server, _) = start().await;
    let response = nest_core::testing::TestClient::new(server.local_addr())
        .get("/sse")
        .await;
    assert!(
        response.is_err(),
        "plain HTTP is not served on an HTTPS port"
    );
}

#[test]
fn bad_pem_is_a_clear_error() {
    let error = TlsConfig::from_pem(b"not a certificate", b"not a key").unwrap_err();
    assert_eq!(error.kind(), std::io::ErrorKind::InvalidInput);
    assert!(error.to_string().contains("certificate"), "{error}");
}
