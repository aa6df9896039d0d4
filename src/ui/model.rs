//! What the window shows, as plain data built from the service's events
//! (no egui here): accounts, sign-in, the composer's tiles with their
//! per-chunk progress, and the post.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use crate::core::auth::Account;
use crate::core::engine::Event;
use crate::core::limits::MediaKind;
use crate::core::service::{AppEvent, MediaInfo, Mode, PostState, TileEvent, TileKey};
use crate::core::xclient::RetryReason;

#[derive(Debug, Clone, PartialEq)]
pub enum SignIn {
    Idle,
    Waiting { url: String, browser_opened: bool },
    Failed(String),
}

/// One chunk's cell in the segmented bar.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Cell {
    Waiting,
    /// Sending, with the share already handed to the network.
    Sending(f32),
    Done,
    Retrying,
}

/// Bytes per second, smoothed over the last few seconds.
#[derive(Debug, Clone)]
pub struct Rate {
    samples: Vec<(Instant, u64)>,
}

impl Rate {
    const WINDOW: Duration = Duration::from_secs(4);

    fn new() -> Self {
        Rate {
            samples: Vec::new(),
        }
    }

    fn record(&mut self, now: Instant, total_sent: u64) {
        self.samples.push((now, total_sent));
        self.samples
            .retain(|(t, _)| now.duration_since(*t) <= Self::WINDOW);
    }

    pub fn bytes_per_sec(&self) -> Option<f64> {
        let (first, last) = (self.samples.first()?, self.samples.last()?);
        let secs = last.0.duration_since(first.0).as_secs_f64();
        (secs >= 0.5).then(|| last.1.saturating_sub(first.1) as f64 / secs)
    }
}

#[derive(Debug, Clone)]
pub struct Progress {
    pub segment_bytes: u64,
    pub total_bytes: u64,
    pub cells: Vec<Cell>,
    sent: BTreeMap<u32, u64>,
    pub rate: Rate,
    /// "Connection dropped — retrying chunk 7 in 2 s" and when it was said.
    pub note: Option<(String, Instant, Duration, RetryReason, Option<u32>)>,
}

impl Progress {
    fn new(total_bytes: u64, segments: u32, segment_bytes: u64) -> Self {
        Progress {
            segment_bytes,
            total_bytes,
            cells: vec![Cell::Waiting; segments as usize],
            sent: BTreeMap::new(),
            rate: Rate::new(),
            note: None,
        }
    }

    fn seg_len(&self, index: u32) -> u64 {
        self.segment_bytes.min(
            self.total_bytes
                .saturating_sub(index as u64 * self.segment_bytes),
        )
    }

    /// Bytes sent: finished chunks plus what in-flight ones handed over.
    pub fn sent_bytes(&self) -> u64 {
        let done: u64 = self
            .cells
            .iter()
            .enumerate()
            .filter(|(_, c)| **c == Cell::Done)
            .map(|(i, _)| self.seg_len(i as u32))
            .sum();
        done + self.sent.values().sum::<u64>()
    }

    pub fn fraction(&self) -> f32 {
        if self.total_bytes == 0 {
            return 0.0;
        }
        (self.sent_bytes() as f64 / self.total_bytes as f64).min(1.0) as f32
    }

    /// Percent to show: bytes handed over, but never 100 before X has
    /// acknowledged every chunk.
    pub fn percent(&self) -> u32 {
        let pct = (self.fraction() * 100.0).floor() as u32;
        if self.done_cells() < self.cells.len() {
            pct.min(99)
        } else {
            pct
        }
    }

    /// Nothing sent yet: waiting for a free slot (other files go first).
    pub fn queued(&self) -> bool {
        self.cells.iter().all(|c| *c == Cell::Waiting) && self.note.is_none()
    }

    pub fn done_cells(&self) -> usize {
        self.cells.iter().filter(|c| **c == Cell::Done).count()
    }

    pub fn seconds_left(&self) -> Option<f64> {
        let rate = self.rate.bytes_per_sec()?;
        (rate > 0.0).then(|| self.total_bytes.saturating_sub(self.sent_bytes()) as f64 / rate)
    }

