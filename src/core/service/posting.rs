//! Posting from the composer: when every file is ready, alt texts first,
//! then the post, once; and deleting a post just made.

use super::worker::{Internal, Worker};
use super::{AppEvent, PostState, TileKey};
use crate::core::engine::post::{Published, create_post_once, post_url};
use crate::core::xclient::XError;
use crate::core::xclient::api::User;

impl Worker {
    /// Post if asked and every file is ready; else say what we wait for.
    pub(super) fn maybe_post(&mut self) {
        let Some(text) = self.pending_post.clone() else {
            return;
        };
        if self.posting {
            return;
        }
        let Some(session) = &self.session else {
            self.post_state(PostState::Failed("Sign in to post.".into()));
            self.pending_post = None;
            return;
        };
        if self.tiles.values().any(|t| t.refused) {
            self.pending_post = None;
            self.post_state(PostState::Failed(
                "Remove the files X can't take (marked in red) before posting.".into(),
            ));
            return;
        }
        let kinds: Vec<_> = self
            .tiles
            .values()
            .filter_map(|t| t.checked.as_ref().map(|c| c.kind))
            .collect();
        if let Err(e) = crate::core::compose::check_mix(&kinds) {
            self.pending_post = None;
            self.post_state(PostState::Failed(e.to_string()));
            return;
        }
        let account_id = session.account.id.clone();
        let all_ready = self.tiles.values().all(|t| {
            t.uploaded
                .as_ref()
                .is_some_and(|u| u.account_id == account_id)
        });
        if !all_ready {
            self.post_state(PostState::WaitingForUploads);
            return;
        }
        self.posting = true;
        self.post_state(PostState::Posting);
        // Alt texts first (only those X doesn't have yet), then the post.
        let alts: Vec<(TileKey, String, String)> = self
            .tiles
            .iter()
            .filter_map(|(k, t)| {
                let u = t.uploaded.as_ref()?;
                let kind = t.checked.as_ref()?.kind;
                (kind.takes_alt_text() && !t.alt.trim().is_empty() && t.alt != u.alt_sent)
                    .then(|| (*k, u.media_id.clone(), t.alt.clone()))
            })
            .collect();
        let engine = session.engine.clone();
        let internal = self.internal.clone();
        let _ = text;
        tokio::spawn(async move {
            let mut done = Vec::new();
            for (key, media_id, alt) in alts {
                if let Err(e) = engine.client().set_alt_text(&media_id, &alt, &|_| {}).await {
                    let _ = internal.send(Internal::AltSet(Err(e.context("Adding alt text"))));
                    return;
                }
                done.push((key, alt));
            }
            let _ = internal.send(Internal::AltSet(Ok(done)));
        });
    }

    pub(super) fn alt_set(&mut self, result: Result<Vec<(TileKey, String)>, XError>) {
        let done = match result {
            Ok(done) => done,
            Err(e) => {
                self.posting = false;
                self.pending_post = None;
                self.post_state(PostState::Failed(e.message));
                return;
            }
        };
        for (key, alt) in done {
            if let Some(u) = self.tiles.get_mut(&key).and_then(|t| t.uploaded.as_mut()) {
                u.alt_sent = alt;
            }
        }
        let (Some(session), Some(text)) = (&self.session, self.pending_post.clone()) else {
            self.posting = false;
            return;
        };
        let media_ids: Vec<String> = self
            .tiles
            .values()
            .filter_map(|t| t.uploaded.as_ref().map(|u| u.media_id.clone()))
            .collect();
        let account = session.account.clone();
        let engine = session.engine.clone();
        let internal = self.internal.clone();
        tokio::spawn(async move {
            let me = User {
                id: account.id.clone(),
                username: account.username.clone(),
                name: account.name.clone(),
                subscription_type: account.subscription_type.clone(),
            };
            let result = create_post_once(
                engine.client(),
                &me,
                &text,
                &media_ids,
                &Default::default(),
                &|_| {},
            )
            .await
            .map(|post| Published {
                url: post_url(&me.username, &post.id),
                post_id: post.id,
                media: Vec::new(),
            });
            let _ = internal.send(Internal::PostDone(result));
        });
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
                self.last_post = Some((published.post_id.clone(), view_url.clone()));
                self.post_state(PostState::Posted {
                    post_id: published.post_id,
                    handle,
                    view_url,
                });
                // The composer clears for the next post.
                self.clear_tiles();
                self.draft_text.clear();
                self.emit(AppEvent::DraftText(String::new()));
                self.save_draft();
            }
            Err(e) => self.post_state(PostState::Failed(e.message)),
        }
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
