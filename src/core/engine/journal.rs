//! The journal: what an unfinished upload needs to continue after a crash,
//! a quit or a sleeping laptop. One small JSON file per upload in the app's
//! data dir (`journal/`), written atomically as X acknowledges segments,
//! with fsync when it starts, when it ends, and at most every few seconds in
//! between. The engine keeps it up to date; whoever started the upload
//! removes it when the media id is safe elsewhere (printed, posted, in the
//! draft) or the user discards the upload.

use std::collections::BTreeSet;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::ResumePoint;
use crate::core::clock::now_secs;
use crate::core::limits::MediaKind;
use crate::core::media::check::{CheckedMedia, display_name};
use crate::core::media::warning::ContentWarning;

pub use super::journal_posts::{Claim, PostIntent, ThreadPlace};

/// Who started the upload, so the right one picks it up again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "by", rename_all = "snake_case")]
pub enum Owner {
    /// `x-uploader upload`: each file its own media.
    CliUpload,
    /// `x-uploader post`: the post with this id (`post-<id>.json`).
    CliPost { post: String, position: usize },
    /// A tile of the window's draft (practice drafts apart).
    Draft { practice: bool },
}

/// What the file looked like when the upload started.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileId {
    pub path: PathBuf,
    pub size: u64,
    /// Modification time, nanoseconds since the epoch.
    pub mtime_ns: Option<u128>,
    /// SHA-256 of 4 KiB at the start, the thirds and the end of the file.
    pub fingerprint: String,
}

impl FileId {
    pub fn of(path: &Path) -> std::io::Result<FileId> {
        let mut file = std::fs::File::open(path)?;
        let meta = file.metadata()?;
        let size = meta.len();
        let mtime_ns = meta
            .modified()
            .ok()
            .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
            .map(|d| d.as_nanos());
        let mut hasher = Sha256::new();
        let mut buf = vec![0u8; 4096];
        for offset in [0, size / 3, size * 2 / 3, size.saturating_sub(4096)] {
            file.seek(SeekFrom::Start(offset))?;
            let n = file.read(&mut buf)?;
            hasher.update(offset.to_le_bytes());
            hasher.update(&buf[..n]);
        }
        Ok(FileId {
            path: path.to_path_buf(),
            size,
            mtime_ns,
            fingerprint: hex::encode(hasher.finalize()),
        })
    }
}

/// One upload's record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    pub version: u32,
    pub id: String,
    pub created_at: u64,
    pub api_base: String,
    /// The account uploading (`None`: a token from the environment).
    pub account_id: Option<String>,
    pub owner: Owner,
    pub file: FileId,
    pub mime: String,
    pub kind: MediaKind,
    pub segment_bytes: u64,
    pub media_id: Option<String>,
    /// Unix seconds when X forgets `media_id`.
    pub expires_at: Option<u64>,
    pub acked: BTreeSet<u32>,
    /// X finished processing: `media_id` can be posted.
    pub ready: bool,
    pub alt: Option<String>,
    /// The user's file when `file` is a copy made ready for X.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<PathBuf>,
    /// X's content warning, set when it is posted (older records: none).
    #[serde(default, skip_serializing_if = "is_unset")]
    pub warning: ContentWarning,
    /// A video's caption tracks, read, uploaded and attached when it is
    /// posted (older records: none).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub captions: Vec<CaptionTrack>,
}

/// A caption file for a journaled video, and its language.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaptionTrack {
    pub path: PathBuf,
    /// ISO 639-1, two capitals ("EN").
    pub language: String,
}

fn is_unset(w: &ContentWarning) -> bool {
    !w.is_set()
}

impl Entry {
    pub fn name(&self) -> String {
        display_name(&self.file.path)
    }

    /// Share of the file X has acknowledged, 0–100.
    pub fn percent(&self) -> u32 {
        if self.file.size == 0 {
            return 0;
        }
        let acked = super::bytes_done(
            self.file.size,
            self.segment_bytes,
            self.acked.iter().copied(),
        );
        ((acked as f64 / self.file.size as f64) * 100.0).floor() as u32
    }
}

