//! Media upload as X does it: INITIALIZE / APPEND / FINALIZE / STATUS (the
//! v2 paths and the older `command=` form), the one-shot image upload,
//! processing that takes time, and alt text.

use std::fs::{self, File};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use base64::Engine;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::form::{self, Form};
use super::reply::Reply;
use super::router::Call;
use super::state::{Account, Media, Outcome, Segment, assembled_path, segment_path};
use super::{Server, lock, now};
use crate::core::limits::{LIMITS, MediaKind, SEGMENT_INDEX_MAX, SEGMENT_MAX_BYTES, human_span};
use crate::core::media::probe;

/// INITIALIZE's `expires_after_secs` (X's guide shows 1295999).
const UPLOAD_WINDOW_SECS: f64 = 1_295_999.0;
/// FINALIZE's `expires_after_secs`: a day to use the media in a post.
const FINALIZED_WINDOW_SECS: f64 = 86_400.0;
/// `total_bytes` maximum in X's spec (16 GiB).
const TOTAL_BYTES_MAX: u64 = 17_179_869_184;
/// X's spec's `media_type` enum.
const MEDIA_TYPES: &[&str] = &[
    "video/mp4",
    "video/webm",
    "video/mp2t",
    "video/quicktime",
    "text/srt",
    "text/vtt",
    "image/jpeg",
    "image/gif",
    "image/bmp",
    "image/png",
    "image/webp",
    "image/pjpeg",
    "image/tiff",
    "model/gltf-binary",
    "model/vnd.usdz+zip",
];
const CATEGORIES: &[&str] = &[
    "amplify_video",
    "tweet_gif",
    "tweet_image",
    "tweet_video",
    "dm_gif",
    "dm_image",
    "dm_video",
    "subtitles",
];

fn kind_of_category(category: &str) -> Option<MediaKind> {
    match category {
        "tweet_image" => Some(MediaKind::Photo),
        "tweet_gif" => Some(MediaKind::Gif),
        "tweet_video" | "amplify_video" => Some(MediaKind::Video),
        _ => None,
    }
}

fn category_accepts(kind: MediaKind, media_type: &str) -> bool {
    match kind {
        MediaKind::Photo => matches!(
            media_type,
            "image/jpeg"
                | "image/png"
                | "image/webp"
                | "image/gif"
                | "image/bmp"
                | "image/pjpeg"
                | "image/tiff"
        ),
        MediaKind::Gif => media_type == "image/gif",
        MediaKind::Video => matches!(media_type, "video/mp4" | "video/quicktime"),
    }
}

/// Create an upload after checking type, category and size like X.
fn create(
    server: &Server,
    user: &Account,
    media_type: Option<&str>,
    total_bytes: Option<&Value>,
    category: Option<&str>,
) -> Result<Media, Reply> {
    let media_type = media_type
        .filter(|t| !t.is_empty())
        .ok_or_else(|| Reply::invalid("media_type", "", "The media_type field is required."))?;
    if !MEDIA_TYPES.contains(&media_type) {
        return Err(Reply::invalid(
            "media_type",
            media_type,
            format!("media_type must be one of {}.", MEDIA_TYPES.join(", ")),
        ));
    }
    let category = match category {
        Some(c) => c.to_string(),
        None if media_type == "image/gif" => "tweet_gif".into(),
        None if media_type.starts_with("video/") => "tweet_video".into(),
        None => "tweet_image".into(),
    };
    if !CATEGORIES.contains(&category.as_str()) {
        return Err(Reply::invalid(
            "media_category",
            &category,
            format!("media_category must be one of {}.", CATEGORIES.join(", ")),
        ));
    }
    let Some(kind) = kind_of_category(&category) else {
        return Err(Reply::invalid(
            "media_category",
            &category,
            format!("media_category {category} cannot be used for posts."),
        ));
    };
    if !category_accepts(kind, media_type) {
        return Err(Reply::invalid(
            "media_category",
            &category,
            format!("media_category {category} does not accept media_type {media_type}."),
        ));
    }
    let total = match total_bytes {
        Some(Value::Number(n)) => n.as_u64(),
        Some(Value::String(s)) => s.parse::<u64>().ok(),
        _ => None,
    };
    let total_text = total_bytes.map(|v| v.to_string()).unwrap_or_default();
    let total = total
        .filter(|t| (1..=TOTAL_BYTES_MAX).contains(t))
        .ok_or_else(|| {
            Reply::invalid(
                "total_bytes",
                total_text.trim_matches('"'),
                format!("total_bytes must be a whole number from 1 to {TOTAL_BYTES_MAX}."),
            )
        })?;
    let limit = LIMITS.max_bytes(kind, user.tier());
    if total > limit {
        return Err(Reply::invalid(
            "total_bytes",
            total.to_string(),
            format!("File size exceeds {limit} bytes."),
        ));
    }
    let processing_secs = lock(&server.tuning).processing_secs;
    let mut store = lock(&server.store);
    let id = store.state.new_id();
    let now = now();
    let media = Media {
        id: id.clone(),
        owner: user.id.to_string(),
        media_type: media_type.to_string(),
        category,
        kind,
        total_bytes: total,
        created_at: now,
        expires_at: now + UPLOAD_WINDOW_SECS,
        segments: Default::default(),
        finalizing: false,
        finalized_at: None,
        size: None,
        sha256: None,
        processing_secs,
        outcome: None,
        duration_secs: None,
        alt_text: None,
        forced_failure: lock(&server.next_processing_failure).take(),
        next_check_at: 0.0,
        early_status_polls: 0,
        status_polls: 0,
    };
    store.state.media.insert(id.clone(), media.clone());
    let _ = fs::create_dir_all(store.media_dir(&id));
    store.save();
    drop(store);
    let mut ordinals = lock(&server.media_ordinals);
    let n = ordinals.len() as u64 + 1;
    ordinals.insert(id, n);
    Ok(media)
}

