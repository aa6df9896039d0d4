//! The composer's uploads: started as soon as a file checks out (like X's
//! own composer), journaled so a quit or crash can continue them, followed
//! chunk by chunk, and ended as ready, failed, cancelled or waiting for a
//! sign-in.

use std::time::Instant;

use super::worker::{Internal, Worker};
use crate::core::draft::{MediaState, TileKey};
use crate::core::engine::journal::Owner;
use crate::core::engine::{Event, UploadId, Uploaded};
use crate::core::xclient::{ErrorKind, XError};

impl Worker {
    /// Upload the tile's file for the active account (or say it waits for
    /// a sign-in); a media id X still holds for this account is reused.
    pub(super) fn start_upload(&mut self, key: TileKey) {
        let Some(slot) = self.tiles.get(&key) else {
            return;
        };
        let Some(media) = slot.checked.clone() else {
            return;
        };
        let state = &slot.tile.state;
        let can_start = slot.upload.is_none()
            && (state.allows(&MediaState::Uploading) || *state == MediaState::WaitingForSignIn);
        if !can_start {
            return;
        }
        let Some(session) = &self.session else {
            self.set_state(key, MediaState::WaitingForSignIn);
            return;
        };
        if let Some((_, account)) = &slot.uploaded
            && *account == session.account.id
        {
            self.set_state(key, MediaState::Ready);
            self.maybe_post();
            return;
        }
        let engine = session.engine.clone();
        let session_id = session.id;
        let account_id = session.account.id.clone();
        let (record, resume, alt) = (
            slot.record.clone(),
            slot.resume.clone(),
            slot.tile.alt.clone(),
        );
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
        if let Some(slot) = self.tiles.get_mut(&key) {
            slot.upload = Some((session_id, id));
            slot.uploaded = None;
            slot.resume = None;
            slot.record = record;
            slot.tile.progress = None;
        }
        self.set_state(key, MediaState::Uploading);
        let internal = self.internal.clone();
        tokio::spawn(async move {
            let result = engine.wait(id).await;
            let _ = internal.send(Internal::UploadDone(session_id, id, result));
        });
    }

    fn key_of(&self, session: u64, id: UploadId) -> Option<TileKey> {
        self.tiles
            .iter()
            .find(|(_, s)| s.upload == Some((session, id)))
            .map(|(k, _)| *k)
    }

    pub(super) fn engine_event(&mut self, session: u64, event: Event) {
        let Some(key) = self.key_of(session, event.id()) else {
            return;
        };
        let Some(slot) = self.tiles.get_mut(&key) else {
            return;
        };
        if let Event::MediaCreated { expires_at, .. } = &event {
            slot.expires_at = Some(*expires_at);
            return;
        }
        let before = (slot.tile.state.clone(), slot.tile.progress.clone());
        slot.tile.apply(&event, Instant::now());
        if (&slot.tile.state, &slot.tile.progress) != (&before.0, &before.1) {
            self.show(key);
        }
    }

    pub(super) fn upload_done(
        &mut self,
        session: u64,
        id: UploadId,
        result: Result<Uploaded, XError>,
    ) {
        let Some(key) = self.key_of(session, id) else {
            return;
        };
        let account_id = self
            .session
            .as_ref()
            .map(|s| s.account.id.clone())
            .unwrap_or_default();
        let Some(slot) = self.tiles.get_mut(&key) else {
            return;
        };
        slot.upload = None;
        match result {
            Ok(done) => {
                slot.uploaded = Some((done, account_id));
                // The draft keeps the media id from now on.
                let record = slot.record.take();
                if let Some(p) = &mut slot.tile.progress {
                    p.note = None;
                }
                self.set_state(key, MediaState::Ready);
                self.save_draft();
                if let Some(r) = record {
                    r.remove();
                }
                self.maybe_post();
            }
            Err(e) if e.kind == ErrorKind::Cancelled => {
                // Cancelled by the user (a quit never gets here).
                if let Some(r) = slot.record.take() {
                    r.remove();
                }
                let name = slot.tile.name.clone();
                self.set_state(key, MediaState::Cancelled);
                self.drop_queued_post(&format!("the upload of {name} was cancelled."));
            }
            Err(e) if e.kind == ErrorKind::SignInEnded => {
                // Nothing is lost: the tile waits for the next sign-in.
                self.set_state(key, MediaState::WaitingForSignIn);
                self.sign_in_expired(e.message);
            }
            Err(e) => {
                self.offer_conversion(key, &e);
                let retryable = e.retryable() || e.is_network();
                self.set_state(
                    key,
                    MediaState::Failed {
                        message: e.message.clone(),
                        retryable,
                    },
                );
                self.drop_queued_post(&format!("an upload failed. {}", e.message));
            }
        }
    }
}