    /// The retry line as of `now` (the countdown moves).
    pub fn note_text(&self, now: Instant) -> Option<String> {
        let (_, said_at, wait, reason, index) = self.note.as_ref()?;
        let left = wait.saturating_sub(now.duration_since(*said_at));
        if let RetryReason::RateLimited { .. } = reason {
            return Some(reason.describe());
        }
        if *reason == RetryReason::OutOfOrderRefused {
            return Some(reason.describe());
        }
        let what = match index {
            Some(i) => format!("retrying chunk {}", i + 1),
            None => "retrying".to_string(),
        };
        Some(if left.is_zero() {
            format!("{} — {what} now", reason.describe())
        } else {
            format!(
                "{} — {what} in {} s",
                reason.describe(),
                left.as_secs_f64().ceil() as u64
            )
        })
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Status {
    Checking,
    Refused(String),
    WaitingForSignIn,
    Uploading,
    Paused,
    Finalizing,
    Processing(Option<u32>),
    Ready,
    Failed {
        message: String,
        retryable: bool,
    },
    Cancelled,
    /// Interrupted last time at this percent: continue or start over?
    Interrupted(u32),
}

#[derive(Debug, Clone)]
pub struct Tile {
    pub key: TileKey,
    pub name: String,
    pub path: PathBuf,
    pub alt: String,
    pub info: Option<MediaInfo>,
    pub status: Status,
    pub progress: Option<Progress>,
    /// A new preview waiting to become a texture (RGBA).
    pub preview: Option<(u32, u32, Arc<Vec<u8>>)>,
}

impl Tile {
    pub fn kind(&self) -> Option<MediaKind> {
        self.info.as_ref().map(|i| i.kind)
    }

    pub fn takes_alt(&self) -> bool {
        self.kind().is_some_and(|k| k.takes_alt_text())
    }
}

/// What happened that the window may want to tell the desktop about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Happening {
    Posted(String),
    UploadFailed(String),
}

#[derive(Debug, Clone)]
pub struct Model {
    pub mode: Option<Mode>,
    pub accounts: Vec<Account>,
    pub active: Option<Account>,
    pub sign_in: SignIn,
    pub keychain_problem: Option<String>,
    pub expired: Option<String>,
    pub text: String,
    pub tiles: Vec<Tile>,
    pub post: PostState,
    pub notice: Option<(String, Instant)>,
}

impl Default for Model {
    fn default() -> Self {
        Model {
            mode: None,
            accounts: Vec::new(),
            active: None,
            sign_in: SignIn::Idle,
            keychain_problem: None,
            expired: None,
            text: String::new(),
            tiles: Vec::new(),
            post: PostState::Idle,
            notice: None,
        }
    }
}

impl Model {
    pub fn practice(&self) -> bool {
        self.mode.as_ref().is_some_and(|m| m.practice)
    }

    pub fn tile_mut(&mut self, key: TileKey) -> Option<&mut Tile> {
        self.tiles.iter_mut().find(|t| t.key == key)
    }

    /// Any upload, check or post still moving?
    pub fn busy(&self) -> bool {
        self.tiles.iter().any(|t| {
            matches!(
                t.status,
                Status::Checking | Status::Uploading | Status::Finalizing | Status::Processing(_)
            )
        }) || matches!(self.post, PostState::Posting | PostState::WaitingForUploads)
    }

    /// Apply one event; returns something worth a desktop notification.
    pub fn apply(&mut self, event: AppEvent, now: Instant) -> Option<Happening> {
        match event {
            AppEvent::Mode(mode) => self.mode = Some(mode),
            AppEvent::Accounts { accounts, active } => {
                if active.is_some() {
                    self.expired = None;
                }
                self.accounts = accounts;
                self.active = active;
            }
            AppEvent::SignInWaiting {
                url,
                browser_opened,
            } => {
                self.keychain_problem = None;
                self.sign_in = SignIn::Waiting {
                    url,
                    browser_opened,
                };
            }
            AppEvent::SignedIn(_) => {
                self.sign_in = SignIn::Idle;
                self.expired = None;
            }
            AppEvent::SignInFailed(message) if message.is_empty() => self.sign_in = SignIn::Idle,
            AppEvent::SignInFailed(message) => self.sign_in = SignIn::Failed(message),
            AppEvent::KeychainProblem(message) => self.keychain_problem = Some(message),
            AppEvent::SignInExpired { message, .. } => self.expired = Some(message),
            AppEvent::DraftText(text) => self.text = text,
            AppEvent::Notice(text) => self.notice = Some((text, now)),
            AppEvent::Post(state) => {
                let posted = match &state {
                    PostState::Posted { handle, .. } => {
                        Some(Happening::Posted(format!("Posted to {handle}")))
                    }
                    _ => None,
                };
                self.post = state;
                return posted;
            }
            AppEvent::Tile(key, event) => return self.tile_event(key, event, now),
        }
        None
    }

