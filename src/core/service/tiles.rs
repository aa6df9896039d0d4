//! The composer's files: checks, previews, alt text, removal and the draft.
//! Each file is a [`Tile`] (the one model the window draws) in a [`Slot`]
//! with what only the service needs; its state moves only through
//! [`Tile::go`]. Uploads are in `uploads.rs`, posting in `posting.rs`.

use std::path::PathBuf;
use std::sync::Arc;

use super::worker::{Internal, Worker};
use super::{AppEvent, Command, TileEvent};
use crate::core::draft::file::{Draft, DraftItem, DraftPost};
use crate::core::draft::{MediaInfo, MediaState, Tile, TileKey};
use crate::core::engine::journal::{Decision, Journal, Owner, Record, decide};
use crate::core::engine::{ResumePoint, UploadId, Uploaded};
use crate::core::limits::{AccountTier, MediaKind};
use crate::core::media::check::{self, CheckedMedia};
use crate::core::media::prepare;

/// One tile and the service's own bookkeeping for it.
pub(super) struct Slot {
    pub tile: Tile,
    pub checked: Option<CheckedMedia>,
    /// (session, upload) while uploading.
    pub upload: Option<(u64, UploadId)>,
    /// The finished upload, and the account it is for.
    pub uploaded: Option<(Uploaded, String)>,
    /// A finished upload the saved draft or journal holds: reused once the
    /// file checks out, while X still holds it.
    pub saved: Option<DraftItem>,
    /// Expiry X gave at INITIALIZE, kept for the draft.
    pub expires_at: Option<u64>,
    /// The upload's journal record (removed once the draft has the id).
    pub record: Option<Record>,
    /// An interrupted upload the user may continue, and how far it got.
    pub offer: Option<(ResumePoint, u32)>,
    /// Accepted: continue from here.
    pub resume: Option<ResumePoint>,
    pub previewed: bool,
    /// A video being converted for X.
    pub converting: Option<super::convert::Running>,
}

impl Slot {
    pub fn media(&self) -> (Option<MediaKind>, &MediaState) {
        (self.tile.kind(), &self.tile.state)
    }
}

impl Worker {
    pub(super) fn tier(&self) -> AccountTier {
        let sub = self
            .session
            .as_ref()
            .and_then(|s| s.account.subscription_type.clone());
        AccountTier::from_subscription(sub.as_deref())
    }

    /// Tell the window how the tile is now.
    pub(super) fn show(&self, key: TileKey) {
        if let Some(slot) = self.tiles.get(&key) {
            self.emit(AppEvent::Tile(
                key,
                TileEvent::Changed(Box::new(slot.tile.clone())),
            ));
        }
    }

    /// Move a tile on (as its state machine allows) and show it.
    pub(super) fn set_state(&mut self, key: TileKey, state: MediaState) {
        if let Some(slot) = self.tiles.get_mut(&key) {
            slot.tile.go(state);
            self.show(key);
        }
    }

    pub(super) fn tile_command(&mut self, command: Command) {
        match command {
            Command::AddFiles(files) => self.add_files(self.last_post(), files, None),
            Command::Remove(key) => self.remove(key),
            Command::SetAlt(key, alt) => {
                if let Some(slot) = self.tiles.get_mut(&key) {
                    slot.tile.alt = alt;
                    self.show(key);
                    self.save_draft();
                }
            }
            Command::Pause(key) => self.with_upload(key, |e, id| e.pause(id)),
            Command::Resume(key) => self.with_upload(key, |e, id| e.resume(id)),
            Command::Cancel(key) => {
                if !self.cancel_conversion(key) {
                    self.with_upload(key, |e, id| e.cancel(id));
                }
            }
            Command::ConvertForX(key) => self.convert_video(key),
            Command::Retry(key) => self.start_upload(key),
            Command::Continue(key) => {
                if let Some(slot) = self.tiles.get_mut(&key) {
                    slot.resume = slot.offer.take().map(|(point, _)| point);
                }
                self.start_upload(key);
            }
            Command::StartOver(key) => {
                if let Some(slot) = self.tiles.get_mut(&key) {
                    slot.offer = None;
                    slot.resume = None;
                    if let Some(r) = slot.record.take() {
                        r.remove();
                    }
                }
                self.start_upload(key);
            }
            other => self.post_command(other),
        }
    }

