//! Off loopback the server speaks only HTTPS: with a certificate and key it serves the API
//! over TLS on every interface, and a plain HTTP request there gets no answer.

use kassa_server::{ServerOptions, TlsFiles, run};
use std::sync::Arc;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

async fn get_over_tls(
    port: u16,
    cert_der: rustls::pki_types::CertificateDer<'static>,
    path: &str,
) -> String {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let mut roots = rustls::RootCertStore::empty();
    roots.add(cert_der).unwrap();
    let config = rustls::ClientConfig::builder()
        .with_root_certificates(roots)
        .with_no_client_auth();
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    let tcp = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .unwrap();
    let name = rustls::pki_types::ServerName::try_from("localhost").unwrap();
    let mut tls = connector.connect(name, tcp).await.unwrap();
    let request = format!("GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
    tls.write_all(request.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    let _ = tls.read_to_end(&mut answer).await;
    String::from_utf8_lossy(&answer).into_owned()
}

#[tokio::test]
async fn with_a_certificate_the_server_serves_https_on_every_interface() {
    let dir = tempfile::tempdir().unwrap();
    let issued = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
    let (cert, key) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    std::fs::write(&cert, issued.cert.pem()).unwrap();
    std::fs::write(&key, issued.signing_key.serialize_pem()).unwrap();

    let opts = ServerOptions {
        listen: "0.0.0.0:0".parse().unwrap(),
        database: Some(format!("sqlite:{}", dir.path().join("server.db").display())),
        data_dir: dir.path().to_path_buf(),
        tls: Some(TlsFiles { cert, key }),
        updates_dir: None,
        public_url: None,
        cards: None,
        email: None,
    };
    let (tx, rx) = tokio::sync::oneshot::channel();
    tokio::spawn(run(opts, move |addr| {
        let _ = tx.send(addr);
    }));
    let addr = rx.await.unwrap();
    assert!(addr.ip().is_unspecified());

    let answer = get_over_tls(addr.port(), issued.cert.der().clone(), "/api/v1/health").await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.contains(r#""status":"ok""#), "{answer}");
    let answer = get_over_tls(addr.port(), issued.cert.der().clone(), "/api/v1/devices").await;
    assert!(answer.starts_with("HTTP/1.1 401"), "{answer}");

    // Plain HTTP to the same port is not served.
    let mut plain = tokio::net::TcpStream::connect(("127.0.0.1", addr.port()))
        .await
        .unwrap();
    plain
        .write_all(b"GET /api/v1/health HTTP/1.1\r\nHost: localhost\r\n\r\n")
        .await
        .unwrap();
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(
        std::time::Duration::from_secs(5),
        plain.read_to_end(&mut answer),
    )
    .await;
    assert!(!String::from_utf8_lossy(&answer).contains("200 OK"));
}
