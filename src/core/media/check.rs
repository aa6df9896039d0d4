//! Checks before any byte is sent: what the file is (by content, not by its
//! name), and whether X takes it for this account. Each refusal names the
//! file and the limit, and says what to do.

use std::path::{Path, PathBuf};

use crate::core::compose;
use crate::core::limits::{
    ALT_TEXT_MAX_CHARS, AccountTier, LIMITS, MAX_UPLOAD_BYTES, MediaKind, human_bytes,
    human_duration, human_limit, human_span,
};

use super::location::Patch;
use super::probe::{self, GifInfo, VideoInfo};
use super::webm;

/// A file that passed the checks.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckedMedia {
    pub path: PathBuf,
    /// The name a person recognises ("launch.mp4").
    pub name: String,
    pub kind: MediaKind,
    /// The MIME type found in the content.
    pub mime: String,
    pub bytes: u64,
    pub video: Option<VideoInfo>,
    pub gif: Option<GifInfo>,
    /// Bytes sent differently from the file's: its location entries
    /// blanked (see [`CheckedMedia::keep_location`]).
    pub patches: Vec<Patch>,
    /// The user's file when `path` is a copy made ready for X (cleaned or
    /// converted, in the app's cache).
    pub source: Option<PathBuf>,
    /// What was done to the copy, in one line ("Location removed").
    pub note: Option<String>,
}

impl CheckedMedia {
    /// Send the file's location entries as they are (`--keep-location`).
    pub fn keep_location(mut self, keep: bool) -> Self {
        if keep {
            self.patches.clear();
        }
        self
    }
}

/// Why a file can't be posted, in one or two plain sentences.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct Refusal {
    pub name: String,
    pub message: String,
}

pub fn display_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}

fn refuse(name: &str, message: impl Into<String>) -> Refusal {
    Refusal {
        name: name.to_string(),
        message: message.into(),
    }
}

/// Check one file for an account of `tier`.
pub fn check_file(path: &Path, tier: AccountTier) -> Result<CheckedMedia, Refusal> {
    let name = display_name(path);
    let meta = std::fs::metadata(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => refuse(
            &name,
            format!(
                "Can't find {}. Check the name and the folder.",
                path.display()
            ),
        ),
        std::io::ErrorKind::PermissionDenied => refuse(
            &name,
            format!("Can't open {name}: permission denied. Check that you may read it."),
        ),
        _ => refuse(&name, format!("Can't open {name}: {e}.")),
    })?;
    if meta.is_dir() {
        return Err(refuse(
            &name,
            format!("{name} is a folder. Choose the photos or the video inside it."),
        ));
    }
    let bytes = meta.len();
    if bytes == 0 {
        return Err(refuse(
            &name,
            format!("{name} is empty (0 bytes). Choose the finished file."),
        ));
    }
    let sniffed = probe::sniff(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::PermissionDenied => refuse(
            &name,
            format!("Can't open {name}: permission denied. Check that you may read it."),
        ),
        _ => refuse(&name, format!("Can't read {name}: {e}.")),
    })?;
    let Some(sniffed) = sniffed else {
        return Err(refuse(
            &name,
            format!(
                "{name} isn't a photo or video X accepts: its content is not JPEG, PNG, WEBP, GIF, MP4 or MOV. Export it as JPEG (photos) or MP4 (videos)."
            ),
        ));
    };
    let Some(kind) = sniffed.kind else {
        return Err(refuse(&name, unsupported_type(&name, &sniffed.mime)));
    };
    let mut checked = CheckedMedia {
        path: path.to_path_buf(),
        name: name.clone(),
        kind,
        mime: sniffed.mime,
        bytes,
        video: None,
        gif: None,
        patches: Vec::new(),
        source: None,
        note: None,
    };
    match kind {
        MediaKind::Photo => {
            if bytes > LIMITS.photo_max_bytes {
                return Err(refuse(
                    &name,
                    format!(
                        "{name} is {}; X takes photos up to {}. Export it smaller (for example 2048 pixels wide) and add it again.",
                        human_bytes(bytes),
                        human_limit(LIMITS.photo_max_bytes)
                    ),
                ));
            }
        }
        MediaKind::Gif => {
            if bytes > LIMITS.gif_max_bytes {
                return Err(refuse(
                    &name,
                    format!(
                        "{name} is {}; X takes GIFs up to {}. Make it shorter or smaller, or export it as an MP4 video.",
                        human_bytes(bytes),
                        human_limit(LIMITS.gif_max_bytes)
                    ),
                ));
            }
            let info = probe::probe_gif(path).map_err(|why| {
                refuse(
                    &name,
                    format!("{name} looks like a GIF but can't be read ({why}). Export it again."),
                )
            })?;
            check_gif(&name, &info)?;
            checked.gif = Some(info);
        }
        MediaKind::Video => {
            if bytes > MAX_UPLOAD_BYTES {
                return Err(refuse(
                    &name,
                    format!(
                        "{name} is {}; X's upload takes at most 1000 pieces of 5 MB ({}). Export it smaller.",
                        human_bytes(bytes),
                        human_bytes(MAX_UPLOAD_BYTES)
                    ),
                ));
            }
            let limits = LIMITS.video(tier);
            if bytes > limits.max_bytes {
                return Err(refuse(
                    &name,
                    format!(
                        "{name} is {}; this account can post videos up to {}.",
                        human_bytes(bytes),
                        human_limit(limits.max_bytes)
                    ),
                ));
            }
            let info = match probe::probe_video(path, &checked.mime) {
                Ok(info) => info,
                // A live-recorded WebM doesn't say its length: X reads it.
                Err(why) if why == webm::WEBM_NO_DURATION => return Ok(checked),
                Err(why) => {
                    return Err(refuse(
                        &name,
                        format!(
                            "{name} looks like a video but can't be read: {why}. Export it again as MP4."
                        ),
                    ));
                }
            };
            let secs = info.duration_secs;
            if secs < limits.min_secs {
                return Err(refuse(
                    &name,
                    format!(
                        "{name} is {secs:.1} seconds long; X needs videos of at least {}.",
                        human_span(limits.min_secs)
                    ),
                ));
            }
            if secs > limits.max_secs {
                let upgrade = match tier {
                    AccountTier::Standard => format!(
                        " (X Premium accounts can post up to {})",
                        human_span(LIMITS.video_premium.max_secs)
                    ),
                    AccountTier::Premium => String::new(),
                };
                return Err(refuse(
                    &name,
                    format!(
                        "{name} is {} long; this account can post videos up to {}{upgrade}. Trim it and add it again.",
                        human_duration(secs),
                        human_span(limits.max_secs)
                    ),
                ));
            }
            checked.patches = info.location.clone();
            checked.video = Some(info);
        }
    }
    Ok(checked)
}