fn init_reply(m: &Media) -> Reply {
    Reply::ok(json!({
        "data": {
            "id": m.id,
            "media_key": m.media_key(),
            "expires_after_secs": (m.expires_at - now()).max(0.0) as i64,
        }
    }))
}

/// `POST /2/media/upload/initialize` (JSON).
pub(crate) fn initialize(server: &Server, call: &mut Call) -> Reply {
    let body = match form::read_small(call.req) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let Ok(Value::Object(fields)) = serde_json::from_slice::<Value>(&body) else {
        return Reply::invalid("body", "", "The request body must be a JSON object.");
    };
    const ALLOWED: &[&str] = &[
        "media_type",
        "total_bytes",
        "media_category",
        "shared",
        "additional_owners",
    ];
    if let Some(extra) = fields.keys().find(|k| !ALLOWED.contains(&k.as_str())) {
        return Reply::invalid(extra, "", format!("The field {extra} is not allowed here."));
    }
    match create(
        server,
        call.user(),
        fields.get("media_type").and_then(Value::as_str),
        fields.get("total_bytes"),
        fields.get("media_category").and_then(Value::as_str),
    ) {
        Ok(media) => {
            call.log_media = Some(media.id.clone());
            init_reply(&media)
        }
        Err(reply) => reply,
    }
}

/// The media `id` if `user` may use it for an unfinished upload.
fn usable(server: &Server, user: &Account, id: &str, for_upload: bool) -> Result<Media, Reply> {
    let store = lock(&server.store);
    let Some(media) = store.state.media.get(id) else {
        return Err(Reply::not_found("media", "media_id", id));
    };
    if media.owner != user.id {
        return Err(Reply::forbidden(format!(
            "You are not allowed to use media {id}: it was uploaded by another account."
        )));
    }
    if media.expires_at <= now() {
        return Err(Reply::invalid(
            "media_id",
            id,
            "The media_id has expired. Upload the file again.",
        ));
    }
    if for_upload && (media.finalized_at.is_some() || media.finalizing) {
        return Err(Reply::invalid(
            "media_id",
            id,
            "This media has already been finalized; no more segments can be added.",
        ));
    }
    Ok(media.clone())
}

/// `POST /2/media/upload/{id}/append` (multipart `segment_index` + `media`).
pub(crate) fn append(server: &Server, call: &mut Call) -> Reply {
    let id = call.param(0).to_string();
    call.log_media = Some(id.clone());
    if let Err(r) = usable(server, call.user(), &id, true) {
        return r;
    }
    let form = match form::read_form(call.req, &server.root.join("spool"), SEGMENT_MAX_BYTES) {
        Ok(f) => f,
        Err(r) => return r,
    };
    match store_segment(server, call, &id, form) {
        Ok(media) => Reply::ok(json!({ "data": { "expires_at": media.expires_at as i64 } })),
        Err(r) => r,
    }
}