/// What to do with a journaled upload now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Send only what X doesn't have yet.
    Continue(ResumePoint),
    /// X already has it all, processed.
    Ready(String),
    /// Start again from the beginning; the reason says why, in plain words
    /// (`None` when nothing had reached X yet).
    StartOver(Option<String>),
    /// The file is gone: nothing can be sent.
    Gone(String),
}

/// Decide how to continue `entry` given the file as it is now.
pub fn decide(entry: &Entry) -> Decision {
    let name = entry.name();
    let now = match FileId::of(&entry.file.path) {
        Ok(id) => id,
        Err(_) if entry.source.is_some() => {
            let source = entry.source.as_deref().unwrap_or(&entry.file.path);
            return Decision::Gone(format!(
                "The copy of {name} made ready for X is gone, so its upload can't continue. Add {} again.",
                source.display()
            ));
        }
        Err(_) => {
            return Decision::Gone(format!(
                "{name} is no longer at {}: it was moved or deleted, so its upload can't continue. Add it again.",
                entry.file.path.display()
            ));
        }
    };
    if now != entry.file {
        return Decision::StartOver(Some(format!(
            "{name} changed since its upload started; uploading it again from the beginning."
        )));
    }
    let Some(media_id) = entry.media_id.clone() else {
        return Decision::StartOver(None);
    };
    if entry.expires_at.is_none_or(|t| t <= now_secs() + 60) {
        return Decision::StartOver(Some(format!(
            "X no longer holds the earlier upload of {name} (it expired); uploading it again from the beginning."
        )));
    }
    if entry.ready {
        return Decision::Ready(media_id);
    }
    Decision::Continue(ResumePoint {
        media_id,
        expires_at: entry.expires_at,
        segment_bytes: entry.segment_bytes,
        acked: entry.acked.clone(),
    })
}

/// The journal folder.
#[derive(Debug, Clone)]
pub struct Journal {
    dir: PathBuf,
}

/// An entry that could not be read, set aside.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetAside {
    pub message: String,
}

impl Journal {
    pub fn new(data_dir: &Path) -> Journal {
        Journal {
            dir: data_dir.join("journal"),
        }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn path(&self, id: &str) -> PathBuf {
        self.dir.join(format!("upload-{id}.json"))
    }

    /// Start a record for a checked file.
    pub fn create(
        &self,
        media: &CheckedMedia,
        owner: Owner,
        api_base: &str,
        account_id: Option<String>,
        segment_bytes: u64,
        alt: Option<String>,
    ) -> std::io::Result<Record> {
        let entry = Entry {
            version: 1,
            id: random_id(),
            created_at: now_secs(),
            api_base: api_base.to_string(),
            account_id,
            owner,
            file: FileId::of(&media.path)?,
            mime: media.mime.clone(),
            kind: media.kind,
            segment_bytes,
            media_id: None,
            expires_at: None,
            acked: BTreeSet::new(),
            ready: false,
            alt,
            source: media.source.clone(),
            warning: ContentWarning::default(),
            captions: Vec::new(),
        };
        let record = Record::new(self.path(&entry.id), entry);
        record.save(true)?;
        Ok(record)
    }

    /// A record read back, to continue it.
    pub fn record(&self, entry: Entry) -> Record {
        Record::new(self.path(&entry.id), entry)
    }

    /// Every readable upload entry; damaged ones are renamed `*.damaged`
    /// and reported.
    pub fn entries(&self) -> (Vec<Entry>, Vec<SetAside>) {
        self.read_all("upload-", "an unfinished upload")
    }

    /// Files `<prefix>*.json` that parse as `T`; the others set aside.
    pub(super) fn read_all<T: serde::de::DeserializeOwned>(
        &self,
        prefix: &str,
        what: &str,
    ) -> (Vec<T>, Vec<SetAside>) {
        let mut found = Vec::new();
        let mut aside = Vec::new();
        let Ok(dir) = std::fs::read_dir(&self.dir) else {
            return (found, aside);
        };
        let mut paths: Vec<PathBuf> = dir.flatten().map(|e| e.path()).collect();
        paths.sort();
        for path in paths {
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            if !(name.starts_with(prefix) && name.ends_with(".json")) {
                continue;
            }
            match std::fs::read(&path)
                .ok()
                .and_then(|b| serde_json::from_slice::<T>(&b).ok())
            {
                Some(item) => found.push(item),
                None => {
                    let damaged = path.with_extension("damaged");
                    let _ = std::fs::rename(&path, &damaged);
                    aside.push(SetAside {
                        message: format!(
                            "A record of {what} could not be read; it was set aside as {}.",
                            damaged.display()
                        ),
                    });
                }
            }
        }
        (found, aside)
    }

    pub fn remove(&self, id: &str) {
        let _ = std::fs::remove_file(self.path(id));
    }
}

pub(super) fn random_id() -> String {
    hex::encode(rand::random::<[u8; 8]>())
}

struct RecordState {
    entry: Entry,
    last_sync: Instant,
    /// Removed: late acks from an upload still winding down write nothing.
    removed: bool,
}

/// A live journal entry, updated by the engine as the upload goes.
#[derive(Clone)]
pub struct Record {
    path: PathBuf,
    state: Arc<Mutex<RecordState>>,
}

impl std::fmt::Debug for Record {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Record").field("path", &self.path).finish()
    }
}

