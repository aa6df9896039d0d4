//! A journaled post's files made ready to go on — shared by `resume` and
//! the window's queue: each upload record decides (with the file as it is
//! now) whether to continue, reuse X's media id, or start over.

use crate::core::clock::now_secs;
use crate::core::engine::ResumePoint;
use std::path::Path;

use crate::core::engine::journal::{
    CaptionTrack, Decision, Entry, Journal, PostIntent, Record, decide,
};
use crate::core::engine::post::PostItem;
use crate::core::limits::{AccountTier, MediaKind};
use crate::core::media::captions::{self, CaptionFile};
use crate::core::media::check::{self, CheckedMedia};

/// How files are checked again: for this account, keeping their location or not.
#[derive(Debug, Clone, Copy)]
pub struct Checking {
    pub tier: AccountTier,
    pub keep_location: bool,
}

/// How one journaled upload goes on.
pub enum Prepared {
    Start(CheckedMedia, Option<ResumePoint>, Record),
    Ready(CheckedMedia, String, Record),
}

/// Why a journaled upload can't go on; with its record when its file is
/// gone (the caller forgets it, or waits for the file to come back).
pub type Unprepared = (String, Option<Record>);

/// Decide how `entry` goes on; `notes` gets what is worth saying (a start
/// over and why, a continuation). A file X holds ready, and for a while
/// yet, goes on from X's media id even if the file is gone meanwhile.
pub fn prepare(
    checking: Checking,
    journal: &Journal,
    entry: Entry,
    notes: &mut Vec<String>,
) -> Result<Prepared, Unprepared> {
    if let Some(media_id) = held_at_x(&entry) {
        let media = as_recorded(&entry);
        return Ok(Prepared::Ready(media, media_id, journal.record(entry)));
    }
    let decision = decide(&entry);
    let media = |entry: &Entry| {
        check::check_file(&entry.file.path, checking.tier)
            .map(|c| c.keep_location(checking.keep_location))
            .map_err(|r| (r.message, None))
    };
    match decision {
        Decision::Gone(message) => Err((message, Some(journal.record(entry)))),
        Decision::StartOver(reason) => {
            notes.extend(reason);
            let m = media(&entry)?;
            Ok(Prepared::Start(m, None, journal.record(entry)))
        }
        Decision::Continue(point) => {
            notes.push(format!(
                "Continuing {} from {} %.",
                entry.name(),
                entry.percent()
            ));
            let m = media(&entry)?;
            Ok(Prepared::Start(m, Some(point), journal.record(entry)))
        }
        Decision::Ready(media_id) => {
            let m = media(&entry)?;
            Ok(Prepared::Ready(m, media_id, journal.record(entry)))
        }
    }
}

/// X's media id of an upload whose file is gone, while X holds it ready
/// (a minute to spare, as [`decide`] asks).
fn held_at_x(entry: &Entry) -> Option<String> {
    let good = entry.expires_at.is_some_and(|t| t > now_secs() + 60);
    (entry.ready && good && !entry.file.path.exists())
        .then(|| entry.media_id.clone())
        .flatten()
}

/// A file X holds, as its record knows it (the file itself is gone).
fn as_recorded(entry: &Entry) -> CheckedMedia {
    CheckedMedia {
        path: entry.file.path.clone(),
        name: entry.name(),
        kind: entry.kind,
        mime: entry.mime.clone(),
        bytes: entry.file.size,
        video: None,
        gif: None,
        patches: Vec::new(),
        source: entry.source.clone(),
        note: None,
    }
}

/// A post's files ready to go on, with their journal records.
pub type Items = (Vec<PostItem>, Vec<Record>);

