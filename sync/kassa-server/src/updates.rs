//! App updates from a folder of signed releases, in the form the desktop's updater reads.
//!
//! The folder holds one sub-folder per release, named by its version, with the release notes
//! and one folder per platform holding the artifact and its signature:
//!
//! ```text
//! updates/
//!   1.2.0/
//!     notes.md
//!     linux-x86_64/
//!       Kassa_1.2.0_amd64.deb
//!       Kassa_1.2.0_amd64.deb.sig
//! ```
//!
//! The server never signs anything and never trusts an artifact itself: the app checks each
//! artifact's signature against the public key it was built with, so a server that serves a
//! tampered file only gets it refused.

use crate::error::ApiError;
use crate::state::AppState;
use axum::Json;
use axum::body::Body;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, SecondsFormat, Utc};
use semver::Version;
use serde::Serialize;
use std::path::{Path as FsPath, PathBuf};

/// Platforms (`{target}` as the updater names it) the server answers for.
pub const TARGETS: [&str; 3] = ["linux", "windows", "darwin"];
/// Architectures (`{arch}`) the server answers for.
pub const ARCHES: [&str; 4] = ["x86_64", "aarch64", "i686", "armv7"];
/// The release notes file in a release's folder.
pub const NOTES_FILE: &str = "notes.md";
/// The longest release notes served; longer notes are cut.
const MAX_NOTES_BYTES: usize = 16 * 1024;

/// Where the releases are, and the address devices reach the server by.
#[derive(Debug, Clone, Default)]
pub struct UpdatesConfig {
    /// The folder of releases; `None` serves no update to anyone.
    pub dir: Option<PathBuf>,
    /// The server's address as devices know it (`https://pos.example.com`), for the download
    /// links; without it the link follows the request's `Host` and the server's scheme.
    pub public_url: Option<String>,
    /// Whether the server serves HTTPS (the links' scheme when `public_url` is not set).
    pub https: bool,
}

/// What the updater reads: the newest release for the platform, if newer than the caller's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UpdateManifest {
    pub version: String,
    pub notes: String,
    pub pub_date: String,
    pub url: String,
    pub signature: String,
}

/// A release found in the folder for one platform.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Release {
    version: Version,
    artifact: String,
    signature: String,
    notes: String,
    published: DateTime<Utc>,
}

fn check_target(target: &str, arch: &str) -> Result<String, ApiError> {
    if !TARGETS.contains(&target) {
        return Err(ApiError::invalid(format!(
            "unknown platform {target:?}; one of {}",
            TARGETS.join(", ")
        )));
    }
    if !ARCHES.contains(&arch) {
        return Err(ApiError::invalid(format!(
            "unknown architecture {arch:?}; one of {}",
            ARCHES.join(", ")
        )));
    }
    Ok(format!("{target}-{arch}"))
}

fn parse_version(what: &str, v: &str) -> Result<Version, ApiError> {
    Version::parse(v.trim_start_matches('v'))
        .map_err(|_| ApiError::invalid(format!("{what} {v:?} is not a version like 1.2.3")))
}

/// A file name the server may serve: letters, digits, `.`, `_`, `-`, `+`, not starting with
/// a dot (no way out of the release's folder).
fn check_file_name(name: &str) -> Result<(), ApiError> {
    let ok = !name.is_empty()
        && name.len() <= 200
        && !name.starts_with('.')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '+'));
    if ok {
        Ok(())
    } else {
        Err(ApiError::invalid(format!(
            "{name:?} is not an artifact name"
        )))
    }
}

/// The one artifact of a platform folder with its signature (`NAME.sig`), if complete.
fn artifact_in(dir: &FsPath) -> Option<(String, String, DateTime<Utc>)> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .ok()?
        .filter_map(|e| e.ok())
        .filter(|e| e.file_type().map(|t| t.is_file()).unwrap_or(false))
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|n| !n.ends_with(".sig") && check_file_name(n).is_ok())
        .collect();
    names.sort();
    for name in names {
        let sig_path = dir.join(format!("{name}.sig"));
        let Ok(signature) = std::fs::read_to_string(&sig_path) else {
            tracing::warn!(artifact = %dir.join(&name).display(), "an artifact without a signature is not offered");
            continue;
        };
        let published = std::fs::metadata(dir.join(&name))
            .and_then(|m| m.modified())
            .map(DateTime::<Utc>::from)
            .unwrap_or_else(|_| Utc::now());
        return Some((name, signature.trim().to_string(), published));
    }
    None
}

/// The newest complete release for `platform` in `dir`.
fn newest_release(dir: &FsPath, platform: &str) -> Option<Release> {
    let entries = std::fs::read_dir(dir).ok()?;
    let mut best: Option<Release> = None;
    for entry in entries.filter_map(|e| e.ok()) {
        let Some(name) = entry.file_name().to_str().map(str::to_string) else {
            continue;
        };
        let Ok(version) = Version::parse(name.trim_start_matches('v')) else {
            continue;
        };
        if best.as_ref().is_some_and(|b| b.version >= version) {
            continue;
        }
        let release_dir = entry.path();
        let Some((artifact, signature, published)) = artifact_in(&release_dir.join(platform))
        else {
            continue;
        };
        let mut notes = std::fs::read_to_string(release_dir.join(NOTES_FILE)).unwrap_or_default();
        if notes.len() > MAX_NOTES_BYTES {
            let mut cut = MAX_NOTES_BYTES;
            while !notes.is_char_boundary(cut) {
                cut -= 1;
            }
            notes.truncate(cut);
        }
        best = Some(Release {
            version,
            artifact: format!("{name}/{artifact}"),
            signature,
            notes: notes.trim().to_string(),
            published,
        });
    }
    best
}