    pub(super) fn remove(&mut self, key: TileKey) {
        let Some(slot) = self.tiles.remove(&key) else {
            return;
        };
        self.stop_upload(&slot);
        if let Some(r) = &slot.record {
            r.remove();
        }
        if let Some(c) = &slot.converting {
            c.stop();
        }
        self.forget_pasted(&slot.tile.path);
        self.discard_copy(&slot);
        self.forget_captions(Some(key));
        self.emit(AppEvent::Tile(key, TileEvent::Removed));
        // Files refused for the mix may fit now.
        let again: Vec<TileKey> = self
            .tiles
            .iter()
            .filter(|(_, s)| matches!(s.tile.state, MediaState::Refused { mix: true, .. }))
            .map(|(k, _)| *k)
            .collect();
        for k in again {
            self.check(k);
        }
        self.save_draft();
        // What the queued post holds just changed: it waits for a new Post.
        self.drop_queued_post(&format!("{} was removed from the post.", slot.tile.name));
    }

    fn with_upload(&self, key: TileKey, f: impl FnOnce(&crate::core::engine::Engine, UploadId)) {
        if let (Some(s), Some((session, id))) =
            (&self.session, self.tiles.get(&key).and_then(|t| t.upload))
            && s.id == session
        {
            f(&s.engine, id);
        }
    }

    /// The tile's cleaned or converted copy goes with it.
    fn discard_copy(&self, slot: &Slot) {
        if let Some(c) = slot.checked.as_ref().filter(|c| c.source.is_some()) {
            self.config.paths.prepared().discard(&c.path);
        }
    }

    pub(super) fn stop_upload(&self, slot: &Slot) {
        if let (Some(s), Some((session, id))) = (&self.session, slot.upload)
            && s.id == session
        {
            s.engine.cancel(id);
        }
    }

    /// Add files to post `post` of the draft (0: the first).
    pub(super) fn add_files(
        &mut self,
        post: usize,
        files: Vec<PathBuf>,
        from_draft: Option<Vec<DraftItem>>,
    ) {
        let from_journal = from_draft.is_some();
        // Caption files go with the post's video, once its tile is there.
        let (caption_files, files): (Vec<_>, Vec<_>) = files
            .into_iter()
            .partition(|p| super::captions::is_caption_file(p));
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
        let mut already = Vec::new();
        for item in items {
            // The same file twice (dropped again, opened again) is one tile.
            if self.tiles.values().any(|s| s.tile.path == item.path) {
                already.push(check::display_name(&item.path));
                continue;
            }
            let key = self.next_key;
            self.next_key += 1;
            let name = check::display_name(&item.path);
            // Reuse a finished upload while X still holds it (an hour of margin).
            let saved = (item.media_id.is_some()
                && item.account_id.is_some()
                && item
                    .expires_at
                    .is_some_and(|t| t > self.options.clock.now_secs() + 3600))
            .then(|| item.clone());
            self.tiles.insert(
                key,
                Slot {
                    tile: Tile {
                        post,
                        ..Tile::new(key, name, item.path.clone(), item.alt.clone())
                    },
                    checked: None,
                    upload: None,
                    uploaded: None,
                    saved,
                    expires_at: item.expires_at,
                    record: None,
                    offer: None,
                    resume: None,
                    previewed: false,
                    converting: None,
                },
            );
            if from_journal {
                self.recover(key);
                if let Some(slot) = self.tiles.get_mut(&key) {
                    slot.tile.extras.warning = item.warning;
                }
                let captions = item.captions.iter();
                let captions = captions.map(|c| (c.path.clone(), Some(c.language.clone())));
                self.add_captions(key, captions.collect());
            }
            self.show(key);
            self.check(key);
        }
        if !already.is_empty() {
            let verb = if already.len() == 1 { "is" } else { "are" };
            self.emit(AppEvent::Notice(format!(
                "{} {verb} already in this post.",
                already.join(", ")
            )));
        }
        self.captions_dropped(caption_files);
        self.save_draft();
    }

    /// Check the tile's file again (off the loop: it reads the file).
    pub(super) fn check(&mut self, key: TileKey) {
        let tier = self.tier();
        let Some(slot) = self.tiles.get_mut(&key) else {
            return;
        };
        if slot.converting.is_some() {
            // Its converted copy is checked when it's made.
            return;
        }
        if slot.tile.state != MediaState::Checking {
            slot.tile.go(MediaState::Checking);
            self.show(key);
        }
        let Some(slot) = self.tiles.get(&key) else {
            return;
        };
        let (path, internal) = (slot.tile.path.clone(), self.internal.clone());
        let keep = self.config.file.upload.keep_location.unwrap_or(false);
        let (options, cache) = (
            self.config.photo_options(keep, false),
            self.config.paths.prepared(),
        );
        tokio::task::spawn_blocking(move || {
            let saying = internal.clone();
            let converting = move |doing: &str| {
                let _ = saying.send(Internal::Preparing(key, doing.to_string()));
            };
            let checked = prepare::prepare_with(&path, tier, options, &cache, &converting)
                .map(|c| c.keep_location(keep));
            let _ = internal.send(Internal::Checked(key, Box::new(checked)));
        });
    }

