//! The desktop around the window: opening links and folders, notifications,
//! the native file dialog, pictures on the clipboard, and photo previews.
//! All of it runs off the window's thread.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use tokio::sync::mpsc::UnboundedSender;

use super::tiles::EventSender;
use super::worker::Internal;
use super::{AppEvent, TileEvent, TileKey};

pub fn open_url(url: &str) {
    if let Err(e) = open::that_detached(url) {
        tracing::warn!("could not open {url}: {e}");
    }
}

pub fn notify(title: String, body: String) {
    tokio::task::spawn_blocking(move || {
        let shown = notify_rust::Notification::new()
            .appname("X Uploader")
            .summary(&title)
            .body(&body)
            .timeout(notify_rust::Timeout::Milliseconds(8000))
            .show();
        if let Err(e) = shown {
            tracing::info!("no desktop notification: {e}");
        }
    });
}

/// The native dialog, on a thread of its own. An empty answer that came
/// back faster than a person can cancel means no dialog could be shown.
pub fn pick_files(internal: UnboundedSender<Internal>) {
    std::thread::spawn(move || {
        let started = Instant::now();
        let files = rfd::FileDialog::new()
            .set_title("Add photos or video")
            .add_filter(
                "Photos and videos",
                &["jpg", "jpeg", "png", "webp", "gif", "mp4", "mov", "m4v"],
            )
            .add_filter("All files", &["*"])
            .pick_files()
            .unwrap_or_default();
        let too_fast = started.elapsed() < Duration::from_millis(400);
        let _ = internal.send(Internal::FilesPicked(files, too_fast));
    });
}

/// Save a pasted picture (RGBA) as a PNG in `dir` (blocking: encodes).
pub fn save_pasted(dir: &Path, width: u32, height: u32, rgba: &[u8]) -> Result<PathBuf, String> {
    let rgba = image::RgbaImage::from_raw(width, height, rgba.to_vec())
        .ok_or_else(|| "The pasted picture could not be read.".to_string())?;
    std::fs::create_dir_all(dir).map_err(|e| format!("Can't save the pasted picture: {e}."))?;
    // Two pastes in one second get two files (a number added).
    let stem = chrono::Local::now()
        .format("Pasted %Y-%m-%d %H.%M.%S")
        .to_string();
    let path = (1..)
        .map(|n| match n {
            1 => dir.join(format!("{stem}.png")),
            n => dir.join(format!("{stem} ({n}).png")),
        })
        .find(|p| !p.exists())
        .unwrap_or_else(|| dir.join(format!("{stem}.png")));
    rgba.save(&path)
        .map_err(|e| format!("Can't save the pasted picture: {e}."))?;
    Ok(path)
}

/// Decode a photo (or a GIF's first frame) into a preview of at most
/// 320 px, off the window's thread. A video of `video_secs` shows a picture
/// from about a second in, where ffmpeg is installed.
pub fn thumbnail(key: TileKey, path: PathBuf, video_secs: Option<f64>, send: EventSender) {
    tokio::task::spawn_blocking(move || {
        // A decoder that panics on a bad file costs the preview, not the app.
        let decoded = crate::core::panic_guard::catching(|| {
            let img = match video_secs {
                Some(secs) => crate::core::media::ffmpeg::frame(&path, secs.min(2.0) / 2.0, 320)
                    .map(image::DynamicImage::from)
                    .map_err(|e| e.to_string())?,
                None => image::ImageReader::open(&path)
                    .and_then(|r| r.with_guessed_format())
                    .map_err(|e| e.to_string())?
                    .decode()
                    .map_err(|e| e.to_string())?,
            };
            Ok::<_, String>(img.thumbnail(320, 320).to_rgba8())
        });
        match decoded {
            Ok(Ok(small)) => send(AppEvent::Tile(
                key,
                TileEvent::Thumbnail {
                    width: small.width(),
                    height: small.height(),
                    rgba: std::sync::Arc::new(small.into_raw()),
                },
            )),
            Ok(Err(e)) => tracing::info!("no preview for {}: {e}", path.display()),
            Err(_) => tracing::warn!("the preview of {} crashed its decoder", path.display()),
        }
    });
}