/// Check a segment and keep it on disk under the media.
fn store_segment(
    server: &Server,
    call: &mut Call,
    id: &str,
    mut form: Form,
) -> Result<Media, Reply> {
    let spooled = form.files.remove("media");
    // Whatever happens, no spooled part is left behind.
    let cleanup = |p: &Option<PathBuf>| {
        if let Some(p) = p {
            let _ = fs::remove_file(p);
        }
    };
    let raw_index = form.text.get("segment_index").cloned().unwrap_or_default();
    let index = match raw_index.trim().parse::<u32>() {
        Ok(i) if i <= SEGMENT_INDEX_MAX && raw_index.trim().len() <= 3 => i,
        _ => {
            cleanup(&spooled.and_then(|s| s.path));
            return Err(Reply::invalid(
                "segment_index",
                raw_index,
                "SegmentIndex must be between 0 and 999.",
            ));
        }
    };
    call.log_segment = Some(index);
    let (path, bytes) = match (spooled, form.text.get("media_data")) {
        (Some(part), _) => (part.path, part.bytes),
        (None, Some(b64)) => {
            let Ok(data) = base64::engine::general_purpose::STANDARD.decode(b64.trim()) else {
                return Err(Reply::invalid(
                    "media_data",
                    "",
                    "media_data is not valid base64.",
                ));
            };
            if data.len() as u64 > SEGMENT_MAX_BYTES {
                (None, data.len() as u64)
            } else {
                let path = server.root.join("spool").join(super::random_token());
                fs::write(&path, &data).map_err(|e| form::server_error(&e))?;
                (Some(path), data.len() as u64)
            }
        }
        (None, None) => {
            return Err(Reply::invalid("media", "", "The media field is required."));
        }
    };
    let Some(path) = path.filter(|_| bytes <= SEGMENT_MAX_BYTES) else {
        return Err(Reply::invalid(
            "media",
            bytes.to_string(),
            format!("Segment size exceeds {SEGMENT_MAX_BYTES} bytes (this one has {bytes})."),
        ));
    };
    if bytes == 0 {
        cleanup(&Some(path));
        return Err(Reply::invalid("media", "0", "The segment is empty."));
    }

    let refuse_out_of_order = lock(&server.tuning).refuse_out_of_order;
    let mut store = lock(&server.store);
    let result = (|| {
        let media = store
            .state
            .media
            .get_mut(id)
            .ok_or_else(|| Reply::not_found("media", "media_id", id))?;
        if media.finalized_at.is_some() || media.finalizing {
            return Err(Reply::invalid(
                "media_id",
                id,
                "This media has already been finalized; no more segments can be added.",
            ));
        }
        if refuse_out_of_order && !media.segments.contains_key(&index) {
            let expected = (0..).find(|i| !media.segments.contains_key(i)).unwrap_or(0);
            if index != expected {
                return Err(Reply::invalid(
                    "segment_index",
                    index.to_string(),
                    format!(
                        "Segments must be uploaded in order: expected segment_index {expected}."
                    ),
                ));
            }
        }
        fs::rename(&path, segment_path(&server.root, id, index))
            .map_err(|e| form::server_error(&e))?;
        let seg = media.segments.entry(index).or_insert_with(Segment::default);
        seg.bytes = bytes;
        seg.receipts += 1;
        Ok(media.clone())
    })();
    if result.is_err() {
        cleanup(&Some(path));
    } else {
        store.save();
    }
    result
}

/// `POST /2/media/upload/{id}/finalize`
pub(crate) fn finalize(server: &Server, call: &mut Call) -> Reply {
    let id = call.param(0).to_string();
    call.log_media = Some(id.clone());
    finalize_media(server, call.user(), &id)
}

