//! What the window shows, as plain data built from the service's events
//! (no egui here): accounts, sign-in, the composer's tiles (drawn as the
//! service sends them) and the post.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Instant, SystemTime};

use crate::core::auth::Account;
use crate::core::doctor::Report;
pub use crate::core::draft::{Cell, MediaState, Note, Progress, Tile};
use crate::core::service::{AppEvent, Mode, PostState, QueueItem, ThreadView, TileEvent, TileKey};

#[derive(Debug, Clone, PartialEq)]
pub enum SignIn {
    Idle,
    Waiting { url: String, browser_opened: bool },
    Failed(String),
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
    /// The first post's text.
    pub text: String,
    /// The posts after the first (a thread), and how many are on X.
    pub thread: ThreadView,
    pub tiles: Vec<Tile>,
    /// New previews (RGBA) waiting to become textures.
    pub previews: HashMap<TileKey, (u32, u32, Arc<Vec<u8>>)>,
    pub post: PostState,
    pub notice: Option<(String, Instant)>,
    /// Settings' "Check setup": `Some(None)` while it runs.
    pub setup_check: Option<Option<Report>>,
    /// Who can reply to the post (`None`: everyone).
    pub reply_settings: Option<String>,
    /// Posts waiting for their time.
    pub queue: Vec<QueueItem>,
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
            thread: ThreadView::default(),
            tiles: Vec::new(),
            previews: HashMap::new(),
            post: PostState::Idle,
            notice: None,
            setup_check: None,
            reply_settings: None,
            queue: Vec::new(),
        }
    }
}

impl Model {
    pub fn practice(&self) -> bool {
        self.mode.as_ref().is_some_and(|m| m.practice)
    }

    /// How many posts the draft holds (more than one: a thread).
    pub fn post_count(&self) -> usize {
        1 + self.thread.later.len()
    }

    pub fn is_thread(&self) -> bool {
        self.post_count() > 1 || self.thread.posted > 0
    }

    /// Post `post`'s text (0: the first).
    pub fn text_of(&self, post: usize) -> &str {
        match post {
            0 => &self.text,
            n => self.thread.later.get(n - 1).map_or("", String::as_str),
        }
    }

    pub fn tiles_of(&self, post: usize) -> impl Iterator<Item = &Tile> {
        self.tiles.iter().filter(move |t| t.post == post)
    }

    pub fn tile_mut(&mut self, key: TileKey) -> Option<&mut Tile> {
        self.tiles.iter_mut().find(|t| t.key == key)
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
            AppEvent::Thread(thread) => self.thread = thread,
            AppEvent::Notice(text) => self.notice = Some((text, now)),
            AppEvent::SetupChecked(report) => self.setup_check = Some(Some(report)),
            AppEvent::ReplySettings(reply) => self.reply_settings = reply,
            AppEvent::Queue(items) => self.queue = items,
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
            AppEvent::Tile(key, event) => return self.tile_event(key, event),
        }
        None
    }

    fn tile_event(&mut self, key: TileKey, event: TileEvent) -> Option<Happening> {
        match event {
            TileEvent::Changed(tile) => {
                let tile = *tile;
                let failed = match &tile.state {
                    MediaState::Failed { message, .. } => Some(message.clone()),
                    _ => None,
                };
                match self.tile_mut(key) {
                    Some(old) => {
                        let was_failed = matches!(old.state, MediaState::Failed { .. });
                        *old = tile;
                        return failed.filter(|_| !was_failed).map(Happening::UploadFailed);
                    }
                    None => self.tiles.push(tile),
                }
                failed.map(Happening::UploadFailed)
            }
            TileEvent::Thumbnail {
                width,
                height,
                rgba,
            } => {
                self.previews.insert(key, (width, height, rgba));
                None
            }
            TileEvent::Removed => {
                self.tiles.retain(|t| t.key != key);
                self.previews.remove(&key);
                None
            }
        }
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
    use crate::core::draft::Tile;

    fn changed(tile: &Tile) -> AppEvent {
        AppEvent::Tile(tile.key, TileEvent::Changed(Box::new(tile.clone())))
    }

    #[test]
    fn tiles_are_drawn_as_sent_and_a_failure_is_a_happening_once() {
        let mut m = Model::default();
        let now = Instant::now();
        let mut tile = Tile::new(
            1,
            "launch.mp4".into(),
            "/v/launch.mp4".into(),
            String::new(),
        );
        assert_eq!(m.apply(changed(&tile), now), None);
        assert_eq!(m.tiles, vec![tile.clone()]);
        tile.state = MediaState::Failed {
            message: "nope".into(),
            retryable: true,
        };
        let h = m.apply(changed(&tile), now);
        assert_eq!(h, Some(Happening::UploadFailed("nope".into())));
        assert_eq!(m.apply(changed(&tile), now), None, "said once");
        assert_eq!(m.tiles[0].state, tile.state);
    }

    #[test]
    fn posted_is_a_happening_and_tiles_go() {
        let mut m = Model::default();
        let now = Instant::now();
        let tile = Tile::new(1, "a.jpg".into(), "/a.jpg".into(), String::new());
        m.apply(changed(&tile), now);
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
