//! The composer's files: checks, previews, uploads (started at once, like
//! X's own composer), alt text and the draft (posting: `posting.rs`).

use std::path::PathBuf;
use std::sync::Arc;

use super::drafts::{Draft, DraftItem};
use super::worker::{Internal, Worker};
use super::{AppEvent, Command, MediaInfo, PostState, TileEvent, TileKey};
use crate::core::auth::oauth::now_secs;
use crate::core::engine::journal::{Decision, Journal, Owner, Record, decide};
use crate::core::engine::{Event, ResumePoint, UploadId};
use crate::core::limits::AccountTier;
use crate::core::media::check::{self, CheckedMedia};
use crate::core::xclient::{ErrorKind, XError};

/// A media id at X, for one account, until `expires_at`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Uploaded {
    pub media_id: String,
    pub expires_at: u64,
    pub account_id: String,
    /// Alt text X has for it.
    pub alt_sent: String,
}

#[derive(Debug, Clone)]
pub(super) struct Tile {
    pub path: PathBuf,
    pub alt: String,
    pub checked: Option<CheckedMedia>,
    pub refused: bool,
    /// Refused only because of the files before it (the mix rule): checked
    /// again when one of those is removed.
    pub mix_refused: bool,
    /// (session, upload) while uploading.
    pub upload: Option<(u64, UploadId)>,
    pub uploaded: Option<Uploaded>,
    /// Expiry X gave at INITIALIZE, kept for the draft.
    pub expires_at: Option<u64>,
    pub failed: bool,
    /// The upload's journal record (removed once the draft has the id).
    pub record: Option<Record>,
    /// An interrupted upload the user may continue, and how far it got.
    pub offer: Option<(ResumePoint, u32)>,
    /// Accepted: continue from here.
    pub resume: Option<ResumePoint>,
}

impl Worker {
    fn tier(&self) -> AccountTier {
        let sub = self
            .session
            .as_ref()
            .and_then(|s| s.account.subscription_type.clone());
        AccountTier::from_subscription(sub.as_deref())
    }

    pub(super) fn tile_command(&mut self, command: Command) {
        match command {
            Command::AddFiles(files) => self.add_files(files, None),
            Command::Remove(key) => {
                if let Some(tile) = self.tiles.remove(&key) {
                    self.stop_upload(&tile);
                    if let Some(r) = &tile.record {
                        r.remove();
                    }
                    self.emit(AppEvent::Tile(key, TileEvent::Removed));
                    // Files refused for the mix may fit now.
                    let again: Vec<TileKey> = self
                        .tiles
                        .iter()
                        .filter(|(_, t)| t.mix_refused)
                        .map(|(k, _)| *k)
                        .collect();
                    for k in again {
                        self.check(k);
                    }
                    self.save_draft();
                    self.maybe_post();
                }
            }
            Command::SetAlt(key, alt) => {
                if let Some(t) = self.tiles.get_mut(&key) {
                    t.alt = alt;
                    self.save_draft();
                }
            }
            Command::Pause(key) => self.with_upload(key, |e, id| e.pause(id)),
            Command::Resume(key) => self.with_upload(key, |e, id| e.resume(id)),
            Command::Cancel(key) => self.with_upload(key, |e, id| e.cancel(id)),
            Command::Retry(key) => {
                if let Some(t) = self.tiles.get_mut(&key) {
                    t.failed = false;
                }
                self.start_upload(key);
            }
            Command::Continue(key) => {
                if let Some(t) = self.tiles.get_mut(&key) {
                    t.resume = t.offer.take().map(|(point, _)| point);
                }
                self.start_upload(key);
            }
            Command::StartOver(key) => {
                if let Some(t) = self.tiles.get_mut(&key) {
                    t.offer = None;
                    t.resume = None;
                    if let Some(r) = t.record.take() {
                        r.remove();
                    }
                }
                self.start_upload(key);
            }
            Command::DraftText(text) => {
                self.draft_text = text;
                // Typing saves at most once a second.
                if !self.draft_save_pending {
                    self.draft_save_pending = true;
                    let internal = self.internal.clone();
                    tokio::spawn(async move {
                        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
                        let _ = internal.send(Internal::SaveDraft);
                    });
                }
            }
            Command::Post(text) => {
                self.draft_text = text.clone();
                self.pending_post = Some(text);
                self.maybe_post();
            }
            Command::CancelPost if !self.posting => {
                self.pending_post = None;
                self.post_state(PostState::Idle);
            }
            Command::DeletePost(post_id) => self.delete_post(post_id),
            _ => {}
        }
    }