fn check_gif(name: &str, g: &GifInfo) -> Result<(), Refusal> {
    if g.width > LIMITS.gif_max_width || g.height > LIMITS.gif_max_height {
        return Err(refuse(
            name,
            format!(
                "{name} is {}×{} pixels; X takes GIFs up to {}×{}. Make it smaller, or export it as an MP4 video.",
                g.width, g.height, LIMITS.gif_max_width, LIMITS.gif_max_height
            ),
        ));
    }
    if g.frames > LIMITS.gif_max_frames {
        return Err(refuse(
            name,
            format!(
                "{name} has {} frames; X takes GIFs of up to {}. Make it shorter, or export it as an MP4 video.",
                g.frames, LIMITS.gif_max_frames
            ),
        ));
    }
    if g.width as u64 * g.height as u64 * g.frames as u64 > LIMITS.gif_max_pixels {
        return Err(refuse(
            name,
            format!(
                "{name} is too large in all (size × frames). Make it shorter or smaller, or export it as an MP4 video."
            ),
        ));
    }
    Ok(())
}

fn unsupported_type(name: &str, mime: &str) -> String {
    match mime {
        "image/heif" => format!(
            "{name} is a HEIC photo, which X doesn't take. Export it as JPEG (on a Mac: open it in Preview, File › Export, JPEG; on an iPhone: Settings › Camera › Formats › Most Compatible) and add that."
        ),
        "image/avif"
        | "image/tiff"
        | "image/bmp"
        | "image/x-icon"
        | "image/vnd.adobe.photoshop" => {
            format!(
                "{name} is a {} image, which X doesn't take. Export it as JPEG or PNG and add that.",
                short_type(mime)
            )
        }
        m if m.starts_with("video/") => format!(
            "{name} is a {} video; X takes MP4 or MOV. Export it as MP4 and add that.",
            short_type(mime)
        ),
        m if m.starts_with("image/") => format!(
            "{name} is a {} image, which X doesn't take. Export it as JPEG or PNG and add that.",
            short_type(mime)
        ),
        _ => format!(
            "{name} isn't a photo or video (it is {}). X takes JPEG, PNG, WEBP and GIF photos and MP4 or MOV videos.",
            short_type(mime)
        ),
    }
}

