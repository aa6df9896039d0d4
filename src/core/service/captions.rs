//! Captions on the composer's video: files added by "Add captions…", by a
//! drop, or from the offer of one found next to the video; each checked as
//! it comes (in plain words on the tile), fitted to the video once its
//! length is known, uploaded at once, and attached after processing, just
//! before the post (`engine::post::describe_and_post`).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use super::extras::ExtrasCommand;
use super::worker::{Internal, Worker};
use super::{AppEvent, TileKey};
use crate::core::draft::{CaptionOffer, DraftCaption, TileCaption};
use crate::core::engine::post::ReadyMedia;
use crate::core::limits::MediaKind;
use crate::core::media::captions::{self, CaptionFile};
use crate::core::media::check::{Refusal, display_name};
use crate::core::xclient::XError;

/// One caption file on a video, and its upload (account id, media id).
struct Track {
    file: CaptionFile,
    upload: Option<(String, String)>,
    uploading: bool,
}

#[derive(Default)]
pub(super) struct CaptionsState {
    tracks: BTreeMap<TileKey, Vec<Track>>,
    /// Caption files found next to a video, offered one at a time.
    offers: BTreeMap<TileKey, Vec<PathBuf>>,
    /// Videos whose folder was already looked through.
    looked: BTreeSet<TileKey>,
}

/// Results of the captions' own tasks, back on the loop.
pub(super) enum CaptionsInternal {
    Picked(TileKey, Vec<PathBuf>),
    Loaded(TileKey, Box<Result<CaptionFile, Refusal>>),
    Uploaded {
        key: TileKey,
        path: PathBuf,
        account: String,
        result: Result<String, XError>,
    },
    Found(TileKey, Vec<PathBuf>),
}

pub fn is_caption_file(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("srt") || e.eq_ignore_ascii_case("vtt"))
}

impl Worker {
    pub(super) fn captions_command(&mut self, command: ExtrasCommand) {
        match command {
            ExtrasCommand::PickCaptions(key) => {
                let internal = self.internal.clone();
                std::thread::spawn(move || {
                    let started = std::time::Instant::now();
                    let files = rfd::FileDialog::new()
                        .set_title("Add captions")
                        .add_filter("Captions (SRT or WebVTT)", &["srt", "vtt"])
                        .pick_files()
                        .unwrap_or_default();
                    // Empty faster than a person can cancel: no dialog could show.
                    let _ = internal.send(if files.is_empty() && started.elapsed().as_millis() < 400 {
                        Internal::Notice(
                            "No file dialog could be opened on this computer. Drag the .srt or .vtt file onto the window instead.".into(),
                        )
                    } else {
                        Internal::Captions(CaptionsInternal::Picked(key, files))
                    });
                });
            }
            ExtrasCommand::AddCaptions(key, paths) => {
                let paths = paths.into_iter().map(|p| (p, None)).collect();
                self.add_captions(key, paths);
            }
            ExtrasCommand::AcceptOffer(key) | ExtrasCommand::DeclineOffer(key) => {
                let offers = self.extras.captions.offers.entry(key).or_default();
                let first = (!offers.is_empty()).then(|| offers.remove(0));
                match (first, matches!(command, ExtrasCommand::AcceptOffer(_))) {
                    (Some(path), true) => self.add_captions(key, vec![(path, None)]),
                    _ => self.show_captions(key),
                }
            }
            ExtrasCommand::SetCaptionLanguage(key, n, language) => {
                if let Some(t) = self.tracks_mut(key).and_then(|t| t.get_mut(n)) {
                    t.file.language = language;
                }
                self.show_captions(key);
                self.save_draft();
            }
            ExtrasCommand::RemoveCaptions(key, n) => {
                if let Some(tracks) = self.tracks_mut(key)
                    && n < tracks.len()
                {
                    tracks.remove(n);
                }
                self.show_captions(key);
                self.save_draft();
            }
            _ => {}
        }
    }

    pub(super) fn captions_internal(&mut self, result: CaptionsInternal) {
        match result {
            CaptionsInternal::Picked(key, files) => {
                let files = files.into_iter().map(|p| (p, None)).collect();
                self.add_captions(key, files);
            }
            CaptionsInternal::Loaded(key, result) => self.captions_loaded(key, *result),
            CaptionsInternal::Uploaded {
                key,
                path,
                account,
                result,
            } => {
                let track = self
                    .tracks_mut(key)
                    .and_then(|t| t.iter_mut().find(|t| t.file.path == path));
                if let Some(track) = track {
                    track.uploading = false;
                    match result {
                        Ok(id) => track.upload = Some((account, id)),
                        // Sent again with the post.
                        Err(e) => tracing::warn!("captions not uploaded yet: {}", e.message),
                    }
                }
                self.show_captions(key);
            }
            CaptionsInternal::Found(key, found) => {
                let known: Vec<PathBuf> = self
                    .extras
                    .captions
                    .tracks
                    .get(&key)
                    .map(|t| t.iter().map(|t| t.file.path.clone()).collect())
                    .unwrap_or_default();
                let fresh = found.into_iter().filter(|p| !known.contains(p)).collect();
                self.extras.captions.offers.insert(key, fresh);
                self.show_captions(key);
            }
        }
    }

