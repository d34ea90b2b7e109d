//! `make site` runs this on `target/site/pkg` once the bundles are built: each asset the pages
//! load (each bundle's JavaScript glue and wasm, the stylesheet) is copied under a name that
//! carries a hash of its content, with a brotli and a gzip copy beside it, and `assets.json`
//! names them for the server, with the islands each bundle can hydrate (the functions its glue
//! exports). A name that changes whenever the content does can be cached for a year
//! (`immutable`) by browsers and CDNs alike; the server serves the `.br` or `.gz` the browser
//! accepts instead of compressing on every request.
//!
//! Usage: `assets PKG_DIR [BUNDLE...]`, the bundles' names as wasm-bindgen wrote them
//! (`denglu` for `denglu.js` and `denglu_bg.wasm`), lightest first; `denglu` when none is given.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use serde_json::{Value, json};
use sha2::{Digest, Sha256};

/// The stylesheet, as the Makefile names it.
const STYLESHEET: &str = "denglu.css";
/// Hex digits of the SHA-256 kept in a name: 64 bits, plenty against collisions of one file.
const HASH_DIGITS: usize = 16;

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let Some(dir) = args.next().map(PathBuf::from) else {
        eprintln!("usage: assets <site pkg directory> [bundle...]");
        return ExitCode::from(2);
    };
    let mut bundles: Vec<String> = args.collect();
    if bundles.is_empty() {
        bundles.push("denglu".to_string());
    }
    match fingerprint(&dir, &bundles) {
        Ok(manifest) => {
            println!("{}", serde_json::to_string_pretty(&manifest).expect("JSON"));
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("assets: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Writes the copies and `assets.json`; answers the manifest.
fn fingerprint(dir: &Path, bundles: &[String]) -> Result<Value, String> {
    let mut written = Vec::new();
    let css = copy(dir, STYLESHEET, &mut written)?;
    let mut listed = Vec::new();
    for bundle in bundles {
        let js_file = format!("{bundle}.js");
        let glue = fs::read_to_string(dir.join(&js_file))
            .map_err(|e| format!("cannot read {js_file}: {e}"))?;
        listed.push(json!({
            "js": copy(dir, &js_file, &mut written)?,
            "wasm": copy(dir, &format!("{bundle}_bg.wasm"), &mut written)?,
            "islands": exported_functions(&glue),
        }));
    }
    let manifest = json!({ "css": css, "bundles": listed });
    remove_stale(dir, &written)?;
    let text = serde_json::to_string_pretty(&manifest).expect("JSON");
    write(&dir.join("assets.json"), text.as_bytes())?;
    Ok(manifest)
}

/// Copies `file` under its hashed name, with its compressed twins; answers the new name.
fn copy(dir: &Path, file: &str, written: &mut Vec<String>) -> Result<String, String> {
    let path = dir.join(file);
    let bytes = fs::read(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let name = hashed_name(file, &bytes);
    write(&dir.join(&name), &bytes)?;
    write(&dir.join(format!("{name}.br")), &brotli(&bytes)?)?;
    write(&dir.join(format!("{name}.gz")), &gzip(&bytes)?)?;
    written.push(name.clone());
    Ok(name)
}

/// The functions a wasm-bindgen `--target web` glue file exports (`export function
/// QrPanel_123(el) {`): an island's hydration function is one of them, under the name its
/// `<leptos-island data-component>` carries.
fn exported_functions(glue: &str) -> Vec<String> {
    glue.lines()
        .filter_map(|line| line.strip_prefix("export function "))
        .filter_map(|rest| {
            rest.split_once('(')
                .map(|(name, _)| name.trim().to_string())
        })
        .filter(|name| name != "initSync")
        .collect()
}

/// `denglu.js` → `denglu-0123456789abcdef.js`.
fn hashed_name(file: &str, bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    let (stem, extension) = file.rsplit_once('.').unwrap_or((file, ""));
    format!("{stem}-{}.{extension}", &hex[..HASH_DIGITS])
}

/// Earlier builds' hashed copies, which nothing names any more.
/// Only copies of the files this run copied (by their stems) are ever removed.
fn remove_stale(dir: &Path, current: &[String]) -> Result<(), String> {
    let stems: Vec<&str> = current
        .iter()
        .filter_map(|name| name.rsplit_once('-').map(|(stem, _)| stem))
        .collect();
    let entries = fs::read_dir(dir).map_err(|e| format!("cannot list {}: {e}", dir.display()))?;
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let is_hashed_copy = is_fingerprinted(&name)
            && name
                .rsplit_once('-')
                .is_some_and(|(stem, _)| stems.contains(&stem));
        let keep = current
            .iter()
            .any(|kept| name == *kept || name.starts_with(&format!("{kept}.")));
        if is_hashed_copy && !keep {
            fs::remove_file(entry.path()).map_err(|e| format!("cannot remove {name}: {e}"))?;
        }
    }
    Ok(())
}

/// `…-{16 hex digits}.{extension}[.br|.gz]`, as [`hashed_name`] writes.
fn is_fingerprinted(name: &str) -> bool {
    let Some((stem, _extension)) = name.split_once('.') else {
        return false;
    };
    stem.rsplit_once('-').is_some_and(|(_, hash)| {
        hash.len() == HASH_DIGITS && hash.bytes().all(|b| b.is_ascii_hexdigit())
    })
}

fn write(path: &Path, bytes: &[u8]) -> Result<(), String> {
    fs::write(path, bytes).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

fn brotli(bytes: &[u8]) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    {
        // Quality 11 and a 4 MiB window: the slowest and smallest, paid once per build.
        let mut writer = brotli::CompressorWriter::new(&mut out, 64 * 1024, 11, 22);
        writer.write_all(bytes).map_err(|e| e.to_string())?;
    }
    Ok(out)
}

fn gzip(bytes: &[u8]) -> Result<Vec<u8>, String> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(bytes).map_err(|e| e.to_string())?;
    encoder.finish().map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_changes_with_its_content_and_only_then() {
        let a = hashed_name("denglu_bg.wasm", b"one");
        assert_eq!(a, hashed_name("denglu_bg.wasm", b"one"));
        assert_ne!(a, hashed_name("denglu_bg.wasm", b"two"));
        assert!(a.starts_with("denglu_bg-") && a.ends_with(".wasm"), "{a}");
        assert_eq!(a.len(), "denglu_bg-".len() + HASH_DIGITS + ".wasm".len());
    }

    #[test]
    fn the_compressed_copies_decompress_to_the_original() {
        use std::io::Read;
        let original = b"fn main() {}\n".repeat(200);
        let mut from_br = Vec::new();
        brotli::Decompressor::new(&brotli(&original).unwrap()[..], 4096)
            .read_to_end(&mut from_br)
            .unwrap();
        assert_eq!(from_br, original);
        let mut from_gz = Vec::new();
        flate2::read::GzDecoder::new(&gzip(&original).unwrap()[..])
            .read_to_end(&mut from_gz)
            .unwrap();
        assert_eq!(from_gz, original);
    }

    #[test]
    fn each_bundle_is_listed_with_its_islands_and_stale_copies_go() {
        let dir = std::env::temp_dir().join(format!("assets-test-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        fs::write(dir.join("denglu.css"), b"body {}").unwrap();
        for (bundle, islands) in [
            ("light", &["QrPanel_1"][..]),
            ("denglu", &["QrPanel_1", "Form_2"]),
        ] {
            let glue: String = islands
                .iter()
                .map(|name| format!("export function {name}(el) {{\n}}\n"))
                .collect();
            fs::write(
                dir.join(format!("{bundle}.js")),
                glue + "export function initSync(m) {}\n",
            )
            .unwrap();
            fs::write(dir.join(format!("{bundle}_bg.wasm")), bundle.as_bytes()).unwrap();
        }
        fs::write(dir.join("denglu-0000000000000000.js"), b"old").unwrap();
        fs::write(dir.join("denglu-0000000000000000.js.br"), b"old").unwrap();
        // Someone else's fingerprinted file is not ours to remove.
        fs::write(dir.join("vendor-0000000000000000.js"), b"theirs").unwrap();
        let manifest = fingerprint(&dir, &["light".into(), "denglu".into()]).unwrap();
        assert!(!dir.join("denglu-0000000000000000.js").exists());
        assert!(!dir.join("denglu-0000000000000000.js.br").exists());
        assert!(dir.join("vendor-0000000000000000.js").exists());

        let bundles = manifest["bundles"].as_array().unwrap();
        assert_eq!(bundles.len(), 2);
        assert!(bundles[0]["js"].as_str().unwrap().starts_with("light-"));
        assert!(
            bundles[1]["wasm"]
                .as_str()
                .unwrap()
                .starts_with("denglu_bg-")
        );
        assert_eq!(bundles[0]["islands"], serde_json::json!(["QrPanel_1"]));
        assert_eq!(
            bundles[1]["islands"],
            serde_json::json!(["QrPanel_1", "Form_2"])
        );
        let mut names = vec![manifest["css"].as_str().unwrap().to_string()];
        for bundle in bundles {
            names.push(bundle["js"].as_str().unwrap().to_string());
            names.push(bundle["wasm"].as_str().unwrap().to_string());
        }
        for name in names {
            assert!(is_fingerprinted(&name), "{name}");
            for suffix in ["", ".br", ".gz"] {
                assert!(
                    dir.join(format!("{name}{suffix}")).exists(),
                    "{name}{suffix}"
                );
            }
        }
        let written: Value =
            serde_json::from_slice(&fs::read(dir.join("assets.json")).unwrap()).unwrap();
        assert_eq!(written, manifest);
        assert!(
            dir.join("denglu.js").exists(),
            "the plain names stay for development"
        );
        fs::remove_dir_all(&dir).unwrap();
    }
}
