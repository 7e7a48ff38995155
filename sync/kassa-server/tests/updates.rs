//! App updates over HTTP: the manifest the desktop's updater reads, the artifact it downloads,
//! and the refusals of what is not a platform, a version or an artifact name.

use kassa_server::{ServerKey, Services, UpdatesConfig, serve_with};
use kassa_server_sqlite::SqliteStorage;
use reqwest::StatusCode;
use serde_json::Value;
use std::path::Path;
use std::sync::Arc;

async fn start(updates: UpdatesConfig) -> String {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let storage = Arc::new(SqliteStorage::open_in_memory().expect("storage"));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(serve_with(
        listener,
        storage,
        ServerKey::from_bytes([9; 32]),
        None,
        Services {
            updates,
            ..Services::default()
        },
    ));
    format!("http://{addr}")
}

fn release(dir: &Path, version: &str, body: &[u8]) {
    let platform = dir.join(version).join("linux-x86_64");
    std::fs::create_dir_all(&platform).unwrap();
    std::fs::write(platform.join(format!("Kassa_{version}_amd64.deb")), body).unwrap();
    std::fs::write(
        platform.join(format!("Kassa_{version}_amd64.deb.sig")),
        format!("signature-of-{version}\n"),
    )
    .unwrap();
    std::fs::write(
        dir.join(version).join("notes.md"),
        format!("What is new in {version}\n"),
    )
    .unwrap();
}

#[tokio::test]
async fn the_newest_release_is_offered_with_a_link_that_downloads_it() {
    let dir = tempfile::tempdir().unwrap();
    release(dir.path(), "0.2.0", b"old release");
    release(dir.path(), "0.3.1", b"the newest release");
    let base = start(UpdatesConfig {
        dir: Some(dir.path().to_path_buf()),
        ..Default::default()
    })
    .await;
    let http = reqwest::Client::new();

    let r = http
        .get(format!("{base}/api/v1/updates/linux/x86_64/0.1.0"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let m: Value = r.json().await.unwrap();
    assert_eq!(m["version"], "0.3.1");
    assert_eq!(m["notes"], "What is new in 0.3.1");
    assert_eq!(m["signature"], "signature-of-0.3.1");
    let url = m["url"].as_str().unwrap();
    assert_eq!(
        url,
        format!("{base}/api/v1/update-files/0.3.1/linux-x86_64/Kassa_0.3.1_amd64.deb")
    );
    let artifact = http.get(url).send().await.unwrap();
    assert_eq!(artifact.status(), StatusCode::OK);
    assert_eq!(
        artifact.bytes().await.unwrap().as_ref(),
        b"the newest release"
    );

    // Up to date, or another platform with no release: nothing to offer.
    for path in [
        "linux/x86_64/0.3.1",
        "linux/x86_64/1.0.0",
        "windows/x86_64/0.1.0",
    ] {
        let r = http
            .get(format!("{base}/api/v1/updates/{path}"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::NO_CONTENT, "{path}");
    }
}

#[tokio::test]
async fn a_public_url_makes_the_links_and_a_server_without_releases_offers_none() {
    let dir = tempfile::tempdir().unwrap();
    release(dir.path(), "1.0.0", b"x");
    let base = start(UpdatesConfig {
        dir: Some(dir.path().to_path_buf()),
        public_url: Some("https://pos.example.com/".into()),
        https: false,
    })
    .await;
    let m: Value = reqwest::get(format!("{base}/api/v1/updates/linux/x86_64/0.1.0"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        m["url"],
        "https://pos.example.com/api/v1/update-files/1.0.0/linux-x86_64/Kassa_1.0.0_amd64.deb"
    );

    let none = start(UpdatesConfig::default()).await;
    let r = reqwest::get(format!("{none}/api/v1/updates/linux/x86_64/0.1.0"))
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
}

#[tokio::test]
async fn what_is_not_a_platform_a_version_or_an_artifact_is_refused_with_a_typed_error() {
    let dir = tempfile::tempdir().unwrap();
    release(dir.path(), "1.0.0", b"x");
    std::fs::write(dir.path().join("secret.txt"), "not for anyone").unwrap();
    let base = start(UpdatesConfig {
        dir: Some(dir.path().to_path_buf()),
        ..Default::default()
    })
    .await;
    for (path, status, code) in [
        ("updates/plan9/x86_64/0.1.0", 400, "invalid_input"),
        ("updates/linux/sparc/0.1.0", 400, "invalid_input"),
        ("updates/linux/x86_64/latest", 400, "invalid_input"),
        (
            "update-files/1.0.0/linux-x86_64/Kassa_1.0.0_amd64.deb.sig",
            400,
            "invalid_input",
        ),
        (
            "update-files/1.0.0/linux-x86_64/..%2F..%2Fsecret.txt",
            400,
            "invalid_input",
        ),
        (
            "update-files/1.0.0/linux/Kassa_1.0.0_amd64.deb",
            400,
            "invalid_input",
        ),
        (
            "update-files/1.0.0/linux-x86_64/missing.deb",
            404,
            "not_found",
        ),
        (
            "update-files/9.9.9/linux-x86_64/Kassa_1.0.0_amd64.deb",
            404,
            "not_found",
        ),
    ] {
        let r = reqwest::get(format!("{base}/api/v1/{path}")).await.unwrap();
        assert_eq!(r.status().as_u16(), status, "{path}");
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["error"]["code"], code, "{path}: {body}");
    }
}
