//! Processing as X does it: what it concludes about a file, how far it has
//! got (STATUS), and whether a media id can be posted.

use std::path::Path;

use serde_json::{Value, json};

use super::media::usable;
use super::reply::Reply;
use super::router::Call;
use super::state::{Media, Outcome};
use super::{Server, lock, now};
use crate::core::limits::{LIMITS, MediaKind, human_span};
use crate::core::media::probe;

/// What processing will conclude about the file's content.
pub(super) fn judge(path: &Path, kind: MediaKind) -> (Outcome, Option<f64>) {
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
            let info = sniffed
                .filter(|s| {
                    matches!(
                        s.mime.as_str(),
                        "video/mp4" | "video/quicktime" | "video/webm"
                    )
                })
                .and_then(|s| probe::probe_video(path, &s.mime).ok());
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

pub(super) fn status_reply(server: &Server, id: &str) -> Reply {
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