    /// After sign-in (or a switch): check again for this account, upload.
    pub(super) fn session_started(&mut self) {
        let keys: Vec<TileKey> = self.tiles.keys().copied().collect();
        for key in keys {
            if let Some(slot) = self.tiles.get_mut(&key) {
                slot.upload = None;
            }
            self.check(key);
        }
        self.extras_session_started();
    }

    pub(super) fn checked(&mut self, key: TileKey, result: Result<CheckedMedia, check::Refusal>) {
        let Some(slot) = self.tiles.get_mut(&key) else {
            return;
        };
        if !matches!(
            slot.tile.state,
            MediaState::Checking | MediaState::Converting
        ) || slot.converting.is_some()
        {
            // Checked twice at once (a sign-in during a check): the later answer counts.
            return;
        }
        slot.tile.converting = None;
        let media = match result {
            Err(refusal) => {
                slot.checked = None;
                let reason = refusal.message;
                self.set_state(key, MediaState::Refused { reason, mix: false });
                return;
            }
            Ok(media) => media,
        };
        slot.tile.info = Some(media_info(&media));
        if let Some(reason) = self.mix_refusal(key, &media) {
            if let Some(slot) = self.tiles.get_mut(&key) {
                slot.checked = None;
            }
            self.set_state(key, MediaState::Refused { reason, mix: true });
            return;
        }
        let Some(slot) = self.tiles.get_mut(&key) else {
            return;
        };
        if let Some(saved) = slot.saved.take()
            && let (Some(media_id), Some(expires_at), Some(account)) =
                (saved.media_id, saved.expires_at, saved.account_id)
        {
            let done = Uploaded {
                media_id,
                expires_at,
                bytes: media.bytes,
                kind: media.kind,
                name: media.name.clone(),
                captions: Vec::new(),
            };
            slot.uploaded = Some((done, account));
        }
        slot.checked = Some(media.clone());
        if let Some((_, percent)) = &slot.offer {
            let percent = *percent;
            self.set_state(key, MediaState::Interrupted(percent));
            return;
        }
        if !slot.previewed {
            slot.previewed = true;
            let video_secs = media.video.as_ref().map(|v| v.duration_secs);
            let path = media.path.clone();
            super::desktop::thumbnail(key, path, video_secs, self.event_sender());
        }
        self.look_for_captions(key);
        self.start_upload(key);
    }

