//! Captions: `POST` and `DELETE /2/media/subtitles`. A captions file is
//! uploaded like any media with `media_category=subtitles`, then attached to
//! the caller's processed video of the category named (`TweetVideo`,
//! `AmplifyVideo`) under a two-capital-letter `language_code`; a second track
//! for the same language replaces the first.

use std::io::Read;
use std::path::Path;

use serde_json::{Map, Value, json};

use super::media::{is_id, usable};
use super::processing::ready;
use super::reply::Reply;
use super::router::Call;
use super::state::{Media, SubtitleTrack, assembled_path};
use super::{Server, form, lock, now};
use crate::core::limits::MediaKind;

/// `MediaCategorySubtitles` in X's spec, and the upload category each names.
const VIDEO_CATEGORIES: &[(&str, &str)] = &[
    ("TweetVideo", "tweet_video"),
    ("AmplifyVideo", "amplify_video"),
];

/// `text/vtt` for a WebVTT file, else `text/srt`.
pub(super) fn sniff_type(path: &Path) -> &'static str {
    let mut head = [0u8; 9];
    let n = std::fs::File::open(path)
        .and_then(|mut f| f.read(&mut head))
        .unwrap_or(0);
    let head = head[..n]
        .strip_prefix(b"\xEF\xBB\xBF")
        .unwrap_or(&head[..n]);
    if head.starts_with(b"WEBVTT") {
        "text/vtt"
    } else {
        "text/srt"
    }
}

/// Why a captions file cannot be used, if it cannot: it must be UTF-8 text
/// with at least one cue timing line (`00:00:01,000 --> 00:00:02,000`).
fn captions_problem(path: &Path) -> Option<&'static str> {
    let Ok(file) = std::fs::File::open(path) else {
        return Some("the file is missing");
    };
    let mut text = String::new();
    if file.take(8 << 20).read_to_string(&mut text).is_err() {
        return Some("it is not UTF-8 text");
    }
    let has_cue = text.lines().any(|l| {
        l.split_once("-->")
            .is_some_and(|(a, b)| a.trim().contains(':') && b.trim().contains(':'))
    });
    (!has_cue).then_some("it has no cue timings (00:00:01,000 --> 00:00:02,000)")
}

fn body(call: &mut Call) -> Result<Map<String, Value>, Reply> {
    let body = form::read_small(call.req)?;
    match serde_json::from_slice::<Value>(&body) {
        Ok(Value::Object(o)) => Ok(o),
        _ => Err(Reply::invalid(
            "body",
            "",
            "The request body must be a JSON object.",
        )),
    }
}

fn text_of(v: Option<&Value>) -> String {
    match v {
        None => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    }
}

fn media_id(fields: &Map<String, Value>, name: &str) -> Result<String, Reply> {
    let path: Vec<&str> = name.split('.').collect();
    let mut value = fields.get(path[0]);
    for part in &path[1..] {
        value = value.and_then(|v| v.get(part));
    }
    match value {
        Some(Value::String(id)) if is_id(id) => Ok(id.clone()),
        None => Err(Reply::invalid(
            name,
            "",
            format!("The {name} field is required."),
        )),
        other => Err(Reply::invalid(
            name,
            text_of(other),
            format!("{name} must be a media id (1 to 19 digits)."),
        )),
    }
}

fn language_code(v: Option<&Value>, name: &str) -> Result<String, Reply> {
    match v {
        Some(Value::String(c)) if c.len() == 2 && c.bytes().all(|b| b.is_ascii_uppercase()) => {
            Ok(c.clone())
        }
        None => Err(Reply::invalid(
            name,
            "",
            format!("The {name} field is required."),
        )),
        other => Err(Reply::invalid(
            name,
            text_of(other),
            format!("{name} must be two capital letters, like EN."),
        )),
    }
}