    fn tracks_mut(&mut self, key: TileKey) -> Option<&mut Vec<Track>> {
        self.extras.captions.tracks.get_mut(&key)
    }

    /// Files dropped or opened that are captions go with the post's video.
    pub(super) fn captions_dropped(&mut self, paths: Vec<PathBuf>) {
        if paths.is_empty() {
            return;
        }
        let video = self.tiles.iter().find_map(|(k, s)| {
            let video = match s.tile.kind() {
                Some(kind) => kind == MediaKind::Video,
                None => looks_like_video(&s.tile.path),
            };
            video.then_some(*k)
        });
        match video {
            Some(key) => self.add_captions(key, paths.into_iter().map(|p| (p, None)).collect()),
            None => {
                let names: Vec<String> = paths.iter().map(|p| display_name(p)).collect();
                self.emit(AppEvent::Notice(format!(
                    "{} can't be added on its own: captions go with a video. Add the video first, then its captions.",
                    names.join(", ")
                )));
            }
        }
    }

    /// Read and check caption files off the loop (a language given, or the
    /// one in the name, else English).
    pub(super) fn add_captions(&mut self, key: TileKey, files: Vec<(PathBuf, Option<String>)>) {
        let Some(slot) = self.tiles.get_mut(&key) else {
            return;
        };
        slot.tile.extras.problem = None;
        for (path, language) in files {
            let internal = self.internal.clone();
            tokio::task::spawn_blocking(move || {
                let loaded = captions::load(&path, language.as_deref());
                let _ = internal.send(Internal::Captions(CaptionsInternal::Loaded(
                    key,
                    Box::new(loaded),
                )));
            });
        }
        self.show_captions(key);
    }

    fn captions_loaded(&mut self, key: TileKey, result: Result<CaptionFile, Refusal>) {
        let Some(slot) = self.tiles.get_mut(&key) else {
            return;
        };
        let duration = slot.tile.info.as_ref().and_then(|i| i.duration_secs);
        let fitted = result.and_then(|mut file| match duration {
            Some(secs) => file.fit_to(&slot.tile.name, secs).map(|()| file),
            None => Ok(file),
        });
        let file = match fitted {
            Ok(file) => file,
            Err(refusal) => {
                slot.tile.extras.problem = Some(refusal.message);
                self.show_captions(key);
                return;
            }
        };
        if let Some(offers) = self.extras.captions.offers.get_mut(&key) {
            offers.retain(|p| *p != file.path);
        }
        let tracks = self.extras.captions.tracks.entry(key).or_default();
        tracks.retain(|t| t.file.path != file.path);
        tracks.push(Track {
            file,
            upload: None,
            uploading: false,
        });
        self.upload_pending_captions();
        self.show_captions(key);
        self.save_draft();
    }

    /// Upload, for the signed-in account, every caption file not at X yet.
    pub(super) fn upload_pending_captions(&mut self) {
        let Some(session) = &self.session else {
            return;
        };
        let account = session.account.id.clone();
        for (key, tracks) in &mut self.extras.captions.tracks {
            for t in tracks.iter_mut() {
                let done = t.upload.as_ref().is_some_and(|(a, _)| *a == account);
                if done || t.uploading {
                    continue;
                }
                t.uploading = true;
                let (engine, internal) = (session.engine.clone(), self.internal.clone());
                let (key, file, account) = (*key, t.file.clone(), account.clone());
                tokio::spawn(async move {
                    let result =
                        crate::core::engine::extras::upload_one(engine.client(), &file, &|_| {})
                            .await;
                    let _ = internal.send(Internal::Captions(CaptionsInternal::Uploaded {
                        key,
                        path: file.path,
                        account,
                        result,
                    }));
                });
            }
        }
    }

    /// A video checked out: captions added before its length was known
    /// are fitted to it now; the caption files next to it offered, once.
    pub(super) fn look_for_captions(&mut self, key: TileKey) {
        self.fit_captions(key);
        let Some(slot) = self.tiles.get(&key) else {
            return;
        };
        if slot.tile.kind() != Some(MediaKind::Video) || !self.extras.captions.looked.insert(key) {
            return;
        }
        let (video, internal) = (slot.tile.path.clone(), self.internal.clone());
        tokio::task::spawn_blocking(move || {
            let found = captions_next_to(&video);
            let _ = internal.send(Internal::Captions(CaptionsInternal::Found(key, found)));
        });
    }

