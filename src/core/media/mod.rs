//! Media files: what they are (sniffing, headers) and whether X takes them.

pub mod cache;
pub mod captions;
pub mod check;
pub mod convert;
pub mod ffmpeg;
pub mod languages;
pub mod location;
pub mod metadata;
pub mod prepare;
pub mod probe;
pub mod video;
pub mod warning;
pub mod webm;

use std::io::Read;
use std::path::Path;

use sha2::{Digest, Sha256};

/// SHA-256 of a file, hex, read in 256 KiB slices.
pub fn sha256_file(path: &Path) -> std::io::Result<String> {
    let mut file = std::fs::File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 256 * 1024];
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hex::encode(hasher.finalize()))
}

#[doc(hidden)]
pub mod testdata;