    fn with_upload(&self, key: TileKey, f: impl FnOnce(&crate::core::engine::Engine, UploadId)) {
        if let (Some(s), Some((session, id))) =
            (&self.session, self.tiles.get(&key).and_then(|t| t.upload))
            && s.id == session
        {
            f(&s.engine, id);
        }
    }

    fn stop_upload(&self, tile: &Tile) {
        if let (Some(s), Some((session, id))) = (&self.session, tile.upload)
            && s.id == session
        {
            s.engine.cancel(id);
        }
    }

    pub(super) fn add_files(&mut self, files: Vec<PathBuf>, from_draft: Option<Vec<DraftItem>>) {
        let from_draft_marker = from_draft.is_some();
        let items: Vec<DraftItem> = match from_draft {
            Some(items) => items,
            None => files
                .into_iter()
                .map(|path| DraftItem {
                    path,
                    ..DraftItem::default()
                })
                .collect(),
        };
        let from_journal = from_draft_marker;
        let mut already = Vec::new();
        for item in items {
            // The same file twice (dropped again, opened again) is one tile.
            if self.tiles.values().any(|t| t.path == item.path) {
                already.push(check::display_name(&item.path));
                continue;
            }
            let key = self.next_key;
            self.next_key += 1;
            let name = check::display_name(&item.path);
            let uploaded = match (&item.media_id, item.expires_at, &item.account_id) {
                // Reuse a finished upload while X still holds it (an hour of margin).
                (Some(media_id), Some(expires_at), Some(account_id))
                    if expires_at > now_secs() + 3600 =>
                {
                    Some(Uploaded {
                        media_id: media_id.clone(),
                        expires_at,
                        account_id: account_id.clone(),
                        alt_sent: String::new(),
                    })
                }
                _ => None,
            };
            self.tiles.insert(
                key,
                Tile {
                    path: item.path.clone(),
                    alt: item.alt.clone(),
                    checked: None,
                    refused: false,
                    mix_refused: false,
                    upload: None,
                    uploaded,
                    expires_at: item.expires_at,
                    failed: false,
                    record: None,
                    offer: None,
                    resume: None,
                },
            );
            if from_journal {
                self.recover(key);
            }
            self.emit(AppEvent::Tile(
                key,
                TileEvent::Added {
                    name,
                    path: item.path.clone(),
                    alt: item.alt,
                },
            ));
            self.check(key);
        }
        if !already.is_empty() {
            let verb = if already.len() == 1 { "is" } else { "are" };
            self.emit(AppEvent::Notice(format!(
                "{} {verb} already in this post.",
                already.join(", ")
            )));
        }
        self.save_draft();
    }

    fn check(&self, key: TileKey) {
        let Some(tile) = self.tiles.get(&key) else {
            return;
        };
        let (path, tier, internal) = (tile.path.clone(), self.tier(), self.internal.clone());
        let keep = self.config.file.upload.keep_location.unwrap_or(false);
        tokio::task::spawn_blocking(move || {
            let checked = check::check_file(&path, tier).map(|c| c.keep_location(keep));
            let _ = internal.send(Internal::Checked(key, checked));
        });
    }

    /// After sign-in (or a switch): check again for this account, upload.
    pub(super) fn session_started(&mut self) {
        let keys: Vec<TileKey> = self.tiles.keys().copied().collect();
        for key in keys {
            if let Some(t) = self.tiles.get_mut(&key) {
                t.upload = None;
                t.failed = false;
            }
            self.check(key);
        }
    }

