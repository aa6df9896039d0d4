//! Converting in the composer: a photo being made to fit says so on its
//! tile ("Making it smaller…"), and a video X's processing refused can be
//! converted for X with ffmpeg ("Convert for X": H.264 + AAC, a progress
//! bar and Cancel), then uploaded in its place. The converted copy lives in
//! the app's cache and goes with its tile.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use super::worker::{Internal, Worker};
use crate::core::draft::{ConvertOffer, Converting, MediaState, TileKey};
use crate::core::limits::MediaKind;
use crate::core::media::check::{self, CheckedMedia};
use crate::core::media::ffmpeg::{self, FfmpegError};
use crate::core::xclient::{ErrorKind, XError};

/// What a video's conversion came to: the copy to upload, the words of
/// why not, or `None` when the user cancelled it.
pub(super) type Conversion = Result<CheckedMedia, Option<String>>;

/// A conversion under way: how to stop it, and the state to go back to.
pub(super) struct Running {
    cancel: Arc<AtomicBool>,
    before: MediaState,
}

impl Running {
    pub fn stop(&self) {
        self.cancel.store(true, Ordering::Relaxed);
    }
}

impl Worker {
    /// A photo started converting (off the loop): the tile says what.
    pub(super) fn preparing(&mut self, key: TileKey, doing: String) {
        let Some(slot) = self.tiles.get_mut(&key) else {
            return;
        };
        if slot.tile.state != MediaState::Checking {
            return;
        }
        slot.tile.converting = Some(Converting {
            doing,
            fraction: None,
            cancellable: false,
        });
        // Making it smaller takes a moment: show the photo meanwhile, from
        // the user's own file where our decoder reads it (a HEIC's preview
        // comes from its converted copy, once made).
        let readable =
            image::ImageFormat::from_path(&slot.tile.path).is_ok_and(|f| f.reading_enabled());
        if readable && !slot.previewed {
            slot.previewed = true;
            let path = slot.tile.path.clone();
            super::desktop::thumbnail(key, path, None, self.event_sender());
        }
        self.set_state(key, MediaState::Converting);
    }

    /// X's processing refused a video: offer to convert it (or say what
    /// to install). A video already converted here isn't offered again.
    pub(super) fn offer_conversion(&mut self, key: TileKey, error: &XError) {
        let Some(slot) = self.tiles.get_mut(&key) else {
            return;
        };
        let converted = slot.checked.as_ref().is_some_and(|c| c.source.is_some());
        if error.kind != ErrorKind::ProcessingFailed
            || slot.tile.kind() != Some(MediaKind::Video)
            || converted
        {
            return;
        }
        slot.tile.convert = Some(if ffmpeg::installed() {
            ConvertOffer::Convert
        } else {
            ConvertOffer::Missing(FfmpegError::Missing.to_string())
        });
    }

    /// "Convert for X": ffmpeg makes an H.264 + AAC copy in the cache.
    pub(super) fn convert_video(&mut self, key: TileKey) {
        let tier = self.tier();
        let keep = self.config.file.upload.keep_location.unwrap_or(false);
        let cache = self.config.paths.prepared();
        let Some(slot) = self.tiles.get_mut(&key) else {
            return;
        };
        let Some(media) = slot.checked.clone() else {
            return;
        };
        if slot.tile.convert != Some(ConvertOffer::Convert)
            || slot.converting.is_some()
            || !slot.tile.state.allows(&MediaState::Converting)
        {
            return;
        }
        let input = media.source.clone().unwrap_or_else(|| media.path.clone());
        let output = match cache.slot(&input, "x-video-1") {
            Ok(dir) => dir.join(format!("{} (for X).mp4", stem(&media.name))),
            Err(e) => {
                let message = format!("Can't convert {}: {e}.", media.name);
                self.emit(super::AppEvent::Notice(message));
                return;
            }
        };
        let cancel = Arc::new(AtomicBool::new(false));
        slot.converting = Some(Running {
            cancel: cancel.clone(),
            before: slot.tile.state.clone(),
        });
        slot.tile.converting = Some(Converting {
            doing: "Converting for X…".into(),
            fraction: Some(0.0),
            cancellable: true,
        });
        self.set_state(key, MediaState::Converting);
        let internal = self.internal.clone();
        let duration = media.video.as_ref().map_or(0.0, |v| v.duration_secs);
        tokio::task::spawn_blocking(move || {
            let progress = |f: f64| {
                let _ = internal.send(Internal::ConvertProgress(key, f as f32));
            };
            let made = output
                .parent()
                .map_or(Ok(()), std::fs::create_dir_all)
                .map_err(|e| FfmpegError::Failed(format!("Can't save the converted video: {e}.")))
                .and_then(|()| ffmpeg::convert_for_x(&input, &output, duration, &cancel, progress));
            let result = match made {
                Ok(()) => {
                    checked_copy(&output, &input, &media, tier).map(|c| c.keep_location(keep))
                }
                Err(FfmpegError::Cancelled) => Err(None),
                Err(e) => Err(Some(e.to_string())),
            };
            let _ = internal.send(Internal::Converted(key, output, Box::new(result)));
        });
    }

    /// Cancel a video's conversion, if one runs for this tile.
    pub(super) fn cancel_conversion(&self, key: TileKey) -> bool {
        let running = self.tiles.get(&key).and_then(|s| s.converting.as_ref());
        running.inspect(|r| r.stop()).is_some()
    }

    pub(super) fn convert_progress(&mut self, key: TileKey, fraction: f32) {
        let Some(slot) = self.tiles.get_mut(&key) else {
            return;
        };
        if let Some(c) = slot
            .tile
            .converting
            .as_mut()
            .filter(|_| slot.converting.is_some())
        {
            c.fraction = Some(fraction);
            self.show(key);
        }
    }

    pub(super) fn converted(&mut self, key: TileKey, output: PathBuf, result: Conversion) {
        let cache = self.config.paths.prepared();
        let running = self.tiles.get_mut(&key).and_then(|s| s.converting.take());
        let (Some(running), Some(slot)) = (running, self.tiles.get_mut(&key)) else {
            // The tile went meanwhile: so does its copy.
            cache.discard(&output);
            return;
        };
        slot.tile.converting = None;
        let media = match result {
            Ok(media) => media,
            Err(why) => {
                cache.discard(&output);
                let back = match why {
                    None => running.before,
                    Some(message) => {
                        slot.tile.convert = None;
                        MediaState::Failed {
                            message,
                            retryable: false,
                        }
                    }
                };
                self.set_state(key, back);
                return;
            }
        };
        // The upload X refused is over: the converted copy goes up instead.
        if let Some(r) = slot.record.take() {
            r.remove();
        }
        slot.resume = None;
        slot.uploaded = None;
        slot.tile.convert = None;
        slot.tile.info = Some(super::tiles::media_info(&media));
        slot.checked = Some(media);
        self.start_upload(key);
        self.save_draft();
    }
}

/// The converted file, checked as X will see it, named as the user's.
fn checked_copy(
    output: &std::path::Path,
    input: &std::path::Path,
    original: &CheckedMedia,
    tier: crate::core::limits::AccountTier,
) -> Conversion {
    let mut c = check::check_file(output, tier).map_err(|r| Some(r.message))?;
    c.name = original.name.clone();
    c.source = Some(input.to_path_buf());
    c.note = Some("Converted for X (H.264 + AAC)".into());
    Ok(c)
}

fn stem(name: &str) -> String {
    std::path::Path::new(name)
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "video".into())
}
