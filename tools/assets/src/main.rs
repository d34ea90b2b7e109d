//! `make site` runs this on `target/site/pkg` once the bundle is built: each asset the pages
//! load (the JavaScript glue, the wasm, the stylesheet) is copied under a name that carries a
//! hash of its content, with a brotli and a gzip copy beside it, and `assets.json` names them
//! for the server. A name that changes whenever the content does can be cached for a year
//! (`immutable`) by browsers and CDNs alike; the server serves the `.br` or `.gz` the browser
//! accepts instead of compressing on every request.

use std::collections::BTreeMap;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use sha2::{Digest, Sha256};

/// (what the server calls it, the file wasm-bindgen and the Makefile wrote).
const ASSETS: [(&str, &str); 3] = [
    ("js", "denglu.js"),
    ("wasm", "denglu_bg.wasm"),
    ("css", "denglu.css"),
];
/// Hex digits of the SHA-256 kept in a name: 64 bits, plenty against collisions of one file.
const HASH_DIGITS: usize = 16;

fn main() -> ExitCode {
    let Some(dir) = std::env::args_os().nth(1).map(PathBuf::from) else {
        eprintln!("usage: assets <site pkg directory>");
        return ExitCode::from(2);
    };
    match fingerprint(&dir) {
        Ok(manifest) => {
            for (kind, name) in &manifest {
                println!("{kind}: {name}");
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("assets: {e}");
            ExitCode::FAILURE
        }
    }
}

fn fingerprint(dir: &Path) -> Result<BTreeMap<&'static str, String>, String> {
    let mut manifest = BTreeMap::new();
    for (kind, file) in ASSETS {
        let path = dir.join(file);
        let bytes = fs::read(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let name = hashed_name(file, &bytes);
        write(&dir.join(&name), &bytes)?;
        write(&dir.join(format!("{name}.br")), &brotli(&bytes)?)?;
        write(&dir.join(format!("{name}.gz")), &gzip(&bytes)?)?;
        manifest.insert(kind, name);
    }
    remove_stale(dir, &manifest)?;
    let json = serde_json::to_string_pretty(&manifest).expect("a map of strings");
    write(&dir.join("assets.json"), json.as_bytes())?;
    Ok(manifest)
}

/// `denglu.js` → `denglu-0123456789abcdef.js`.
fn hashed_name(file: &str, bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    let (stem, extension) = file.rsplit_once('.').unwrap_or((file, ""));
    format!("{stem}-{}.{extension}", &hex[..HASH_DIGITS])
}

/// Earlier builds' hashed copies, which nothing names any more.
fn remove_stale(dir: &Path, current: &BTreeMap<&'static str, String>) -> Result<(), String> {
    let entries = fs::read_dir(dir).map_err(|e| format!("cannot list {}: {e}", dir.display()))?;
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let is_hashed_copy = ASSETS.iter().any(|(_, file)| {
            let stem = file.rsplit_once('.').map_or(*file, |(s, _)| s);
            name.starts_with(&format!("{stem}-"))
        });
        let keep = current
            .values()
            .any(|kept| name == *kept || name.starts_with(&format!("{kept}.")));
        if is_hashed_copy && !keep {
            fs::remove_file(entry.path()).map_err(|e| format!("cannot remove {name}: {e}"))?;
        }
    }
    Ok(())
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
    fn stale_copies_go_and_current_ones_stay() {
        let dir = std::env::temp_dir().join(format!("assets-test-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        for (_, file) in ASSETS {
            fs::write(dir.join(file), file.as_bytes()).unwrap();
        }
        fs::write(dir.join("denglu-0000000000000000.js"), b"old").unwrap();
        fs::write(dir.join("denglu-0000000000000000.js.br"), b"old").unwrap();
        let manifest = fingerprint(&dir).unwrap();
        assert!(!dir.join("denglu-0000000000000000.js").exists());
        assert!(!dir.join("denglu-0000000000000000.js.br").exists());
        for name in manifest.values() {
            for suffix in ["", ".br", ".gz"] {
                assert!(
                    dir.join(format!("{name}{suffix}")).exists(),
                    "{name}{suffix}"
                );
            }
        }
        assert!(
            dir.join("denglu.js").exists(),
            "the plain names stay for development"
        );
        fs::remove_dir_all(&dir).unwrap();
    }
}