fn finalize_media(server: &Server, user: &Account, id: &str) -> Reply {
    let media = match usable(server, user, id, false) {
        Ok(m) => m,
        Err(r) => return r,
    };
    if media.finalized_at.is_some() {
        // FINALIZE again (a client retrying after a timeout) answers the state.
        return status_reply(server, id);
    }
    if media.finalizing {
        return Reply::invalid("media_id", id, "This media is being finalized already.");
    }
    let count = media.segments.len() as u32;
    let contiguous = media.segments.keys().copied().eq(0..count);
    let sum: u64 = media.segments.values().map(|s| s.bytes).sum();
    if !contiguous || sum != media.total_bytes {
        return Reply::invalid(
            "media_id",
            id,
            "Segments do not add up to provided total file size.",
        );
    }
    {
        let mut store = lock(&server.store);
        match store.state.media.get_mut(id) {
            Some(m) if !m.finalizing && m.finalized_at.is_none() => m.finalizing = true,
            _ => return Reply::invalid("media_id", id, "This media is being finalized already."),
        }
    }
    // Assemble outside the lock: a 5 GB file takes a while.
    let assembled = assemble(&server.root, id, count);
    let mut store = lock(&server.store);
    let Some(m) = store.state.media.get_mut(id) else {
        return Reply::not_found("media", "media_id", id);
    };
    m.finalizing = false;
    let (size, sha) = match assembled {
        Ok(v) => v,
        Err(e) => return form::server_error(&e),
    };
    let (outcome, duration) = judge(&assembled_path(&server.root, id), m.kind);
    let now = now();
    m.finalized_at = Some(now);
    m.size = Some(size);
    m.sha256 = Some(sha);
    m.duration_secs = duration;
    m.outcome = Some(
        m.forced_failure
            .clone()
            .map(Outcome::Failed)
            .unwrap_or(outcome),
    );
    m.expires_at = now + FINALIZED_WINDOW_SECS;
    m.next_check_at = if m.kind.needs_processing() {
        now + 1.0
    } else {
        0.0
    };
    if m.kind == MediaKind::Photo
        && let Some(Outcome::Failed(reason)) = &m.outcome
    {
        let reason = reason.clone();
        store.save();
        return Reply::invalid("media", id, reason);
    }
    store.save();
    drop(store);
    status_reply(server, id)
}

/// Join the segments into one file, hashing as it goes; remove the segments.
fn assemble(root: &Path, id: &str, count: u32) -> std::io::Result<(u64, String)> {
    let out_path = assembled_path(root, id);
    let mut out = File::create(&out_path)?;
    let mut hasher = Sha256::new();
    let mut size = 0u64;
    let mut buf = vec![0u8; 256 * 1024];
    for index in 0..count {
        let mut seg = File::open(segment_path(root, id, index))?;
        loop {
            let n = seg.read(&mut buf)?;
            if n == 0 {
                break;
            }
            hasher.update(&buf[..n]);
            out.write_all(&buf[..n])?;
            size += n as u64;
        }
    }
    out.sync_all()?;
    for index in 0..count {
        let _ = fs::remove_file(segment_path(root, id, index));
    }
    Ok((size, hex::encode(hasher.finalize())))
}

/// What processing will conclude about the file's content.
fn judge(path: &Path, kind: MediaKind) -> (Outcome, Option<f64>) {
    let unsupported =
        |why: &str| Outcome::Failed(format!("Invalid or Unsupported media, Reason: {why}"));
    let sniffed = probe::sniff(path).ok().flatten();
    match kind {
        MediaKind::Photo => match sniffed {
            Some(s) if s.mime.starts_with("image/") && s.mime != "image/heif" => {
                (Outcome::Succeeded, None)
            }
            _ => (unsupported("UnsupportedMedia."), None),
        },
        MediaKind::Gif => {
            if sniffed.map(|s| s.mime) != Some("image/gif".into()) {
                return (unsupported("UnsupportedMedia."), None);
            }
            match probe::probe_gif(path) {
                Err(_) => (unsupported("UnsupportedMedia."), None),
                Ok(g) if g.width > LIMITS.gif_max_width || g.height > LIMITS.gif_max_height => (
                    unsupported(&format!(
                        "GIF is {}x{}; the maximum is {}x{}.",
                        g.width, g.height, LIMITS.gif_max_width, LIMITS.gif_max_height
                    )),
                    None,
                ),
                Ok(g) if g.frames > LIMITS.gif_max_frames => (
                    unsupported(&format!(
                        "GIF has {} frames; the maximum is {}.",
                        g.frames, LIMITS.gif_max_frames
                    )),
                    None,
                ),
                Ok(g)
                    if g.width as u64 * g.height as u64 * g.frames as u64
                        > LIMITS.gif_max_pixels =>
                {
                    (unsupported("GIF has too many pixels in all."), None)
                }
                Ok(_) => (Outcome::Succeeded, None),
            }
        }
        MediaKind::Video => {
            let is_video = sniffed
                .map(|s| s.mime == "video/mp4" || s.mime == "video/quicktime")
                .unwrap_or(false);
            let info = if is_video {
                probe::probe_video(path).ok()
            } else {
                None
            };
            let Some(info) = info else {
                return (unsupported("UnsupportedMedia."), None);
            };
            let d = info.duration_secs;
            let limits = LIMITS.video_premium;
            if d < limits.min_secs {
                let msg = format!(
                    "video too short: {d:.2} s; the minimum is {}.",
                    human_span(limits.min_secs)
                );
                (unsupported(&msg), Some(d))
            } else if d > limits.max_secs {
                let msg = format!(
                    "video too long: the maximum is {}.",
                    human_span(limits.max_secs)
                );
                (unsupported(&msg), Some(d))
            } else {
                (Outcome::Succeeded, Some(d))
            }
        }
    }
}