    pub(super) fn tile_internal(&mut self, result: Internal) {
        match result {
            Internal::Checked(key, result) => self.checked(key, result),
            Internal::Engine(session, event) => self.engine_event(session, event),
            Internal::UploadDone(session, id, result) => self.upload_done(session, id, result),
            Internal::AltSet(result) => self.alt_set(result),
            Internal::PostDone(result) => self.post_done(result),
            Internal::Deleted(Ok(post_id)) => self.post_state(PostState::Deleted(post_id)),
            Internal::Deleted(Err(e)) => self.post_state(PostState::Failed(e.message)),
            _ => {}
        }
    }

    fn checked(&mut self, key: TileKey, result: Result<CheckedMedia, check::Refusal>) {
        let Some(tile) = self.tiles.get_mut(&key) else {
            return;
        };
        match result {
            Err(refusal) => {
                tile.refused = true;
                tile.checked = None;
                self.emit(AppEvent::Tile(key, TileEvent::Refused(refusal.message)));
            }
            Ok(media) => {
                tile.refused = false;
                tile.mix_refused = false;
                let info = MediaInfo {
                    kind: media.kind,
                    bytes: media.bytes,
                    duration_secs: media.video.as_ref().map(|v| v.duration_secs),
                    details: media.video.as_ref().map(|v| v.summary()),
                };
                let first_check = tile.checked.is_none();
                self.emit(AppEvent::Tile(key, TileEvent::Checked(info)));
                if let Some(reason) = self.mix_refusal(key, &media) {
                    if let Some(tile) = self.tiles.get_mut(&key) {
                        tile.refused = true;
                        tile.mix_refused = true;
                        tile.checked = None;
                    }
                    self.emit(AppEvent::Tile(key, TileEvent::Refused(reason)));
                    return;
                }
                if let Some(tile) = self.tiles.get_mut(&key) {
                    tile.checked = Some(media.clone());
                    if let Some((_, percent)) = &tile.offer {
                        let percent = *percent;
                        self.emit(AppEvent::Tile(key, TileEvent::Interrupted { percent }));
                        return;
                    }
                }
                if first_check {
                    let video_secs = media.video.as_ref().map(|v| v.duration_secs);
                    let (path, send) = (media.path.clone(), self.internal_sender());
                    super::desktop::thumbnail(key, path, video_secs, send);
                }
                self.start_upload(key);
            }
        }
    }

    /// Would this file break X's mix rule with the files added before it?
    /// (Up to 4 photos, or 1 video, or 1 GIF.) The later file is refused.
    fn mix_refusal(&self, key: TileKey, media: &CheckedMedia) -> Option<String> {
        use crate::core::limits::MediaKind::{Gif, Video};
        let earlier: Vec<_> = self
            .tiles
            .range(..key)
            .filter_map(|(_, t)| t.checked.as_ref().map(|c| c.kind))
            .collect();
        let mut kinds = earlier.clone();
        kinds.push(media.kind);
        crate::core::compose::check_mix(&kinds).err()?;
        let name = &media.name;
        Some(match media.kind {
            Video => format!(
                "{name} is a video: a post holds one video on its own, not with other files. Post it separately, or remove the others."
            ),
            Gif => format!(
                "{name} is a GIF: a post holds one GIF on its own, not with other files. Post it separately, or remove the others."
            ),
            _ if earlier.contains(&Video) => format!(
                "{name} can't join the video in this post: a video goes on its own. Post the photo separately."
            ),
            _ if earlier.contains(&Gif) => format!(
                "{name} can't join the GIF in this post: a GIF goes on its own. Post the photo separately."
            ),
            _ => format!(
                "{name} would be a fifth photo: a post holds up to 4. Remove one to add this."
            ),
        })
    }

    fn journal(&self) -> Journal {
        Journal::new(&self.options.config.paths.data_dir)
    }