    /// Fit every track to the video's length: one starting after the end
    /// is taken off with the reason on the tile; one cut short goes again.
    fn fit_captions(&mut self, key: TileKey) {
        let Some(slot) = self.tiles.get_mut(&key) else {
            return;
        };
        let Some(secs) = slot.tile.info.as_ref().and_then(|i| i.duration_secs) else {
            return;
        };
        let Some(tracks) = self.extras.captions.tracks.get_mut(&key) else {
            return;
        };
        let before = tracks.len();
        let mut problem = None;
        tracks.retain_mut(|t| {
            let bytes = t.file.bytes.clone();
            match t.file.fit_to(&slot.tile.name, secs) {
                Ok(()) => {
                    if t.file.bytes != bytes {
                        t.upload = None;
                    }
                    true
                }
                Err(refusal) => {
                    problem = Some(refusal.message);
                    false
                }
            }
        });
        if problem.is_some() {
            slot.tile.extras.problem = problem;
        }
        if tracks.len() != before {
            self.save_draft();
        }
        self.upload_pending_captions();
        self.show_captions(key);
    }

    /// The tile shows its tracks, the first offer, and any problem.
    fn show_captions(&mut self, key: TileKey) {
        let account = self.session.as_ref().map(|s| s.account.id.clone());
        let state = &self.extras.captions;
        let Some(slot) = self.tiles.get_mut(&key) else {
            return;
        };
        let extras = &mut slot.tile.extras;
        extras.captions = state
            .tracks
            .get(&key)
            .map(|tracks| {
                tracks
                    .iter()
                    .map(|t| TileCaption {
                        path: t.file.path.clone(),
                        name: t.file.name.clone(),
                        language: t.file.language.clone(),
                        uploaded: t.upload.as_ref().map(|(a, _)| a) == account.as_ref(),
                    })
                    .collect()
            })
            .unwrap_or_default();
        extras.offer = state
            .offers
            .get(&key)
            .and_then(|o| o.first())
            .map(|path| CaptionOffer {
                path: path.clone(),
                name: display_name(path),
                language: captions::language_from_name(path).unwrap_or_else(|| "EN".into()),
            });
        self.show(key);
    }

    /// The tile went: its captions and offers go with it.
    pub(super) fn forget_captions(&mut self, key: Option<TileKey>) {
        let state = &mut self.extras.captions;
        match key {
            Some(key) => {
                state.tracks.remove(&key);
                state.offers.remove(&key);
                state.looked.remove(&key);
            }
            None => *state = Default::default(),
        }
    }

    /// The tile's captions as the draft keeps them.
    pub(super) fn draft_captions(&self, key: TileKey) -> Vec<DraftCaption> {
        self.extras
            .captions
            .tracks
            .get(&key)
            .map(|t| {
                t.iter()
                    .map(|t| DraftCaption {
                        path: t.file.path.clone(),
                        language: t.file.language.clone(),
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    /// What goes on the tile's media before the post: its warning and its
    /// captions, fitted to the video (a file changed by the fit is sent
    /// again). Two tracks of one language are refused in plain words.
    pub(super) fn ready_media(
        &self,
        key: TileKey,
        uploaded: crate::core::engine::Uploaded,
        account: &str,
    ) -> Result<ReadyMedia, String> {
        let slot = self.tiles.get(&key).ok_or("The file is gone.")?;
        let duration = slot.tile.info.as_ref().and_then(|i| i.duration_secs);
        let mut captions = Vec::new();
        let tracks = self.extras.captions.tracks.get(&key);
        for t in tracks.into_iter().flatten() {
            let mut file = t.file.clone();
            if let Some(secs) = duration {
                file.fit_to(&slot.tile.name, secs).map_err(|r| r.message)?;
            }
            if let Some((other, _)) = captions
                .iter()
                .find(|(c, _): &&(CaptionFile, _)| c.language == file.language)
            {
                return Err(format!(
                    "{} and {} are both {} captions: choose each file's language on the video.",
                    other.name,
                    file.name,
                    file.language_name()
                ));
            }
            let id = t
                .upload
                .as_ref()
                .filter(|(a, _)| a == account && file.bytes == t.file.bytes)
                .map(|(_, id)| id.clone());
            captions.push((file, id));
        }
        Ok(ReadyMedia {
            uploaded,
            alt: slot.tile.takes_alt().then(|| slot.tile.alt.clone()),
            warning: Some(slot.tile.extras.warning),
            captions,
        })
    }
}

fn looks_like_video(path: &Path) -> bool {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    matches!(ext.as_str(), "mp4" | "mov" | "m4v" | "webm")
}

/// `talk.srt`, `talk.vtt`, `talk.en.srt`… next to `talk.mp4`, by name.
fn captions_next_to(video: &Path) -> Vec<PathBuf> {
    let (Some(dir), Some(stem)) = (video.parent(), video.file_stem().and_then(|s| s.to_str()))
    else {
        return Vec::new();
    };
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut found: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| is_caption_file(p) && p.is_file())
        .filter(|p| {
            p.file_stem().and_then(|s| s.to_str()).is_some_and(|s| {
                s == stem || s.strip_prefix(stem).is_some_and(|t| t.starts_with('.'))
            })
        })
        .collect();
    found.sort();
    found
}
