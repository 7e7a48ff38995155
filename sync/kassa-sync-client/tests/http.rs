//! The HTTP transport against a scripted server on loopback: the paths and the token it
//! sends, the answers it reads, and the refusals it turns into typed errors.

use kassa_domain::ErrorCode;
use kassa_sync_client::{HttpTransport, Transport};
use kassa_sync_protocol::wire::{HandshakeRequest, PushRequest};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::mpsc;

/// What the scripted server saw of one request.
#[derive(Debug)]
struct Seen {
    request_line: String,
    authorization: Option<String>,
    schema_version: Option<String>,
    body: String,
}

/// Serves one connection with `response` (a whole HTTP response) and reports the request.
fn scripted(response: &'static str) -> (String, mpsc::Receiver<Seen>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let (stream, _) = listener.accept().unwrap();
        let mut reader = BufReader::new(stream.try_clone().unwrap());
        let mut request_line = String::new();
        reader.read_line(&mut request_line).unwrap();
        let (mut length, mut authorization, mut schema_version) = (0usize, None, None);
        loop {
            let mut line = String::new();
            reader.read_line(&mut line).unwrap();
            let line = line.trim_end().to_string();
            if line.is_empty() {
                break;
            }
            let (name, value) = line.split_once(':').unwrap();
            match name.to_ascii_lowercase().as_str() {
                "content-length" => length = value.trim().parse().unwrap(),
                "authorization" => authorization = Some(value.trim().to_string()),
                "kassa-schema-version" => schema_version = Some(value.trim().to_string()),
                _ => {}
            }
        }
        let mut body = vec![0; length];
        reader.read_exact(&mut body).unwrap();
        let mut stream = stream;
        stream.write_all(response.as_bytes()).unwrap();
        stream.flush().unwrap();
        tx.send(Seen {
            request_line: request_line.trim_end().to_string(),
            authorization,
            schema_version,
            body: String::from_utf8(body).unwrap(),
        })
        .unwrap();
    });
    (url, rx)
}

fn json_response(status: &str, body: &str) -> &'static str {
    Box::leak(
        format!(
            "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )
        .into_boxed_str(),
    )
}

#[tokio::test]
async fn a_handshake_is_posted_without_a_token_and_its_answer_read() {
    let (url, seen) = scripted(json_response(
        "200 OK",
        r#"{"protocol":1,"min_schema_version":1,"update_required":false,"server_time":"2026-11-22T09:00:00.000Z"}"#,
    ));
    let t = HttpTransport::new(&url).unwrap();
    let hs = t
        .handshake(&HandshakeRequest {
            protocol: 1,
            schema_version: 7,
        })
        .await
        .unwrap();
    assert_eq!(hs.server_time, "2026-11-22T09:00:00.000Z");
    let seen = seen.recv().unwrap();
    assert_eq!(seen.request_line, "POST /api/v1/handshake HTTP/1.1");
    assert_eq!(seen.authorization, None);
    assert!(seen.body.contains("\"schema_version\":7"), "{}", seen.body);
}

#[tokio::test]
async fn a_push_carries_the_token_and_a_refusal_comes_back_typed() {
    let (url, seen) = scripted(json_response(
        "409 Conflict",
        r#"{"error":{"code":"sequence_gap","message":"expected seq 5, got 9"}}"#,
    ));
    let t = HttpTransport::new(&url).unwrap();
    let err = t
        .push(
            "device-token",
            &PushRequest {
                batch_id: "b".into(),
                changes: Vec::new(),
            },
        )
        .await
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::SequenceGap);
    assert!(err.message.contains("expected seq 5"), "{}", err.message);
    let seen = seen.recv().unwrap();
    assert_eq!(seen.request_line, "POST /api/v1/push HTTP/1.1");
    assert_eq!(seen.authorization.as_deref(), Some("Bearer device-token"));
    assert_eq!(
        seen.schema_version,
        Some(kassa_store::SCHEMA_VERSION.to_string())
    );
}

#[tokio::test]
async fn an_upgrade_required_status_is_update_required_even_without_a_body() {
    let (url, _seen) =
        scripted("HTTP/1.1 426 Upgrade Required\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
    let t = HttpTransport::new(&url).unwrap();
    let err = t.devices("tok").await.unwrap_err();
    assert_eq!(err.code, ErrorCode::UpdateRequired);
}

#[tokio::test]
async fn a_revocation_answered_with_no_content_is_done() {
    let (url, seen) = scripted("HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n");
    let t = HttpTransport::new(&url).unwrap();
    t.revoke("tok", "0190a000-0000-7000-8000-000000000001")
        .await
        .unwrap();
    assert_eq!(
        seen.recv().unwrap().request_line,
        "POST /api/v1/devices/0190a000-0000-7000-8000-000000000001/revoke HTTP/1.1"
    );
}

#[tokio::test]
async fn a_redirect_is_not_followed_with_the_token() {
    let (url, _seen) = scripted(
        "HTTP/1.1 302 Found\r\nLocation: http://elsewhere.example.com/\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
    );
    let t = HttpTransport::new(&url).unwrap();
    let err = t.devices("tok").await.unwrap_err();
    assert_eq!(err.code, ErrorCode::ServerUnreachable);
    assert!(err.message.contains("302"), "{}", err.message);
}

#[tokio::test]
async fn nobody_listening_is_server_unreachable() {
    let t = HttpTransport::new("http://127.0.0.1:1").unwrap();
    let err = t
        .handshake(&HandshakeRequest {
            protocol: 1,
            schema_version: 7,
        })
        .await
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::ServerUnreachable);
}
