//! The post in the making, as one model: the service owns it, the window
//! draws what the service sends of it, the command line drives the same
//! engine. A media item is a [`Tile`] whose [`MediaState`] moves only as
//! `compose::state` allows; its chunk progress is a [`Progress`]. The draft
//! on disk is in [`file`].

mod extras;
pub mod file;
mod progress;

use std::path::PathBuf;
use std::time::Instant;

pub use crate::core::compose::{BadTransition, MediaState};
use crate::core::engine::Event;
use crate::core::limits::MediaKind;
pub use extras::{CaptionOffer, DraftCaption, TileCaption, TileExtras};
pub use progress::{Cell, Note, Progress, Rate};

/// One file in the composer.
pub type TileKey = u64;

/// What a tile's file turned out to be.
#[derive(Debug, Clone, PartialEq)]
pub struct MediaInfo {
    pub kind: MediaKind,
    pub bytes: u64,
    pub duration_secs: Option<f64>,
    /// A video's codec, size, frame rate, length and sound, in one line.
    pub details: Option<String>,
    /// What was done to a photo to make it ready ("Location removed").
    pub note: Option<String>,
}

/// One media item of the post, as the window shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct Tile {
    pub key: TileKey,
    /// Which post of the draft it belongs to (0: the first).
    pub post: usize,
    pub name: String,
    pub path: PathBuf,
    pub alt: String,
    pub info: Option<MediaInfo>,
    pub state: MediaState,
    /// Chunks, bytes sent, speed and the retry note, once its upload started.
    pub progress: Option<Progress>,
    /// While converting: what is being done, and how far.
    pub converting: Option<Converting>,
    /// X's processing refused this video: what can be done about it here.
    pub convert: Option<ConvertOffer>,
    /// Captions, an offered caption file, content warning.
    pub extras: TileExtras,
}

/// A conversion under way ("Making it smaller…", "Converting for X…").
#[derive(Debug, Clone, PartialEq)]
pub struct Converting {
    pub doing: String,
    /// 0.0–1.0 when known.
    pub fraction: Option<f32>,
    /// Can the user stop it (a video's conversion)?
    pub cancellable: bool,
}

/// What a tile offers once X's processing refused its video.
#[derive(Debug, Clone, PartialEq)]
pub enum ConvertOffer {
    /// ffmpeg is installed: "Convert for X".
    Convert,
    /// It isn't: what to install, or how to export the video instead.
    Missing(String),
}

impl Tile {
    pub fn new(key: TileKey, name: String, path: PathBuf, alt: String) -> Tile {
        Tile {
            key,
            post: 0,
            name,
            path,
            alt,
            info: None,
            state: MediaState::Checking,
            progress: None,
            converting: None,
            convert: None,
            extras: TileExtras::default(),
        }
    }

    pub fn kind(&self) -> Option<MediaKind> {
        self.info.as_ref().map(|i| i.kind)
    }

    pub fn takes_alt(&self) -> bool {
        self.kind().is_some_and(|k| k.takes_alt_text())
    }

    /// Move to `next` as the state machine allows (a refused move is a bug:
    /// logged, the state stays).
    pub fn go(&mut self, next: MediaState) -> bool {
        match self.state.go(next) {
            Ok(()) => true,
            Err(e) => {
                tracing::warn!("{}: {e}", self.name);
                false
            }
        }
    }

    /// Follow the engine's report of this tile's upload. The end of the
    /// upload (ready, failed, cancelled) is the service's to say.
    pub fn apply(&mut self, event: &Event, now: Instant) {
        match event {
            Event::Started {
                total_bytes,
                segments,
                segment_bytes,
                ..
            } => {
                // After a start-over the new plan keeps the reason on show.
                let note = self.progress.take().and_then(|p| p.note);
                let mut p = Progress::new(*total_bytes, *segments, *segment_bytes);
                p.note = note.filter(|n| matches!(n, Note::StartingOver(_)));
                self.progress = Some(p);
                self.go(MediaState::Uploading);
            }
            Event::Paused { .. } => {
                self.go(MediaState::Paused);
                if let Some(p) = &mut self.progress {
                    p.paused();
                }
            }
            Event::Resumed { .. } => {
                self.go(MediaState::Uploading);
            }
            Event::Finalizing { .. } => {
                self.go(MediaState::Finalizing);
                if let Some(p) = &mut self.progress {
                    p.note = None;
                }
            }
            Event::Processing { percent, .. } => {
                self.go(MediaState::Processing(*percent));
            }
            Event::SegmentStarted { .. }
            | Event::SegmentProgress { .. }
            | Event::SegmentDone { .. }
            | Event::Retrying { .. }
            | Event::StartingOver { .. } => {
                if let Some(p) = &mut self.progress {
                    p.apply(event, now);
                }
            }
            Event::MediaCreated { .. }
            | Event::Ready { .. }
            | Event::Cancelled { .. }
            | Event::Failed { .. } => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::engine::UploadId;
    use crate::core::xclient::RetryReason;
    use std::time::Duration;

    fn uploading() -> Tile {
        let mut t = Tile::new(
            1,
            "launch.mp4".into(),
            "/v/launch.mp4".into(),
            String::new(),
        );
        t.apply(
            &Event::Started {
                id: UploadId(1),
                name: "launch.mp4".into(),
                total_bytes: 10,
                segments: 3,
                segment_bytes: 4,
            },
            Instant::now(),
        );
        t
    }

    #[test]
    fn a_413_start_over_shows_its_own_reason() {
        let mut t = uploading();
        let now = Instant::now();
        let id = UploadId(1);
        t.apply(
            &Event::Retrying {
                id,
                index: Some(1),
                reason: RetryReason::ServerError,
                wait: Duration::from_secs(1),
                attempt: 1,
            },
            now,
        );
        let reason = "X refused pieces of 4.0 MB — starting over with pieces of 2.0 MB";
        t.apply(
            &Event::StartingOver {
                id,
                message: reason.into(),
                segment_bytes: 2,
            },
            now,
        );
        let p = t.progress.as_ref().unwrap();
        assert_eq!(
            p.note_text(now + Duration::from_secs(5)).as_deref(),
            Some(reason)
        );
        // The new plan starts, and the tile still says why.
        t.apply(
            &Event::Started {
                id,
                name: "launch.mp4".into(),
                total_bytes: 10,
                segments: 5,
                segment_bytes: 2,
            },
            now,
        );
        let p = t.progress.as_ref().unwrap();
        assert_eq!(p.cells.len(), 5);
        assert_eq!(p.note_text(now).as_deref(), Some(reason));
        assert_eq!(t.state, MediaState::Uploading);
    }

    #[test]
    fn engine_events_move_the_state_as_allowed() {
        let mut t = uploading();
        let id = UploadId(1);
        let now = Instant::now();
        t.apply(&Event::Paused { id }, now);
        assert_eq!(t.state, MediaState::Paused);
        // Paused can't jump to processing: refused, the state stays.
        t.apply(&Event::Processing { id, percent: None }, now);
        assert_eq!(t.state, MediaState::Paused);
        t.apply(&Event::Resumed { id }, now);
        t.apply(&Event::Finalizing { id }, now);
        t.apply(
            &Event::Processing {
                id,
                percent: Some(30),
            },
            now,
        );
        assert_eq!(t.state, MediaState::Processing(Some(30)));
    }
}