fn short_type(mime: &str) -> String {
    let sub = mime.rsplit('/').next().unwrap_or(mime);
    sub.trim_start_matches("x-").to_uppercase()
}

/// Alt text for a file of `kind`.
pub fn check_alt(name: &str, kind: MediaKind, alt: &str) -> Result<(), Refusal> {
    if alt.is_empty() {
        return Ok(());
    }
    if !kind.takes_alt_text() {
        return Err(refuse(
            name,
            format!(
                "{name} is a video: X takes alt text on photos and GIFs only. Leave its alt text empty."
            ),
        ));
    }
    if let Some(n) = compose::alt_text_too_long(alt) {
        return Err(refuse(
            name,
            format!(
                "The alt text for {name} is {n} characters; X allows {ALT_TEXT_MAX_CHARS}. Shorten it by {}.",
                n - ALT_TEXT_MAX_CHARS
            ),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::media::testdata;

    #[test]
    fn refusals_name_the_file_and_the_limit() {
        let dir = tempfile::tempdir().unwrap();
        let p = |n: &str| dir.path().join(n);

        let big = p("team.jpg");
        testdata::write_jpeg(&big, 10, 10, Some(6_500_000)).unwrap();
        let e = check_file(&big, AccountTier::Standard).unwrap_err();
        assert!(
            e.message
                .contains("team.jpg is 6.2 MB; X takes photos up to 5 MB"),
            "{e}"
        );

        std::fs::write(p("notes.mp4"), "just text\n").unwrap();
        let e = check_file(&p("notes.mp4"), AccountTier::Standard).unwrap_err();
        assert!(
            e.message
                .contains("notes.mp4 isn't a photo or video X accepts"),
            "{e}"
        );

        testdata::write_heic(&p("IMG_1.heic")).unwrap();
        let e = check_file(&p("IMG_1.heic"), AccountTier::Standard).unwrap_err();
        assert!(e.message.contains("Export it as JPEG"), "{e}");

        let short = p("short.mp4");
        testdata::write_video(&short, 0.3, 10_000, testdata::Container::Mp4).unwrap();
        let e = check_file(&short, AccountTier::Standard).unwrap_err();
        assert!(
            e.message
                .contains("0.3 seconds long; X needs videos of at least 0.5 seconds"),
            "{e}"
        );

        let long = p("talk.mov");
        testdata::write_video(&long, 21.0 * 60.0, 50_000, testdata::Container::Mov).unwrap();
        let e = check_file(&long, AccountTier::Standard).unwrap_err();
        assert!(
            e.message
                .contains("talk.mov is 21:00 long; this account can post videos up to 20 minutes"),
            "{e}"
        );
        let ok = check_file(&long, AccountTier::Premium).unwrap();
        assert_eq!(ok.mime, "video/quicktime");
        assert_eq!(ok.kind, MediaKind::Video);

        let gif = p("wide.gif");
        testdata::write_gif(&gif, 1300, 10, 2).unwrap();
        let e = check_file(&gif, AccountTier::Standard).unwrap_err();
        assert!(
            e.message
                .contains("1300×10 pixels; X takes GIFs up to 1280×1080"),
            "{e}"
        );

        let e = check_file(&p("missing.jpg"), AccountTier::Standard).unwrap_err();
        assert!(e.message.contains("Can't find"), "{e}");
        let e = check_file(dir.path(), AccountTier::Standard).unwrap_err();
        assert!(e.message.contains("is a folder"), "{e}");
        std::fs::write(p("empty.mp4"), "").unwrap();
        let e = check_file(&p("empty.mp4"), AccountTier::Standard).unwrap_err();
        assert!(e.message.contains("is empty"), "{e}");
    }

    #[test]
    fn type_comes_from_content_not_the_name() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("actually-a-png.jpg");
        testdata::write_png(&p, 10, 10, None).unwrap();
        let c = check_file(&p, AccountTier::Standard).unwrap();
        assert_eq!(c.mime, "image/png");
        assert_eq!(c.kind, MediaKind::Photo);
    }

    #[test]
    fn alt_text_rules() {
        assert!(check_alt("a.mp4", MediaKind::Video, "").is_ok());
        assert!(
            check_alt("a.mp4", MediaKind::Video, "x")
                .unwrap_err()
                .message
                .contains("photos and GIFs only")
        );
        let e = check_alt("a.jpg", MediaKind::Photo, &"x".repeat(1001)).unwrap_err();
        assert!(e.message.contains("1001 characters; X allows 1000"));
        assert!(check_alt("a.gif", MediaKind::Gif, &"x".repeat(1000)).is_ok());
    }
}
