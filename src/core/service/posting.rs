//! Posting from the composer: once every file is ready (the rules are
//! `compose::post_blocker`'s), through `engine::post` (alt texts, then the
//! post, once); and deleting a post just made.

use super::worker::{Internal, Worker};
use super::{AppEvent, Command, PostState};
use crate::core::compose;
use crate::core::draft::MediaState;
use crate::core::engine::post::{self, Published};
use crate::core::xclient::XError;
use crate::core::xclient::api::PostOptions;

/// A finished upload this close to X's expiry is uploaded again first.
const EXPIRY_MARGIN_SECS: u64 = 10 * 60;

impl Worker {
    pub(super) fn post_command(&mut self, command: Command) {
        match command {
            Command::DraftText(text) => {
                self.draft_text = text;
                self.save_draft_soon();
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
            Command::Schedule { .. } if !self.thread.posted.is_empty() => {
                self.emit(AppEvent::Notice(
                    "Part of this thread is on X already: press Post the rest to finish it, then schedule the next one.".into(),
                ));
            }
            c @ (Command::AddPost
            | Command::RemovePost(_)
            | Command::MovePost { .. }
            | Command::PostText(..)
            | Command::PostTheRest) => self.thread_command(c),
            other => self.queue_command(other),
        }
    }

    /// Typing saves the draft at most once a second.
    pub(super) fn save_draft_soon(&mut self) {
        if !self.draft_save_pending {
            self.draft_save_pending = true;
            let internal = self.internal.clone();
            tokio::spawn(async move {
                tokio::time::sleep(std::time::Duration::from_secs(1)).await;
                let _ = internal.send(Internal::SaveDraft);
            });
        }
    }

    /// A post waiting for its uploads can't go as it was asked for: drop
    /// it and say why. The text stays in the composer.
    pub(super) fn drop_queued_post(&mut self, why: &str) {
        if self.posting || self.pending_post.take().is_none() {
            return;
        }
        self.post_state(PostState::Failed(format!(
            "Not posted: {why} Your text is kept; press Post again when you're ready."
        )));
    }

    /// Post if asked and every file is ready; else say what we wait for.
    pub(super) fn maybe_post(&mut self) {
        let Some(text) = self.pending_post.clone() else {
            return;
        };
        if self.posting {
            return;
        }
        if self.thread.is_thread() {
            return self.maybe_post_thread();
        }
        let media: Vec<_> = self.tiles.values().map(|s| s.media()).collect();
        if let Err(why) = compose::post_blocker(self.session.is_some(), &text, &media) {
            self.pending_post = None;
            self.post_state(PostState::Failed(why.to_string()));
            return;
        }
        if !self.uploads_ready() {
            self.post_state(PostState::WaitingForUploads);
            return;
        }
        let Some(session) = &self.session else {
            return;
        };
        let account_id = session.account.id.clone();
        // Each file with its warning and captions (checked once more).
        let media: Result<Vec<_>, String> = self
            .tiles
            .iter()
            .filter_map(|(k, s)| Some((*k, s.uploaded.as_ref()?.0.clone())))
            .map(|(k, u)| self.ready_media(k, u, &account_id))
            .collect();
        let media = match media {
            Ok(media) => media,
            Err(why) => {
                self.pending_post = None;
                self.post_state(PostState::Failed(format!("Not posted: {why}")));
                return;
            }
        };
        let Some(session) = &self.session else {
            return;
        };
        self.posting = true;
        self.post_state(PostState::Posting);
        let options = PostOptions {
            reply_settings: self.extras.reply.clone(),
            ..PostOptions::default()
        };
        let engine = session.engine.clone();
        let me = session.me();
        let internal = self.internal.clone();
        tokio::spawn(async move {
            let result =
                post::describe_and_post(&engine, &me, &text, media, &options, &|_| {}).await;
            let _ = internal.send(Internal::PostDone(result));
        });
    }

    /// Is every file uploaded for the signed-in account? A file X (nearly)
    /// forgot (a day after its upload) is uploaded again first.
    pub(super) fn uploads_ready(&mut self) -> bool {
        let Some(session) = &self.session else {
            return false;
        };
        let account_id = session.account.id.clone();
        let now = self.options.clock.now_secs();
        let expired: Vec<_> = self
            .tiles
            .iter()
            .filter(|(_, s)| {
                s.tile.state == MediaState::Ready
                    && s.uploaded
                        .as_ref()
                        .is_some_and(|(u, _)| u.expires_at <= now + EXPIRY_MARGIN_SECS)
            })
            .map(|(k, _)| *k)
            .collect();
        for key in expired {
            if let Some(slot) = self.tiles.get_mut(&key) {
                slot.uploaded = None;
            }
            self.set_state(key, MediaState::Expired);
            self.start_upload(key);
        }
        self.tiles.values().all(|s| {
            s.tile.state == MediaState::Ready
                && s.uploaded.as_ref().is_some_and(|(_, a)| *a == account_id)
        })
    }

    pub(super) fn post_done(&mut self, result: Result<Published, XError>) {
        self.posting = false;
        self.pending_post = None;
        match result {
            Ok(published) => {
                let handle = self
                    .session
                    .as_ref()
                    .map(|s| s.account.handle())
                    .unwrap_or_default();
                let view_url = match self.practice_base() {
                    Some(base) => format!("{base}/_practice/posts/{}", published.post_id),
                    None => published.url.clone(),
                };
                self.clear_composer();
                // Said last: the window never shows "Posted" over the old files.
                self.post_state(PostState::Posted {
                    post_id: published.post_id,
                    handle,
                    view_url,
                });
            }
            Err(e) => self.post_state(PostState::Failed(e.message)),
        }
    }

    /// The composer clears for the next post; pasted pictures go.
    pub(super) fn clear_composer(&mut self) {
        let paths: Vec<_> = self.tiles.values().map(|s| s.tile.path.clone()).collect();
        for path in paths {
            self.forget_pasted(&path);
        }
        self.clear_tiles();
        self.draft_text.clear();
        self.emit(AppEvent::DraftText(String::new()));
        self.thread = Default::default();
        self.show_thread();
        self.save_draft();
    }

    pub(super) fn delete_post(&mut self, post_id: String) {
        let Some(session) = &self.session else { return };
        let engine = session.engine.clone();
        let internal = self.internal.clone();
        tokio::spawn(async move {
            let result = engine
                .client()
                .delete_post(&post_id, &|_| {})
                .await
                .map(|_| post_id)
                .map_err(|e| e.context("Deleting the post"));
            let _ = internal.send(Internal::Deleted(result));
        });
    }
}
