//! Reading what a file is from its content: type sniffing (`infer`), what a
//! video is from its header ([`super::video`]), GIF size and frames (`gif`).
//! Only headers are read; a 5 GB video costs a few hundred KB of reads.

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::Path;

pub use super::video::VideoInfo;
use super::{video, webm};
use crate::core::limits::{MediaKind, kind_of_mime};

/// What sniffing the first bytes found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sniffed {
    /// The MIME type found in the content ("image/heif", "text/plain"...).
    pub mime: String,
    /// The kind X would take it as, if we send this type at all.
    pub kind: Option<MediaKind>,
}

/// Sniff the first 8 KiB of `path`. `None` when the content has no known
/// signature (text, random bytes, an empty file).
pub fn sniff(path: &Path) -> std::io::Result<Option<Sniffed>> {
    let mut head = Vec::with_capacity(8192);
    File::open(path)?.take(8192).read_to_end(&mut head)?;
    Ok(sniff_bytes(&head))
}

pub fn sniff_bytes(head: &[u8]) -> Option<Sniffed> {
    let found = infer::get(head)?;
    let mime = match found.mime_type() {
        // iTunes-style .m4v is an MP4 container.
        "video/x-m4v" => "video/mp4",
        other => other,
    };
    Some(Sniffed {
        mime: mime.to_string(),
        kind: kind_of_mime(mime),
    })
}

/// What an MP4, MOV or WebM video is, from its header (see [`super::video`]).
/// The error is a short reason ("it has no movie header (moov)").
pub fn probe_video(path: &Path, mime: &str) -> Result<VideoInfo, String> {
    let file = File::open(path).map_err(|e| e.to_string())?;
    let size = file.metadata().map_err(|e| e.to_string())?.len();
    guard(|| {
        if mime == "video/webm" {
            webm::read_webm(BufReader::with_capacity(16 * 1024, file), size)
        } else {
            // Unbuffered: a read per box header, each exactly as long as
            // needed (a buffer would read ahead into every mdat it skips).
            let mut file = file;
            video::read(&mut file, size)
        }
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GifInfo {
    pub width: u32,
    pub height: u32,
    pub frames: u32,
}

/// Size and frame count of a GIF, without decoding its pixels.
pub fn probe_gif(path: &Path) -> Result<GifInfo, String> {
    let file = File::open(path).map_err(|e| e.to_string())?;
    guard(|| {
        let mut options = gif::DecodeOptions::new();
        options.skip_frame_decoding(true);
        let mut decoder = options
            .read_info(BufReader::new(file))
            .map_err(|e| e.to_string())?;
        let (width, height) = (decoder.width() as u32, decoder.height() as u32);
        let mut frames = 0u32;
        // With frame decoding skipped, this hands back the compressed bytes.
        while decoder
            .read_next_frame()
            .map_err(|e| e.to_string())?
            .is_some()
        {
            frames += 1;
        }
        Ok(GifInfo {
            width,
            height,
            frames,
        })
    })
}

/// Parsers of untrusted files must never take the app down: a panic inside
/// one becomes an error.
fn guard<T>(f: impl FnOnce() -> Result<T, String>) -> Result<T, String> {
    crate::core::panic_guard::catching(f)
        .unwrap_or_else(|_| Err("the file's structure could not be read".into()))
}