/// fsync no more often than this while segments go.
const SYNC_EVERY: Duration = Duration::from_secs(3);

impl Record {
    fn new(path: PathBuf, entry: Entry) -> Record {
        Record {
            path,
            state: Arc::new(Mutex::new(RecordState {
                entry,
                last_sync: Instant::now(),
                removed: false,
            })),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, RecordState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn entry(&self) -> Entry {
        self.lock().entry.clone()
    }

    pub fn id(&self) -> String {
        self.lock().entry.id.clone()
    }

    fn save(&self, sync: bool) -> std::io::Result<()> {
        let mut state = self.lock();
        if state.removed {
            return Ok(());
        }
        let sync = sync || state.last_sync.elapsed() >= SYNC_EVERY;
        let json = serde_json::to_vec_pretty(&state.entry).map_err(std::io::Error::other)?;
        crate::core::fsx::write_replace(&self.path, &json, sync)?;
        if sync {
            state.last_sync = Instant::now();
        }
        Ok(())
    }

    fn update(&self, sync: bool, f: impl FnOnce(&mut Entry)) {
        f(&mut self.lock().entry);
        if let Err(e) = self.save(sync) {
            tracing::warn!("journal {} not written: {e}", self.path.display());
        }
    }

    pub(crate) fn media_created(&self, media_id: &str, expires_at: u64, segment_bytes: u64) {
        self.update(true, |e| {
            e.media_id = Some(media_id.to_string());
            e.expires_at = Some(expires_at);
            e.segment_bytes = segment_bytes;
            e.acked.clear();
            e.ready = false;
        });
    }

    /// What goes on the media when it is posted: X's content warning and
    /// caption tracks.
    pub fn set_extras(&self, warning: ContentWarning, captions: Vec<CaptionTrack>) {
        self.update(true, |e| {
            e.warning = warning;
            e.captions = captions;
        });
    }

    pub(crate) fn acked(&self, index: u32) {
        self.update(false, |e| {
            e.acked.insert(index);
        });
    }

    pub(crate) fn ready(&self) {
        self.update(true, |e| {
            e.ready = true;
            // X's word at INITIALIZE stands; else its usual 24 h.
            e.expires_at = e
                .expires_at
                .or(Some(now_secs() + crate::core::limits::MEDIA_EXPIRY_SECS));
        });
    }

    /// Forget this upload for good; later updates write nothing.
    pub fn remove(&self) {
        let mut state = self.lock();
        state.removed = true;
        let _ = std::fs::remove_file(&self.path);
    }

    /// Forget the upload, and the prepared copy of the file it sent (the
    /// command line; a window's tile keeps its copy until the tile goes).
    pub fn remove_with_copy(&self) {
        self.remove();
        let state = self.lock();
        // `<data>/journal/upload-….json` → `<data>/prepared/…`
        if state.entry.source.is_some()
            && let Some(data_dir) = self.path.parent().and_then(Path::parent)
        {
            crate::core::media::cache::Cache::new(data_dir).discard(&state.entry.file.path);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::limits::AccountTier;
    use crate::core::media::{check, testdata};
    use std::io::Write;

    #[test]
    fn decisions_follow_the_file_and_the_expiry() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("v.mp4");
        testdata::write_video(&file, 2.0, 300_000, testdata::Container::Mp4).unwrap();
        let media = check::check_file(&file, AccountTier::Standard).unwrap();
        let journal = Journal::new(dir.path());
        let rec = journal
            .create(&media, Owner::CliUpload, "http://x", None, 100_000, None)
            .unwrap();
        assert_eq!(
            decide(&rec.entry()),
            Decision::StartOver(None),
            "nothing reached X yet"
        );
        rec.media_created("123", now_secs() + 3600, 100_000);
        rec.acked(0);
        rec.acked(2);
        match decide(&rec.entry()) {
            Decision::Continue(p) => {
                assert_eq!(p.media_id, "123");
                assert_eq!(p.acked.into_iter().collect::<Vec<_>>(), vec![0, 2]);
            }
            other => panic!("{other:?}"),
        }
        let (entries, aside) = journal.entries();
        assert_eq!(entries.len(), 1);
        assert!(aside.is_empty());
        assert!(entries[0].percent() >= 60);

        let mut expired = rec.entry();
        expired.expires_at = Some(now_secs() - 1);
        assert!(
            matches!(decide(&expired), Decision::StartOver(Some(m)) if m.contains("it expired"))
        );

        std::fs::OpenOptions::new()
            .append(true)
            .open(&file)
            .unwrap()
            .write_all(b"more")
            .unwrap();
        assert!(
            matches!(decide(&rec.entry()), Decision::StartOver(Some(m)) if m.contains("changed since"))
        );
        std::fs::remove_file(&file).unwrap();
        assert!(
            matches!(decide(&rec.entry()), Decision::Gone(m) if m.contains("moved or deleted"))
        );

        std::fs::write(journal.dir().join("upload-broken.json"), "{oops").unwrap();
        let (entries, aside) = journal.entries();
        assert_eq!(entries.len(), 1);
        assert_eq!(aside.len(), 1);
        assert!(aside[0].message.contains("set aside"));
        rec.remove();
        assert!(journal.entries().0.is_empty());
    }

    #[test]
    fn warnings_and_caption_tracks_are_kept_and_older_records_still_load() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("v.mp4");
        testdata::write_video(&file, 1.0, 100_000, testdata::Container::Mp4).unwrap();
        let media = check::check_file(&file, AccountTier::Standard).unwrap();
        let journal = Journal::new(dir.path());
        let rec = journal
            .create(&media, Owner::CliUpload, "http://x", None, 100_000, None)
            .unwrap();
        // Written as before these existed: no such keys, and it loads.
        let text = std::fs::read_to_string(journal.path(&rec.id())).unwrap();
        assert!(
            !text.contains("warning") && !text.contains("captions"),
            "{text}"
        );
        assert_eq!(journal.entries().0, vec![rec.entry()]);
        let warning = ContentWarning::parse("graphic_violence").unwrap();
        let tracks = vec![CaptionTrack {
            path: dir.path().join("v.en.srt"),
            language: "EN".into(),
        }];
        rec.set_extras(warning, tracks.clone());
        let (entries, _) = journal.entries();
        assert_eq!(entries[0].warning, warning);
        assert_eq!(entries[0].captions, tracks);
    }
}