    fn tile_event(&mut self, key: TileKey, event: TileEvent, now: Instant) -> Option<Happening> {
        if let TileEvent::Added { name, path, alt } = event {
            self.tiles.push(Tile {
                key,
                name,
                path,
                alt,
                info: None,
                status: Status::Checking,
                progress: None,
                preview: None,
            });
            return None;
        }
        if event == TileEvent::Removed {
            self.tiles.retain(|t| t.key != key);
            return None;
        }
        let tile = self.tile_mut(key)?;
        match event {
            TileEvent::Checked(info) => {
                tile.info = Some(info);
                if matches!(tile.status, Status::Checking | Status::Refused(_)) {
                    tile.status = Status::Uploading;
                }
            }
            TileEvent::Refused(message) => tile.status = Status::Refused(message),
            TileEvent::Thumbnail {
                width,
                height,
                rgba,
            } => tile.preview = Some((width, height, rgba)),
            TileEvent::Ready { .. } => {
                tile.status = Status::Ready;
                if let Some(p) = &mut tile.progress {
                    p.note = None;
                }
            }
            TileEvent::WaitingForSignIn => tile.status = Status::WaitingForSignIn,
            TileEvent::Interrupted { percent } => tile.status = Status::Interrupted(percent),
            TileEvent::Upload(e) => return upload_event(tile, e, now),
            TileEvent::Added { .. } | TileEvent::Removed => {}
        }
        None
    }
}

fn upload_event(tile: &mut Tile, event: Event, now: Instant) -> Option<Happening> {
    match event {
        Event::Started {
            total_bytes,
            segments,
            segment_bytes,
            ..
        } => {
            tile.progress = Some(Progress::new(total_bytes, segments, segment_bytes));
            tile.status = Status::Uploading;
        }
        Event::SegmentStarted { index, .. } => {
            if let Some(p) = &mut tile.progress {
                set_cell(p, index, Cell::Sending(0.0));
            }
        }
        Event::SegmentProgress {
            index, sent, len, ..
        } => {
            if let Some(p) = &mut tile.progress {
                p.sent.insert(index, sent);
                set_cell(p, index, Cell::Sending(sent as f32 / len.max(1) as f32));
                let total = p.sent_bytes();
                p.rate.record(now, total);
                if p.note.as_ref().is_some_and(|n| n.4 == Some(index)) && sent > 0 {
                    p.note = None;
                }
            }
        }
        Event::SegmentDone { index, .. } => {
            if let Some(p) = &mut tile.progress {
                p.sent.remove(&index);
                set_cell(p, index, Cell::Done);
                let total = p.sent_bytes();
                p.rate.record(now, total);
            }
        }
        Event::Retrying {
            index,
            reason,
            wait,
            ..
        } => {
            if let Some(p) = &mut tile.progress {
                if let Some(i) = index {
                    p.sent.remove(&i);
                    set_cell(p, i, Cell::Retrying);
                }
                p.note = Some((String::new(), now, wait, reason, index));
            }
        }
        Event::StartingOver { message, .. } => {
            if let Some(p) = &mut tile.progress {
                p.note = Some((message, now, Duration::ZERO, RetryReason::ServerError, None));
            }
        }
        Event::Paused { .. } => {
            tile.status = Status::Paused;
            if let Some(p) = &mut tile.progress {
                for i in std::mem::take(&mut p.sent).into_keys() {
                    set_cell(p, i, Cell::Waiting);
                }
            }
        }
        Event::Resumed { .. } => tile.status = Status::Uploading,
        Event::Finalizing { .. } => {
            tile.status = Status::Finalizing;
            if let Some(p) = &mut tile.progress {
                p.note = None;
            }
        }
        Event::Processing { percent, .. } => tile.status = Status::Processing(percent),
        Event::Ready { .. } => tile.status = Status::Ready,
        Event::Cancelled { .. } => tile.status = Status::Cancelled,
        Event::Failed {
            message, retryable, ..
        } => {
            tile.status = Status::Failed {
                message: message.clone(),
                retryable,
            };
            return Some(Happening::UploadFailed(message));
        }
        Event::MediaCreated { .. } => {}
    }
    None
}

fn set_cell(p: &mut Progress, index: u32, cell: Cell) {
    if let Some(c) = p.cells.get_mut(index as usize) {
        *c = cell;
    }
}

/// "14:05" for a time, local.
pub fn clock(t: SystemTime) -> String {
    chrono::DateTime::<chrono::Local>::from(t)
        .format("%H:%M")
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::engine::UploadId;

    fn model_with_tile() -> Model {
        let mut m = Model::default();
        let now = Instant::now();
        m.apply(
            AppEvent::Tile(
                1,
                TileEvent::Added {
                    name: "launch.mp4".into(),
                    path: "/v/launch.mp4".into(),
                    alt: String::new(),
                },
            ),
            now,
        );
        m
    }

    #[test]
    fn chunk_cells_follow_the_engine() {
        let mut m = model_with_tile();
        let t0 = Instant::now();
        let id = UploadId(1);
        let up = |e| AppEvent::Tile(1, TileEvent::Upload(e));
        m.apply(
            up(Event::Started {
                id,
                name: "launch.mp4".into(),
                total_bytes: 10,
                segments: 3,
                segment_bytes: 4,
            }),
            t0,
        );
        m.apply(up(Event::SegmentStarted { id, index: 0 }), t0);
        m.apply(
            up(Event::SegmentProgress {
                id,
                index: 0,
                sent: 2,
                len: 4,
            }),
            t0,
        );
        let p = m.tiles[0].progress.clone().unwrap();
        assert_eq!(
            p.cells,
            vec![Cell::Sending(0.5), Cell::Waiting, Cell::Waiting]
        );
        assert_eq!(p.sent_bytes(), 2);
        m.apply(
            up(Event::SegmentDone { id, index: 0 }),
            t0 + Duration::from_secs(1),
        );
        m.apply(
            up(Event::Retrying {
                id,
                index: Some(2),
                reason: RetryReason::ConnectionDropped,
                wait: Duration::from_secs(2),
                attempt: 1,
            }),
            t0 + Duration::from_secs(1),
        );
        let p = m.tiles[0].progress.clone().unwrap();
        assert_eq!(p.cells, vec![Cell::Done, Cell::Waiting, Cell::Retrying]);
        assert_eq!(p.sent_bytes(), 4);
        assert_eq!(
            p.note_text(t0 + Duration::from_millis(1500)).unwrap(),
            "Connection dropped — retrying chunk 3 in 2 s"
        );
        assert!((p.fraction() - 0.4).abs() < 1e-6);
        assert_eq!(p.rate.bytes_per_sec(), Some(2.0));
        let failed = m.apply(
            up(Event::Failed {
                id,
                message: "nope".into(),
                retryable: true,
            }),
            t0,
        );
        assert_eq!(failed, Some(Happening::UploadFailed("nope".into())));
        assert!(!m.busy());
    }

    #[test]
    fn posted_is_a_happening_and_tiles_go() {
        let mut m = model_with_tile();
        let now = Instant::now();
        assert!(m.busy(), "a file being checked keeps the window busy");
        let h = m.apply(
            AppEvent::Post(PostState::Posted {
                post_id: "1".into(),
                handle: "@brand".into(),
                view_url: "u".into(),
            }),
            now,
        );
        assert_eq!(h, Some(Happening::Posted("Posted to @brand".into())));
        m.apply(AppEvent::Tile(1, TileEvent::Removed), now);
        assert!(m.tiles.is_empty());
    }
}