fn base_url(config: &UpdatesConfig, headers: &HeaderMap) -> Result<String, ApiError> {
    if let Some(url) = &config.public_url {
        return Ok(url.trim_end_matches('/').to_string());
    }
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| {
            !h.is_empty()
                && h.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'))
        })
        .ok_or_else(|| ApiError::invalid("the request names no valid Host"))?;
    let scheme = if config.https { "https" } else { "http" };
    Ok(format!("{scheme}://{host}"))
}

/// `GET /api/v1/updates/{target}/{arch}/{current_version}`: the newest release for the
/// platform when it is newer than the caller's version, else 204 No Content.
pub(crate) async fn manifest(
    State(state): State<AppState>,
    headers: HeaderMap,
    path: Result<Path<(String, String, String)>, PathRejection>,
) -> Result<Response, ApiError> {
    let Path((target, arch, current)) = path?;
    let platform = check_target(&target, &arch)?;
    let current = parse_version("the current version", &current)?;
    let config = &state.updates;
    let Some(dir) = config.dir.clone() else {
        return Ok(StatusCode::NO_CONTENT.into_response());
    };
    let lookup = platform.clone();
    let release = tokio::task::spawn_blocking(move || newest_release(&dir, &lookup))
        .await
        .map_err(|e| ApiError::internal(&format!("reading the releases failed: {e}")))?;
    let Some(release) = release.filter(|r| r.version > current) else {
        return Ok(StatusCode::NO_CONTENT.into_response());
    };
    let (version_dir, file) = release
        .artifact
        .split_once('/')
        .ok_or_else(|| ApiError::internal("an artifact path without its release"))?;
    let url = format!(
        "{}/api/v1/update-files/{version_dir}/{platform}/{file}",
        base_url(config, &headers)?
    );
    Ok(Json(UpdateManifest {
        version: release.version.to_string(),
        notes: release.notes,
        pub_date: release.published.to_rfc3339_opts(SecondsFormat::Secs, true),
        url,
        signature: release.signature,
    })
    .into_response())
}

/// `GET /api/v1/update-files/{version}/{platform}/{file}`: one artifact, as stored.
pub(crate) async fn artifact(
    State(state): State<AppState>,
    path: Result<Path<(String, String, String)>, PathRejection>,
) -> Result<Response, ApiError> {
    let Path((version, platform, file)) = path?;
    parse_version("the release", &version)?;
    let (target, arch) = platform.split_once('-').ok_or_else(|| {
        ApiError::invalid(format!("{platform:?} is not a platform like linux-x86_64"))
    })?;
    check_target(target, arch)?;
    check_file_name(&file)?;
    if file.ends_with(".sig") {
        return Err(ApiError::invalid("signatures come with the manifest"));
    }
    let missing = || {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("no artifact {version}/{platform}/{file}"),
        )
    };
    let dir = state.updates.dir.clone().ok_or_else(missing)?;
    let path = dir.join(&version).join(&platform).join(&file);
    let bytes = tokio::fs::read(&path).await.map_err(|_| missing())?;
    Ok((
        [(header::CONTENT_TYPE, "application/octet-stream")],
        Body::from(bytes),
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn release(dir: &FsPath, version: &str, platform: &str, with_sig: bool) {
        let d = dir.join(version).join(platform);
        std::fs::create_dir_all(&d).unwrap();
        std::fs::write(d.join("kassa.deb"), version).unwrap();
        if with_sig {
            std::fs::write(d.join("kassa.deb.sig"), format!("sig-{version}\n")).unwrap();
        }
        std::fs::write(
            dir.join(version).join(NOTES_FILE),
            format!("notes {version}"),
        )
        .unwrap();
    }

    #[test]
    fn the_newest_signed_release_of_the_platform_is_offered() {
        let dir = tempfile::tempdir().unwrap();
        release(dir.path(), "1.2.0", "linux-x86_64", true);
        release(dir.path(), "1.10.0", "linux-x86_64", true);
        release(dir.path(), "2.0.0", "windows-x86_64", true);
        release(dir.path(), "1.11.0", "linux-x86_64", false);
        std::fs::create_dir_all(dir.path().join("not-a-version/linux-x86_64")).unwrap();
        let r = newest_release(dir.path(), "linux-x86_64").unwrap();
        assert_eq!(r.version, Version::new(1, 10, 0));
        assert_eq!(r.artifact, "1.10.0/kassa.deb");
        assert_eq!(r.signature, "sig-1.10.0");
        assert_eq!(r.notes, "notes 1.10.0");
        assert!(newest_release(dir.path(), "darwin-aarch64").is_none());
    }

    #[test]
    fn names_that_could_leave_the_folder_are_refused() {
        for bad in ["", ".hidden", "..", "a/b", "a\\b", "x y", "%2e%2e"] {
            assert!(check_file_name(bad).is_err(), "{bad:?}");
        }
        check_file_name("Kassa_1.2.0_amd64.deb").unwrap();
        assert!(check_target("linux", "x86_64").is_ok());
        assert!(check_target("linux;", "x86_64").is_err());
        assert!(check_target("linux", "sparc").is_err());
        assert!(parse_version("v", "1.2").is_err());
        assert!(parse_version("v", "v1.2.3").is_ok());
    }
}