/// The caller's video `id`, of the category `fields.media_category` names.
fn video(server: &Server, call: &Call, fields: &Map<String, Value>) -> Result<Media, Reply> {
    let id = media_id(fields, "id")?;
    let named = text_of(fields.get("media_category"));
    let Some((_, category)) = VIDEO_CATEGORIES.iter().find(|(n, _)| *n == named) else {
        return Err(Reply::invalid(
            "media_category",
            named,
            "media_category must be one of AmplifyVideo, TweetVideo.",
        ));
    };
    let video = usable(server, call.user(), &id, false)?;
    if video.kind != MediaKind::Video {
        return Err(Reply::invalid(
            "id",
            &id,
            format!("Media {id} is not a video; subtitles can be added to videos only."),
        ));
    }
    if video.category != *category {
        return Err(Reply::invalid(
            "media_category",
            named,
            format!(
                "Media {id} was uploaded with media_category {}, not {category}.",
                video.category
            ),
        ));
    }
    Ok(video)
}

fn tracks_json(tracks: &[SubtitleTrack]) -> Value {
    tracks
        .iter()
        .map(|t| {
            let mut v = json!({ "id": t.id, "language_code": t.language_code });
            if let Some(name) = &t.display_name {
                v["display_name"] = name.clone().into();
            }
            v
        })
        .collect()
}

/// `POST /2/media/subtitles`
pub(crate) fn create(server: &Server, call: &mut Call) -> Reply {
    match try_create(server, call) {
        Ok(r) | Err(r) => r,
    }
}

fn try_create(server: &Server, call: &mut Call) -> Result<Reply, Reply> {
    let fields = body(call)?;
    let video = video(server, call, &fields)?;
    call.log_media = Some(video.id.clone());
    if let Err(why) = ready(&video, now()) {
        return Err(Reply::invalid(
            "id",
            &video.id,
            format!("The video cannot take subtitles yet: {why}"),
        ));
    }
    let Some(Value::Object(subtitles)) = fields.get("subtitles") else {
        return Err(Reply::invalid(
            "subtitles",
            "",
            "The subtitles field is required: an object with id and language_code.",
        ));
    };
    let file_id = media_id(&fields, "subtitles.id")?;
    let language = language_code(subtitles.get("language_code"), "subtitles.language_code")?;
    let display_name = match subtitles.get("display_name") {
        None => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(other) => {
            return Err(Reply::invalid(
                "subtitles.display_name",
                other.to_string(),
                "subtitles.display_name must be a string.",
            ));
        }
    };
    let file = usable(server, call.user(), &file_id, false)?;
    if !file.is_subtitles() {
        return Err(Reply::invalid(
            "subtitles.id",
            &file_id,
            format!(
                "Media {file_id} is not a captions file: upload it with media_category=subtitles."
            ),
        ));
    }
    if file.finalized_at.is_none() {
        return Err(Reply::invalid(
            "subtitles.id",
            &file_id,
            "The captions file has not been finalized.",
        ));
    }
    if let Some(why) = captions_problem(&assembled_path(&server.root, &file_id)) {
        return Err(Reply::invalid(
            "subtitles.id",
            &file_id,
            format!("The subtitle file is invalid: {why}."),
        ));
    }
    let mut store = lock(&server.store);
    let Some(m) = store.state.media.get_mut(&video.id) else {
        return Err(Reply::not_found("media", "media_id", &video.id));
    };
    m.subtitles.retain(|t| t.language_code != language);
    m.subtitles.push(SubtitleTrack {
        language_code: language,
        display_name,
        id: file_id,
    });
    let tracks = tracks_json(&m.subtitles);
    store.save();
    Ok(Reply::ok(json!({
        "data": {
            "id": video.id,
            "media_category": text_of(fields.get("media_category")),
            "associated_subtitles": tracks,
        }
    })))
}

/// `DELETE /2/media/subtitles`: `deleted` is false when the video had no
/// track in that language.
pub(crate) fn delete(server: &Server, call: &mut Call) -> Reply {
    let fields = match body(call) {
        Ok(f) => f,
        Err(r) => return r,
    };
    let video = match video(server, call, &fields) {
        Ok(v) => v,
        Err(r) => return r,
    };
    call.log_media = Some(video.id.clone());
    let language = match language_code(fields.get("language_code"), "language_code") {
        Ok(l) => l,
        Err(r) => return r,
    };
    let mut store = lock(&server.store);
    let Some(m) = store.state.media.get_mut(&video.id) else {
        return Reply::not_found("media", "media_id", &video.id);
    };
    let before = m.subtitles.len();
    m.subtitles.retain(|t| t.language_code != language);
    let deleted = m.subtitles.len() < before;
    store.save();
    Reply::ok(json!({ "data": { "deleted": deleted } }))
}