    /// Would this file break X's mix rule with the files added before it?
    /// (Up to 4 photos, or 1 video, or 1 GIF.) The later file is refused.
    fn mix_refusal(&self, key: TileKey, media: &CheckedMedia) -> Option<String> {
        use crate::core::limits::MediaKind::{Gif, Video};
        let post = self.tiles.get(&key).map(|s| s.tile.post);
        let earlier: Vec<_> = self
            .tiles
            .range(..key)
            .filter(|(_, s)| Some(s.tile.post) == post)
            .filter_map(|(_, s)| s.checked.as_ref().map(|c| c.kind))
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

    pub(super) fn journal(&self) -> Journal {
        Journal::new(&self.options.config.paths.data_dir)
    }

    /// A tile from the draft whose upload was interrupted: offer to
    /// continue it, reuse a finished one, or start over and say why.
    fn recover(&mut self, key: TileKey) {
        let Some(slot) = self.tiles.get(&key) else {
            return;
        };
        if slot.saved.is_some() {
            return;
        }
        let practice = self.options.practice;
        let (entries, aside) = self.journal().entries();
        for a in aside {
            self.emit(AppEvent::Notice(a.message));
        }
        let Some(entry) = entries.into_iter().find(|e| {
            e.owner == Owner::Draft { practice }
                && e.source.as_ref().unwrap_or(&e.file.path) == &slot.tile.path
        }) else {
            return;
        };
        let record = self.journal().record(entry.clone());
        let percent = entry.percent();
        let cache = self.config.paths.prepared();
        if entry.kind == MediaKind::Video && cache.holds(&entry.file.path) {
            // A video converted for X: its tile checks the user's file
            // again, so that upload can't be continued. It starts over.
            cache.discard(&entry.file.path);
            record.remove();
            return;
        }
        match decide(&entry) {
            Decision::Continue(point) => {
                if let Some(slot) = self.tiles.get_mut(&key) {
                    slot.offer = Some((point, percent));
                    slot.record = Some(record);
                }
            }
            Decision::Ready(media_id) => {
                if let Some(slot) = self.tiles.get_mut(&key) {
                    slot.saved = Some(DraftItem {
                        path: entry.file.path.clone(),
                        alt: slot.tile.alt.clone(),
                        media_id: Some(media_id),
                        expires_at: entry.expires_at,
                        account_id: entry.account_id.clone(),
                        ..DraftItem::default()
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

    /// A pasted screenshot (saved by us in `pasted/`) exists only for its
    /// tile: it goes with it.
    pub(super) fn forget_pasted(&self, path: &std::path::Path) {
        if path.starts_with(self.pasted_dir()) {
            let path = path.to_path_buf();
            self.files.write(move || {
                let _ = std::fs::remove_file(path);
            });
        }
    }

    pub(super) fn pasted_dir(&self) -> PathBuf {
        self.options.config.paths.data_dir.join("pasted")
    }

    pub(super) fn clear_tiles(&mut self) {
        let tiles = std::mem::take(&mut self.tiles);
        for (key, slot) in tiles {
            self.stop_upload(&slot);
            self.discard_copy(&slot);
            self.emit(AppEvent::Tile(key, TileEvent::Removed));
        }
        self.forget_captions(None);
    }

    pub(super) fn load_draft(&mut self) {
        let (draft, note) = Draft::load(&self.draft_path());
        if let Some(note) = note {
            self.emit(AppEvent::Notice(note));
        }
        self.thread.id = draft.thread;
        self.compose(draft.posts);
        self.thread_on_load();
    }

    /// Put `posts` into the empty composer (several: a thread), each with
    /// its files, alt texts, warnings and captions (the draft, or a
    /// scheduled post back for editing).
    pub(super) fn compose(&mut self, posts: Vec<DraftPost>) {
        let mut posts = posts.into_iter();
        let first = posts.next().unwrap_or_default();
        let later: Vec<DraftPost> = posts.collect();
        self.draft_text = first.text.clone();
        self.emit(AppEvent::DraftText(first.text));
        self.thread.later = later.iter().map(|p| p.text.clone()).collect();
        self.show_thread();
        let items = std::iter::once(first.items).chain(later.into_iter().map(|p| p.items));
        for (post, items) in items.enumerate() {
            if !items.is_empty() {
                self.add_files(post, Vec::new(), Some(items));
            }
        }
    }

    /// The draft as it stands: texts, files, alt texts, finished media ids.
    pub(super) fn draft(&self) -> Draft {
        let texts = std::iter::once(&self.draft_text).chain(&self.thread.later);
        let posts = texts.enumerate().map(|(post, text)| DraftPost {
            text: text.clone(),
            items: self.draft_items(post),
        });
        Draft {
            posts: posts.collect(),
            thread: self.thread.id.clone(),
        }
    }

    /// Post `post`'s files as the draft keeps them.
    fn draft_items(&self, post: usize) -> Vec<DraftItem> {
        self.tiles
            .iter()
            .filter(|(_, s)| s.tile.post == post)
            .map(|(key, s)| {
                let (media_id, expires_at, account_id) = match (&s.uploaded, &s.saved) {
                    (Some((u, account)), _) => (
                        Some(u.media_id.clone()),
                        Some(u.expires_at),
                        Some(account.clone()),
                    ),
                    (None, Some(saved)) => (
                        saved.media_id.clone(),
                        saved.expires_at,
                        saved.account_id.clone(),
                    ),
                    (None, None) => (None, s.expires_at, None),
                };
                DraftItem {
                    path: s.tile.path.clone(),
                    alt: s.tile.alt.clone(),
                    media_id,
                    expires_at,
                    account_id,
                    captions: self.draft_captions(*key),
                    warning: s.tile.extras.warning,
                }
            })
            .collect()
    }

    /// Write the draft, off the loop (one writer at a time, in order).
    pub(super) fn save_draft(&self) {
        let draft = self.draft();
        let path = self.draft_path();
        self.files.write(move || {
            if let Err(e) = draft.save(&path) {
                tracing::error!("draft not saved: {e}");
            }
        });
    }
}

/// What the tile shows of a checked file.
pub(super) fn media_info(media: &CheckedMedia) -> MediaInfo {
    MediaInfo {
        kind: media.kind,
        bytes: media.bytes,
        duration_secs: media.video.as_ref().map(|v| v.duration_secs),
        details: media.video.as_ref().map(|v| v.summary()),
        note: media.note.clone(),
    }
}

pub(super) type EventSender = Arc<dyn Fn(AppEvent) + Send + Sync>;