/// `processing_info` as of now (videos and GIFs only).
pub(crate) fn processing_info(m: &Media, now: f64) -> Option<Value> {
    let finalized_at = m.finalized_at?;
    if !m.kind.needs_processing() {
        return None;
    }
    let elapsed = now - finalized_at;
    let total = m.processing_secs.max(0.0);
    if elapsed < total * 0.15 {
        return Some(json!({ "state": "pending", "check_after_secs": 1 }));
    }
    if elapsed < total {
        let percent = ((elapsed / total) * 100.0).clamp(1.0, 99.0) as u32;
        return Some(json!({
            "state": "in_progress",
            "check_after_secs": 1,
            "progress_percent": percent,
        }));
    }
    Some(match &m.outcome {
        Some(Outcome::Failed(message)) => json!({
            "state": "failed",
            "progress_percent": 100,
            "error": { "code": 1, "name": "InvalidMedia", "message": message },
        }),
        _ => json!({ "state": "succeeded", "progress_percent": 100 }),
    })
}

/// Is the media ready to post? `Err` says why not, in X's words.
pub(crate) fn ready(m: &Media, now: f64) -> Result<(), String> {
    if m.finalized_at.is_none() {
        return Err("Media has not been finalized.".into());
    }
    if m.expires_at <= now {
        return Err("Media has expired.".into());
    }
    match processing_info(m, now) {
        None => Ok(()),
        Some(info) => match info["state"].as_str() {
            Some("succeeded") => Ok(()),
            Some("failed") => Err("Media processing failed.".into()),
            _ => Err("Media is still being processed.".into()),
        },
    }
}

fn status_reply(server: &Server, id: &str) -> Reply {
    let store = lock(&server.store);
    let Some(m) = store.state.media.get(id) else {
        return Reply::not_found("media", "media_id", id);
    };
    let now = now();
    let mut data = json!({
        "id": m.id,
        "media_key": m.media_key(),
        "size": m.size,
        "expires_after_secs": (m.expires_at - now).max(0.0) as i64,
    });
    if let Some(info) = processing_info(m, now) {
        data["processing_info"] = info;
    }
    Reply::ok(json!({ "data": data }))
}

/// `GET /2/media/upload?command=STATUS&media_id=…`
pub(crate) fn status(server: &Server, call: &mut Call) -> Reply {
    if let Some(command) = call.query.get("command")
        && command != "STATUS"
    {
        return Reply::invalid("command", command, "command must be STATUS.");
    }
    let id = call.query.get("media_id").cloned().unwrap_or_default();
    if id.is_empty() || id.len() > 19 || !id.bytes().all(|b| b.is_ascii_digit()) {
        return Reply::invalid("media_id", id, "media_id must be 1 to 19 digits.");
    }
    call.log_media = Some(id.clone());
    let media = match usable(server, call.user(), &id, false) {
        Ok(m) => m,
        Err(r) => return r,
    };
    if media.finalized_at.is_none() {
        return Reply::invalid("media_id", &id, "The media has not been finalized.");
    }
    {
        let mut store = lock(&server.store);
        if let Some(m) = store.state.media.get_mut(&id) {
            let now = now();
            m.status_polls += 1;
            // A client should wait check_after_secs; we count those who don't.
            if now + 0.05 < m.next_check_at {
                m.early_status_polls += 1;
            }
            let processing = processing_info(m, now)
                .is_some_and(|p| matches!(p["state"].as_str(), Some("pending" | "in_progress")));
            m.next_check_at = if processing { now + 1.0 } else { 0.0 };
        }
    }
    status_reply(server, &id)
}