    /// A tile from the draft whose upload was interrupted: offer to
    /// continue it, reuse a finished one, or start over and say why.
    fn recover(&mut self, key: TileKey) {
        let Some(tile) = self.tiles.get(&key) else {
            return;
        };
        if tile.uploaded.is_some() {
            return;
        }
        let practice = self.options.practice;
        let (entries, aside) = self.journal().entries();
        for a in aside {
            self.emit(AppEvent::Notice(a.message));
        }
        let Some(entry) = entries
            .into_iter()
            .find(|e| e.owner == Owner::Draft { practice } && e.file.path == tile.path)
        else {
            return;
        };
        let record = self.journal().record(entry.clone());
        let percent = entry.percent();
        match decide(&entry) {
            Decision::Continue(point) => {
                if let Some(t) = self.tiles.get_mut(&key) {
                    t.offer = Some((point, percent));
                    t.record = Some(record);
                }
            }
            Decision::Ready(media_id) => {
                if let Some(t) = self.tiles.get_mut(&key) {
                    t.uploaded = Some(Uploaded {
                        media_id,
                        expires_at: entry.expires_at.unwrap_or_else(|| now_secs() + 3600),
                        account_id: entry.account_id.clone().unwrap_or_default(),
                        alt_sent: String::new(),
                    });
                }
                record.remove();
            }
            Decision::StartOver(reason) => {
                if let Some(reason) = reason {
                    self.emit(AppEvent::Notice(reason));
                }
                record.remove();
            }
            Decision::Gone(_) => record.remove(),
        }
    }

    fn internal_sender(&self) -> Box<dyn Fn(TileKey, TileEvent) + Send> {
        let events = self.event_sender();
        Box::new(move |key, event| events(AppEvent::Tile(key, event)))
    }

    /// Upload the tile's file for the active account (or say it waits for
    /// a sign-in); a media id X still holds for this account is reused.
    fn start_upload(&mut self, key: TileKey) {
        let Some(tile) = self.tiles.get(&key) else {
            return;
        };
        let Some(media) = tile.checked.clone() else {
            return;
        };
        if tile.upload.is_some() || tile.failed {
            return;
        }
        let Some(session) = &self.session else {
            self.emit(AppEvent::Tile(key, TileEvent::WaitingForSignIn));
            return;
        };
        if let Some(u) = &tile.uploaded
            && u.account_id == session.account.id
        {
            let media_id = u.media_id.clone();
            self.emit(AppEvent::Tile(key, TileEvent::Ready { media_id }));
            self.maybe_post();
            return;
        }
        let engine = session.engine.clone();
        let session_id = session.id;
        let account_id = session.account.id.clone();
        let (record, resume, alt) = (tile.record.clone(), tile.resume.clone(), tile.alt.clone());
        // Journal the upload so a quit or a crash doesn't lose it.
        let record = record.or_else(|| {
            let owner = Owner::Draft {
                practice: self.options.practice,
            };
            let alt = Some(alt).filter(|a| !a.is_empty());
            self.journal()
                .create(
                    &media,
                    owner,
                    &self.config.api_base,
                    Some(account_id),
                    engine.config().segment_bytes,
                    alt,
                )
                .map_err(|e| tracing::warn!("no journal for {}: {e}", media.name))
                .ok()
        });
        let id = engine.start_journaled(media, resume, record.clone());
        if let Some(t) = self.tiles.get_mut(&key) {
            t.upload = Some((session_id, id));
            t.uploaded = None;
            t.resume = None;
            t.record = record;
        }
        let internal = self.internal.clone();
        tokio::spawn(async move {
            let result = engine.wait(id).await;
            let _ = internal.send(Internal::UploadDone(session_id, id, result));
        });
    }

    fn key_of(&self, session: u64, id: UploadId) -> Option<TileKey> {
        self.tiles
            .iter()
            .find(|(_, t)| t.upload == Some((session, id)))
            .map(|(k, _)| *k)
    }

