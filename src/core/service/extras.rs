//! What the window adds to a post besides files, text and alt texts:
//! captions on the video (`captions.rs`), a content warning per photo or
//! video, and who can reply — remembered per account as its default.

use std::collections::BTreeMap;
use std::path::PathBuf;

use super::captions::CaptionsState;
use super::worker::Worker;
use super::{AppEvent, TileKey};
use crate::core::fsx::write_atomic;
use crate::core::media::warning::ContentWarning;

/// What the window asks about captions, warnings and replies.
#[derive(Debug, Clone, PartialEq)]
pub enum ExtrasCommand {
    /// "Add captions…": the file dialog for .srt and .vtt files.
    PickCaptions(TileKey),
    /// Caption files for this video (dropped, picked, or restored).
    AddCaptions(TileKey, Vec<PathBuf>),
    /// "Add" on the offer of a caption file found next to the video.
    AcceptOffer(TileKey),
    /// "No thanks" on it.
    DeclineOffer(TileKey),
    /// The nth caption track's language (ISO 639-1, two capitals).
    SetCaptionLanguage(TileKey, usize, String),
    RemoveCaptions(TileKey, usize),
    SetWarning(TileKey, ContentWarning),
    /// Who can reply (X's `reply_settings`; `None`: everyone).
    SetReplySettings(Option<String>),
}

/// The service's side of the extras.
#[derive(Default)]
pub(super) struct ExtrasState {
    pub captions: CaptionsState,
    /// Who can reply to the post being written (the account's default).
    pub reply: Option<String>,
}

/// Each account's default for who can reply, `<data>/reply-settings.json`.
#[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
struct ReplyDefaults(BTreeMap<String, String>);

impl Worker {
    pub(super) fn extras_command(&mut self, command: ExtrasCommand) {
        match command {
            ExtrasCommand::SetWarning(key, warning) => {
                if let Some(slot) = self.tiles.get_mut(&key) {
                    slot.tile.extras.warning = warning;
                    self.show(key);
                    self.save_draft();
                }
            }
            ExtrasCommand::SetReplySettings(reply) => {
                self.extras.reply = reply.clone();
                self.emit(AppEvent::ReplySettings(reply.clone()));
                let Some(account) = self.session.as_ref().map(|s| s.account.id.clone()) else {
                    return;
                };
                let path = self.reply_defaults_path();
                self.files.write(move || {
                    let mut all = read_defaults(&path);
                    match reply {
                        Some(r) => all.0.insert(account, r),
                        None => all.0.remove(&account),
                    };
                    let saved = serde_json::to_vec_pretty(&all)
                        .map_err(std::io::Error::other)
                        .and_then(|json| write_atomic(&path, &json));
                    if let Err(e) = saved {
                        tracing::warn!("who-can-reply default not saved: {e}");
                    }
                });
            }
            other => self.captions_command(other),
        }
    }

    /// A session began: its account's default for who can reply, and the
    /// caption files not yet at X for this account go up.
    pub(super) fn extras_session_started(&mut self) {
        let Some(account) = self.session.as_ref().map(|s| s.account.id.clone()) else {
            return;
        };
        let reply = read_defaults(&self.reply_defaults_path())
            .0
            .remove(&account);
        self.extras.reply = reply.clone();
        self.emit(AppEvent::ReplySettings(reply));
        self.upload_pending_captions();
    }

    fn reply_defaults_path(&self) -> PathBuf {
        self.options
            .config
            .paths
            .data_dir
            .join("reply-settings.json")
    }
}

fn read_defaults(path: &std::path::Path) -> ReplyDefaults {
    std::fs::read(path)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or_default()
}