/// A journaled post's files, ready to go on, with their journal records
/// (also when it can't go on, so they can be forgotten: a file gone among
/// them; the window's queue keeps them and waits for the file instead).
pub fn intent_items(
    checking: Checking,
    journal: &Journal,
    entries: &[Entry],
    intent: &PostIntent,
    notes: &mut Vec<String>,
) -> Result<Items, (String, Vec<Record>)> {
    let mut items = Vec::new();
    let mut records = Vec::new();
    for upload in &intent.uploads {
        let Some(entry) = entries.iter().find(|e| &e.id == upload).cloned() else {
            return Err(("a file's upload record is missing".to_string(), records));
        };
        let (alt, warning, tracks) = (
            entry.alt.clone(),
            entry.warning.is_set().then_some(entry.warning),
            entry.captions.clone(),
        );
        let item = match prepare(checking, journal, entry, notes) {
            Ok(Prepared::Start(media, point, record)) => {
                records.push(record.clone());
                PostItem {
                    resume: point,
                    record: Some(record),
                    ..PostItem::new(media, alt)
                }
            }
            Ok(Prepared::Ready(media, media_id, record)) => {
                records.push(record);
                PostItem {
                    ready: Some(media_id),
                    ..PostItem::new(media, alt)
                }
            }
            Err((message, gone)) => {
                records.extend(gone);
                return Err((message, records));
            }
        };
        let captions = match caption_files(&item.media, &tracks) {
            Ok(captions) => captions,
            Err(message) => return Err((message, records)),
        };
        items.push(PostItem {
            warning,
            captions,
            ..item
        });
    }
    Ok((items, records))
}

/// A journaled video's caption files, read and checked again (they are
/// uploaded and attached when it is posted) and fitted to its length.
pub fn caption_files(
    media: &CheckedMedia,
    tracks: &[CaptionTrack],
) -> Result<Vec<CaptionFile>, String> {
    tracks
        .iter()
        .map(|t| {
            if !t.path.exists() {
                return Err(caption_gone(&t.path, &media.name));
            }
            let mut file = captions::load(&t.path, Some(&t.language)).map_err(|r| r.message)?;
            if let Some(video) = &media.video {
                file.fit_to(&media.name, video.duration_secs)
                    .map_err(|r| r.message)?;
            }
            Ok(file)
        })
        .collect()
}

/// A caption file of a waiting post is gone: say which, where, and what to do.
pub fn caption_gone(path: &Path, video: &str) -> String {
    format!(
        "{}, the captions of {video}, is gone from {}. Put the file back, or Edit the post.",
        check::display_name(path),
        path.display()
    )
}

/// "2 photos · “Our team at the…”" or "Thread of 3 posts · 1 photo,
/// 1 video · “Day one…”": a waiting item (a post, or a thread's posts in
/// order) in a few words.
pub fn summary(posts: &[PostIntent], entries: &[Entry]) -> String {
    let first = posts.first().map(|p| p.text.as_str()).unwrap_or("");
    let mut parts = Vec::new();
    if posts.len() > 1 {
        parts.push(format!("Thread of {} posts", posts.len()));
    }
    let kinds: Vec<MediaKind> = posts
        .iter()
        .flat_map(|p| &p.uploads)
        .filter_map(|u| entries.iter().find(|e| &e.id == u).map(|e| e.kind))
        .collect();
    let media: Vec<String> = [
        (MediaKind::Photo, "photo"),
        (MediaKind::Video, "video"),
        (MediaKind::Gif, "GIF"),
    ]
    .into_iter()
    .map(|(kind, word)| (kinds.iter().filter(|k| **k == kind).count(), word))
    .filter(|(n, _)| *n > 0)
    .map(|(n, word)| match n {
        1 => format!("1 {word}"),
        n => format!("{n} {word}s"),
    })
    .collect();
    if !media.is_empty() {
        parts.push(media.join(", "));
    }
    parts.push(format!("“{}”", snippet(first)));
    parts.join(" · ")
}

/// The first 40 characters of a post, on one line.
pub fn snippet(text: &str) -> String {
    let mut s: String = text.chars().take(40).collect();
    if text.chars().count() > 40 {
        s.push('…');
    }
    s.replace('\n', " ")
}
