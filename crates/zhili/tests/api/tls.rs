//! HTTPS without a proxy: the real router behind rustls, a certificate made by `openssl`, a
//! client trusting only it. Every answer carries HSTS; a client that stalls its handshake
//! holds up nobody; plain HTTP to the port gets no answer; the API answers as over HTTP.

use super::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_rustls::rustls;

/// A self-signed certificate for localhost and 127.0.0.1, and its key, as PEM files.
fn certificate(dir: &std::path::Path) -> (std::path::PathBuf, std::path::PathBuf) {
    let (cert, key) = (dir.join("cert.pem"), dir.join("key.pem"));
    let out = std::process::Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=localhost",
            "-addext",
            "subjectAltName=DNS:localhost,IP:127.0.0.1",
            "-addext",
            "basicConstraints=critical,CA:FALSE",
            "-keyout",
        ])
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .output()
        .expect("openssl makes the test's certificate");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    (cert, key)
}

/// One HTTP/1.1 exchange over TLS, trusting only `cert`; the whole answer as text.
async fn exchange(addr: std::net::SocketAddr, cert: &std::path::Path, request: &str) -> String {
    use rustls::pki_types::pem::PemObject;
    let mut roots = rustls::RootCertStore::empty();
    roots
        .add(rustls::pki_types::CertificateDer::from_pem_file(cert).unwrap())
        .unwrap();
    #[allow(deprecated)]
    let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    let connector = tokio_rustls::TlsConnector::from(std::sync::Arc::new(config));
    let tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
    let name = rustls::pki_types::ServerName::try_from("localhost").unwrap();
    let mut tls = connector
        .connect(name, tcp)
        .await
        .expect("the handshake with the server's certificate");
    tls.write_all(request.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    tls.read_to_end(&mut answer).await.unwrap_or_default();
    String::from_utf8_lossy(&answer).into_owned()
}

#[tokio::test]
async fn served_over_tls_every_answer_carries_hsts() {
    let db = TestDb::sqlite();
    let dir = std::env::temp_dir().join(format!("zhili-tls-{}", rand::random::<u64>()));
    std::fs::create_dir_all(&dir).unwrap();
    let (cert, key) = certificate(&dir);
    let config = zhili::http::tls::server_config(&cert, &key).unwrap();
    let s = Server::start(&db).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let serving = s.state.clone();
    let task = tokio::spawn(async move {
        zhili::http::serve_tls(serving, listener, config)
            .await
            .unwrap()
    });

    // A client that opens a connection and says nothing holds up nobody.
    let _stalled = tokio::net::TcpStream::connect(addr).await.unwrap();
    let health = exchange(
        addr,
        &cert,
        "GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
    )
    .await;
    assert!(health.starts_with("HTTP/1.1 200"), "{health}");
    let lower = health.to_ascii_lowercase();
    assert!(
        lower.contains("strict-transport-security: max-age=31536000"),
        "{health}"
    );
    assert!(
        lower.contains("x-content-type-options: nosniff")
            && lower.contains("x-frame-options: deny"),
        "{health}"
    );

    // The API answers as over HTTP: a sign-in, its refusal shape, HSTS on both.
    let body = json!({"username": "admin", "password": PASSWORD}).to_string();
    let login = exchange(addr, &cert, &format!(
        "POST /api/v1/auth/login HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len())).await;
    assert!(
        login.starts_with("HTTP/1.1 200") && login.contains("\"token\""),
        "{login}"
    );
    let wrong = exchange(
        addr,
        &cert,
        "GET /api/v1/auth/me HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
    )
    .await;
    assert!(
        wrong.starts_with("HTTP/1.1 401")
            && wrong
                .to_ascii_lowercase()
                .contains("strict-transport-security"),
        "{wrong}"
    );

    // Plain HTTP to the TLS port is not answered in plain.
    let mut plain = tokio::net::TcpStream::connect(addr).await.unwrap();
    plain
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n")
        .await
        .unwrap();
    let mut got = Vec::new();
    let _ = tokio::time::timeout(
        std::time::Duration::from_secs(15),
        plain.read_to_end(&mut got),
    )
    .await;
    assert!(!String::from_utf8_lossy(&got).contains("HTTP/1.1 200"));

    // Over plain HTTP there is no HSTS (it means nothing there).
    let resp = s
        .http
        .get(format!("{}/healthz", s.base))
        .send()
        .await
        .unwrap();
    assert!(resp.headers().get("strict-transport-security").is_none());

    // Files that are not a certificate and its key are said at once.
    let e = zhili::http::tls::server_config(&dir.join("missing.pem"), &key).unwrap_err();
    assert!(e.contains("--tls-cert") && e.contains("missing.pem"), "{e}");
    let e = zhili::http::tls::server_config(&cert, &cert).unwrap_err();
    assert!(e.contains("--tls-key"), "{e}");
    task.abort();
    s.stop().await;
    let _ = std::fs::remove_dir_all(&dir);
}
