//! `POST /2/media/upload`: the older `command=INIT|APPEND|FINALIZE` form
//! (fields in the body or the query string), and the one-shot upload of an
//! image or captions file, as multipart or JSON (base64 `media`). The two
//! are told apart by the presence of `command`.

use std::fs;

use serde_json::{Map, Value};

use super::form::{self, Form};
use super::media::{
    Sharing, create, finalize_media, init_reply, read_media_form, store_segment, usable,
};
use super::reply::Reply;
use super::router::Call;
use super::state::{Segment, segment_path};
use super::{Server, lock};
use crate::core::limits::{MediaKind, SEGMENT_MAX_BYTES};
use crate::core::media::probe;

/// `MediaCategoryOneShot` in X's spec.
const ONE_SHOT_CATEGORIES: &[&str] = &["tweet_image", "dm_image", "subtitles"];
/// The one-shot request's `media_type` enum in X's spec.
const ONE_SHOT_TYPES: &[&str] = &[
    "text/srt",
    "text/vtt",
    "image/jpeg",
    "image/bmp",
    "image/png",
    "image/webp",
    "image/pjpeg",
    "image/tiff",
];
/// `MediaUploadRequestOneShot` allows no other field (JSON bodies).
const ONE_SHOT_FIELDS: &[&str] = &[
    "media",
    "media_category",
    "media_type",
    "shared",
    "additional_owners",
];

/// `POST /2/media/upload` with `command=INIT|APPEND|FINALIZE`, or the
/// one-shot upload.
pub(crate) fn command_upload(server: &Server, call: &mut Call) -> Reply {
    let json = form::content_type(call.req).starts_with("application/json");
    let mut form = match read_media_form(call, &server.root.join("spool"), SEGMENT_MAX_BYTES) {
        Ok(f) => f,
        Err(r) => return r,
    };
    // The v1.1-style form may put its fields in the query string.
    for (k, v) in &call.query {
        form.text.entry(k.clone()).or_insert_with(|| v.clone());
    }
    let user = call.user();
    let text = |k: &str| form.text.get(k).cloned();
    match text("command").as_deref() {
        Some("INIT") => {
            let total = text("total_bytes").map(Value::String);
            let sharing = match Sharing::from_fields(&text_fields(&form)) {
                Ok(s) => s,
                Err(r) => return r,
            };
            match create(
                server,
                user,
                text("media_type").as_deref(),
                total.as_ref(),
                text("media_category").as_deref(),
                sharing,
            ) {
                Ok(m) => {
                    call.log_media = Some(m.id.clone());
                    init_reply(&m)
                }
                Err(r) => r,
            }
        }
        Some("APPEND") => {
            let id = text("media_id").unwrap_or_default();
            call.log_media = Some(id.clone());
            if let Err(r) = usable(server, user, &id, true) {
                discard(form);
                return r;
            }
            match store_segment(server, call, &id, form) {
                // The command form answers APPEND with an empty 2xx.
                Ok(_) => Reply::empty(204),
                Err(r) => r,
            }
        }
        Some("FINALIZE") => {
            let id = text("media_id").unwrap_or_default();
            call.log_media = Some(id.clone());
            discard(form);
            finalize_media(server, user, &id)
        }
        Some(other) => {
            let other = other.to_string();
            discard(form);
            Reply::invalid(
                "command",
                other,
                "command must be INIT, APPEND or FINALIZE.",
            )
        }
        None => {
            if json
                && let Some(extra) = form.text.keys().find(|k| {
                    !ONE_SHOT_FIELDS.contains(&k.as_str()) && !call.query.contains_key(*k)
                })
            {
                let extra = extra.clone();
                discard(form);
                return Reply::invalid(
                    &extra,
                    "",
                    format!("The field {extra} is not allowed here."),
                );
            }
            one_shot(server, call, form)
        }
    }
}

/// A form's text fields as JSON strings (for checks shared with JSON bodies).
fn text_fields(form: &Form) -> Map<String, Value> {
    form.text
        .iter()
        .map(|(k, v)| (k.clone(), Value::String(v.clone())))
        .collect()
}

fn discard(form: Form) {
    for part in form.files.into_values() {
        if let Some(p) = part.path {
            let _ = fs::remove_file(p);
        }
    }
}

/// One-shot upload: `media` and `media_category` (`tweet_image`, `dm_image`
/// or `subtitles`), optionally `media_type`, `shared`, `additional_owners`.
/// Stored as one segment and finalized at once, so the file meets the same
/// checks as a chunked upload.
fn one_shot(server: &Server, call: &mut Call, mut form: Form) -> Reply {
    let part = form.files.remove("media");
    let refuse = |part: Option<form::FilePart>, reply: Reply| {
        if let Some(p) = part.and_then(|p| p.path) {
            let _ = fs::remove_file(p);
        }
        reply
    };
    let category = form.text.get("media_category").cloned().unwrap_or_default();
    if !ONE_SHOT_CATEGORIES.contains(&category.as_str()) {
        let message = if category.is_empty() {
            "The media_category field is required.".to_string()
        } else {
            format!(
                "media_category must be one of {} for a one-shot upload.",
                ONE_SHOT_CATEGORIES.join(", ")
            )
        };
        return refuse(part, Reply::invalid("media_category", &category, message));
    }
    let Some(part) = part else {
        return Reply::invalid("media", "", "The media field is required.");
    };
    let Some(path) = part.path.clone() else {
        return Reply::invalid(
            "media",
            part.bytes.to_string(),
            format!("File size exceeds {SEGMENT_MAX_BYTES} bytes."),
        );
    };
    let media_type = match form.text.get("media_type") {
        Some(t) if ONE_SHOT_TYPES.contains(&t.as_str()) => t.clone(),
        Some(t) => {
            let t = t.clone();
            return refuse(
                Some(part),
                Reply::invalid(
                    "media_type",
                    t,
                    format!("media_type must be one of {}.", ONE_SHOT_TYPES.join(", ")),
                ),
            );
        }
        None if category == "subtitles" => super::subtitles::sniff_type(&path).to_string(),
        None => match probe::sniff(&path).ok().flatten() {
            Some(s) if s.kind == Some(MediaKind::Photo) || s.mime == "image/gif" => s.mime,
            _ => {
                return refuse(
                    Some(part),
                    Reply::invalid(
                        "media",
                        "",
                        "Invalid or Unsupported media, Reason: UnsupportedMedia.",
                    ),
                );
            }
        },
    };
    let sharing = match Sharing::from_fields(&text_fields(&form)) {
        Ok(s) => s,
        Err(r) => return refuse(Some(part), r),
    };
    let media = match create(
        server,
        call.user(),
        Some(&media_type),
        Some(&Value::from(part.bytes)),
        Some(&category),
        sharing,
    ) {
        Ok(m) => m,
        Err(r) => return refuse(Some(part), r),
    };
    call.log_media = Some(media.id.clone());
    if let Err(e) = fs::rename(&path, segment_path(&server.root, &media.id, 0)) {
        return refuse(Some(part), form::server_error(&e));
    }
    {
        let mut store = lock(&server.store);
        if let Some(m) = store.state.media.get_mut(&media.id) {
            m.segments.insert(
                0,
                Segment {
                    bytes: part.bytes,
                    receipts: 1,
                },
            );
        }
        store.save();
    }
    finalize_media(server, call.user(), &media.id)
}