    fn engine_event(&mut self, session: u64, event: Event) {
        let id = match &event {
            Event::Started { id, .. }
            | Event::MediaCreated { id, .. }
            | Event::SegmentStarted { id, .. }
            | Event::SegmentProgress { id, .. }
            | Event::SegmentDone { id, .. }
            | Event::Retrying { id, .. }
            | Event::StartingOver { id, .. }
            | Event::Finalizing { id }
            | Event::Processing { id, .. }
            | Event::Ready { id, .. }
            | Event::Paused { id }
            | Event::Resumed { id }
            | Event::Cancelled { id }
            | Event::Failed { id, .. } => *id,
        };
        let Some(key) = self.key_of(session, id) else {
            return;
        };
        if let Event::MediaCreated { expires_at, .. } = &event
            && let Some(t) = self.tiles.get_mut(&key)
        {
            t.expires_at = Some(*expires_at);
        }
        self.emit(AppEvent::Tile(key, TileEvent::Upload(event)));
    }

    fn upload_done(
        &mut self,
        session: u64,
        id: UploadId,
        result: Result<crate::core::engine::Uploaded, XError>,
    ) {
        let Some(key) = self.key_of(session, id) else {
            return;
        };
        let account_id = self
            .session
            .as_ref()
            .map(|s| s.account.id.clone())
            .unwrap_or_default();
        let Some(tile) = self.tiles.get_mut(&key) else {
            return;
        };
        tile.upload = None;
        match result {
            Ok(done) => {
                tile.uploaded = Some(Uploaded {
                    media_id: done.media_id.clone(),
                    expires_at: now_secs() + 86_400,
                    account_id,
                    alt_sent: String::new(),
                });
                // The draft keeps the media id from now on.
                let record = tile.record.take();
                self.emit(AppEvent::Tile(
                    key,
                    TileEvent::Ready {
                        media_id: done.media_id,
                    },
                ));
                self.save_draft();
                if let Some(r) = record {
                    r.remove();
                }
                self.maybe_post();
            }
            Err(e) if e.kind == ErrorKind::Cancelled => {
                // Cancelled by the user (a quit never gets here).
                if let Some(r) = tile.record.take() {
                    r.remove();
                }
            }
            Err(e) if e.kind == ErrorKind::SignInEnded => {
                // Nothing is lost: the tile waits for the next sign-in.
                self.emit(AppEvent::Tile(key, TileEvent::WaitingForSignIn));
                self.sign_in_expired(e.message);
            }
            Err(e) => {
                tile.failed = true;
                if self.pending_post.take().is_some() {
                    self.post_state(PostState::Failed(format!(
                        "Not posted: an upload failed. {}",
                        e.message
                    )));
                }
            }
        }
    }

    pub(super) fn clear_tiles(&mut self) {
        let tiles = std::mem::take(&mut self.tiles);
        for (key, tile) in tiles {
            self.stop_upload(&tile);
            self.emit(AppEvent::Tile(key, TileEvent::Removed));
        }
    }

    pub(super) fn load_draft(&mut self) {
        let (draft, note) = Draft::load(&self.draft_path());
        if let Some(note) = note {
            self.emit(AppEvent::Notice(note));
        }
        self.draft_text = draft.text.clone();
        self.emit(AppEvent::DraftText(draft.text));
        if !draft.items.is_empty() {
            self.add_files(Vec::new(), Some(draft.items));
        }
    }

    pub(super) fn save_draft(&self) {
        let draft = Draft {
            text: self.draft_text.clone(),
            items: self
                .tiles
                .values()
                .map(|t| DraftItem {
                    path: t.path.clone(),
                    alt: t.alt.clone(),
                    media_id: t.uploaded.as_ref().map(|u| u.media_id.clone()),
                    expires_at: t.uploaded.as_ref().map(|u| u.expires_at).or(t.expires_at),
                    account_id: t.uploaded.as_ref().map(|u| u.account_id.clone()),
                })
                .collect(),
        };
        if let Err(e) = draft.save(&self.draft_path()) {
            tracing::error!("draft not saved: {e}");
        }
    }
}

pub(super) type EventSender = Arc<dyn Fn(AppEvent) + Send + Sync>;