/// `POST /2/media/upload` with `command=INIT|APPEND|FINALIZE`, or the
/// one-shot image form.
pub(crate) fn command_upload(server: &Server, call: &mut Call) -> Reply {
    let form = match form::read_form(call.req, &server.root.join("spool"), SEGMENT_MAX_BYTES) {
        Ok(f) => f,
        Err(r) => return r,
    };
    let user = call.user();
    let text = |k: &str| form.text.get(k).cloned();
    match text("command").as_deref() {
        Some("INIT") => {
            let total = text("total_bytes").map(Value::String);
            match create(
                server,
                user,
                text("media_type").as_deref(),
                total.as_ref(),
                text("media_category").as_deref(),
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
            finalize_media(server, user, &id)
        }
        Some(other) => {
            discard(form);
            Reply::invalid(
                "command",
                other,
                "command must be INIT, APPEND or FINALIZE.",
            )
        }
        None => one_shot(server, call, form),
    }
}

fn discard(form: Form) {
    for part in form.files.into_values() {
        if let Some(p) = part.path {
            let _ = fs::remove_file(p);
        }
    }
}

/// One-shot image upload: `media` + `media_category=tweet_image`.
fn one_shot(server: &Server, call: &mut Call, mut form: Form) -> Reply {
    let part = form.files.remove("media");
    let category = form.text.get("media_category").cloned().unwrap_or_default();
    let Some(part) = part else {
        return Reply::invalid("media", "", "The media field is required.");
    };
    let Some(path) = part.path else {
        return Reply::invalid(
            "media",
            part.bytes.to_string(),
            format!("File size exceeds {} bytes.", LIMITS.photo_max_bytes),
        );
    };
    if category != "tweet_image" {
        let _ = fs::remove_file(&path);
        return Reply::invalid(
            "media_category",
            &category,
            "media_category must be tweet_image for a one-shot upload.",
        );
    }
    let media_type = match probe::sniff(&path).ok().flatten() {
        Some(s) if s.kind == Some(MediaKind::Photo) || s.mime == "image/gif" => s.mime,
        _ => {
            let _ = fs::remove_file(&path);
            return Reply::invalid(
                "media",
                "",
                "Invalid or Unsupported media, Reason: UnsupportedMedia.",
            );
        }
    };
    let media = match create(
        server,
        call.user(),
        Some(&media_type),
        Some(&Value::from(part.bytes)),
        Some("tweet_image"),
    ) {
        Ok(m) => m,
        Err(r) => {
            let _ = fs::remove_file(&path);
            return r;
        }
    };
    call.log_media = Some(media.id.clone());
    let sha = match crate::core::media::sha256_file(&path) {
        Ok(s) => s,
        Err(e) => return form::server_error(&e),
    };
    if let Err(e) = fs::rename(&path, assembled_path(&server.root, &media.id)) {
        return form::server_error(&e);
    }
    {
        let mut store = lock(&server.store);
        if let Some(m) = store.state.media.get_mut(&media.id) {
            let now = now();
            m.finalized_at = Some(now);
            m.size = Some(part.bytes);
            m.sha256 = Some(sha);
            m.outcome = Some(Outcome::Succeeded);
            m.expires_at = now + FINALIZED_WINDOW_SECS;
        }
        store.save();
    }
    status_reply(server, &media.id)
}

/// `POST /2/media/metadata` (alt text).
pub(crate) fn metadata(server: &Server, call: &mut Call) -> Reply {
    let body = match form::read_small(call.req) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let Ok(value) = serde_json::from_slice::<Value>(&body) else {
        return Reply::invalid("body", "", "The request body must be a JSON object.");
    };
    let id = value["id"].as_str().unwrap_or_default().to_string();
    if id.is_empty() {
        return Reply::invalid("id", "", "The id field is required.");
    }
    call.log_media = Some(id.clone());
    let media = match usable(server, call.user(), &id, false) {
        Ok(m) => m,
        Err(r) => return r,
    };
    let Some(text) = value["metadata"]["alt_text"]["text"].as_str() else {
        return Reply::invalid(
            "metadata.alt_text.text",
            "",
            "metadata.alt_text.text is required.",
        );
    };
    let chars = text.chars().count();
    if chars > crate::core::limits::ALT_TEXT_MAX_CHARS {
        return Reply::invalid(
            "metadata.alt_text.text",
            chars.to_string(),
            format!("Alt text must be at most 1000 characters; this one has {chars}."),
        );
    }
    if !media.kind.takes_alt_text() {
        return Reply::invalid(
            "id",
            &id,
            "Alt text can be added to images and GIFs only, not to videos.",
        );
    }
    if media.finalized_at.is_none() {
        return Reply::invalid("id", &id, "The media has not been finalized.");
    }
    let mut store = lock(&server.store);
    if let Some(m) = store.state.media.get_mut(&id) {
        m.alt_text = Some(text.to_string());
    }
    store.save();
    Reply::ok(json!({
        "data": { "id": id, "associated_metadata": { "alt_text": { "text": text } } }
    }))
}
