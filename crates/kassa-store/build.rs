//! Embeds every `migrations/NNNN_name.sql` file, in order, into the store.

use std::{env, fs, path::PathBuf};

fn main() {
    let dir = PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("manifest dir"))
        .join("../../migrations");
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut files: Vec<(u32, String, PathBuf)> = Vec::new();
    for entry in fs::read_dir(&dir).expect("migrations folder") {
        let path = entry.expect("migration entry").path();
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_string();
        if !name.ends_with(".sql") {
            continue;
        }
        println!("cargo:rerun-if-changed={}", path.display());
        let version: u32 = name
            .split('_')
            .next()
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("migration {name} must start with a number"));
        files.push((version, name, path));
    }
    files.sort();
    // Versions strictly increase; a gap is allowed, because branches number their migrations
    // ahead of one another (0008 may land before 0007). A database records the highest
    // version it has, so a migration numbered below it is never applied to it: merge the
    // lower one in before shipping the higher one.
    for pair in files.windows(2) {
        assert!(
            pair[0].0 < pair[1].0,
            "migrations {} and {} share a version",
            pair[0].1,
            pair[1].1
        );
    }
    assert!(
        files.first().is_none_or(|f| f.0 == 1),
        "the first migration must be 0001"
    );
    let body: String = files
        .iter()
        .map(|(v, name, path)| {
            format!(
                "    ({v}, {name:?}, include_str!({:?})),\n",
                path.canonicalize().expect("path").display()
            )
        })
        .collect();
    let out = PathBuf::from(env::var("OUT_DIR").expect("out dir")).join("migrations.rs");
    fs::write(out, format!("&[\n{body}]\n")).expect("write migrations.rs");
}
