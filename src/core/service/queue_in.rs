//! Into the queue: "Post at…" moves the composed post — or thread, every
//! post with its text and its own files — into the journal, to go out at a
//! set time, each post after the first replying to the one before, all
//! with the reply setting chosen beside Post. Finished uploads go with it
//! (X's media ids), ones under way are continued by the queue; the
//! composer and the thread clear.

use super::queue::Queued;
use super::worker::Worker;
use super::{AppEvent, PostState, TileKey};
use crate::core::compose;
use crate::core::draft::MediaState;
use crate::core::engine::journal::{CaptionTrack, Owner, PostIntent, ThreadPlace};

/// One post of the composed draft: its text and its files, in order.
pub(super) struct Composed {
    pub text: String,
    pub tiles: Vec<TileKey>,
}

impl Worker {
    /// The composer's posts, in order, each with its files.
    pub(super) fn composed(&self) -> Vec<Composed> {
        (0..=self.last_post())
            .map(|post| Composed {
                text: self.post_text(post).to_string(),
                tiles: self
                    .tiles
                    .iter()
                    .filter(|(_, s)| s.tile.post == post)
                    .map(|(k, _)| *k)
                    .collect(),
            })
            .collect()
    }

    /// Why `posts` can't be queued now, in plain words.
    fn not_schedulable(&self, posts: &[Composed], at: u64) -> Option<String> {
        if self.session.is_none() {
            return Some("Sign in to schedule a post.".into());
        }
        if at <= self.options.clock.now_secs() {
            return Some("That time has passed. Pick a time still to come.".into());
        }
        let which = |n: usize| match posts.len() {
            1 => String::new(),
            _ => format!("Post {}: ", n + 1),
        };
        for (n, post) in posts.iter().enumerate() {
            let slots: Vec<_> = post
                .tiles
                .iter()
                .filter_map(|k| self.tiles.get(k))
                .collect();
            let media: Vec<_> = slots.iter().map(|s| s.media()).collect();
            if let Err(why) = compose::post_blocker(true, &post.text, &media) {
                return Some(format!("{}{why}", which(n)));
            }
            if let Some(s) = slots.iter().find(|s| s.checked.is_none()) {
                return Some(format!(
                    "{}{} is still being checked; schedule the post in a moment.",
                    which(n),
                    s.tile.name
                ));
            }
        }
        None
    }

    /// Move the composed draft into the queue, to go out at `at` (Unix
    /// seconds): journaled with its files (finished uploads kept, ones under
    /// way continued by the queue), and the composer clears. Every post in
    /// `posts` after the first replies to the one before.
    pub(super) fn schedule(&mut self, posts: Vec<Composed>, at: u64) {
        if let Some(why) = self.not_schedulable(&posts, at) {
            return self.post_state(PostState::Failed(why));
        }
        let intents = match self.journal_scheduled(&posts, at) {
            Ok(intents) => intents,
            Err(e) => {
                return self.post_state(PostState::Failed(format!(
                    "The post can't be queued: the app's data folder can't be written ({e})."
                )));
            }
        };
        // The files leave the composer for the queue (their copies with them).
        for key in posts.iter().flat_map(|p| &p.tiles) {
            if let Some(slot) = self.tiles.remove(key) {
                self.stop_upload(&slot);
                if let Some(r) = &slot.record {
                    r.remove();
                }
                self.emit(AppEvent::Tile(*key, super::TileEvent::Removed));
            }
        }
        self.pending_post = None;
        self.draft_text.clear();
        self.emit(AppEvent::DraftText(String::new()));
        let thread = std::mem::take(&mut self.thread);
        self.show_thread();
        self.post_state(PostState::Idle);
        self.save_draft();
        self.forget_records(thread.id);
        let id = match &intents[0].thread {
            Some(place) => place.thread.clone(),
            None => intents[0].id.clone(),
        };
        let (entries, _) = self.journal().entries();
        let item = Queued::new(intents, at, &entries);
        self.queue.items.insert(id, item);
        self.queue_tick();
        self.show_queue();
    }

    /// Write `posts` to the journal as posts waiting for `at` (a thread:
    /// sharing a thread id, in order), each file with an upload record.
    fn journal_scheduled(&self, posts: &[Composed], at: u64) -> std::io::Result<Vec<PostIntent>> {
        let Some(session) = &self.session else {
            return Err(std::io::Error::other("not signed in"));
        };
        let (account, engine) = (session.account.id.clone(), session.engine.clone());
        let journal = self.journal();
        let thread = (posts.len() > 1).then(|| journal.new_thread_id());
        let mut intents = Vec::new();
        for (position, post) in posts.iter().enumerate() {
            let mut intent =
                journal.create_post(&post.text, &self.config.api_base, Some(account.clone()));
            intent.not_before = Some(at);
            intent.reply_settings = self.extras.reply.clone();
            intent.thread = thread.as_ref().map(|t| ThreadPlace {
                thread: t.clone(),
                position,
                count: posts.len(),
                posted: None,
            });
            for (i, key) in post.tiles.iter().enumerate() {
                let Some(slot) = self.tiles.get(key) else {
                    continue;
                };
                let Some(media) = slot.checked.clone() else {
                    continue;
                };
                let owner = Owner::CliPost {
                    post: intent.id.clone(),
                    position: i,
                };
                let alt = slot
                    .tile
                    .takes_alt()
                    .then(|| slot.tile.alt.clone())
                    .filter(|a| !a.is_empty());
                let segment = engine.config().segment_bytes;
                let record = journal.create(
                    &media,
                    owner,
                    &self.config.api_base,
                    Some(account.clone()),
                    segment,
                    alt,
                )?;
                // Its warning and caption files go on it when it is posted.
                let extras = &slot.tile.extras;
                let captions = extras.captions.iter().map(|c| CaptionTrack {
                    path: c.path.clone(),
                    language: c.language.clone(),
                });
                record.set_extras(extras.warning, captions.collect());
                match (&slot.uploaded, &slot.record) {
                    // Done: X's media id goes with it.
                    (Some((u, a)), _) if *a == account && slot.tile.state == MediaState::Ready => {
                        record.media_created(&u.media_id, u.expires_at, segment);
                        record.ready();
                    }
                    // Under way: the queue continues from what X has.
                    (_, Some(old)) => {
                        let old = old.entry();
                        if let (Some(id), Some(exp)) = (&old.media_id, old.expires_at) {
                            record.media_created(id, exp, old.segment_bytes);
                            old.acked.iter().for_each(|i| record.acked(*i));
                        }
                    }
                    _ => {}
                }
                intent.uploads.push(record.id());
            }
            intents.push(intent);
        }
        for intent in &intents {
            journal.save_post(intent)?;
        }
        Ok(intents)
    }
}
