//! The older `POST /2/media/upload`: `command=INIT|APPEND|FINALIZE` in a
//! form, and the one-shot image upload.

use std::fs;

use serde_json::Value;

use super::form::{self, Form};
use super::media::{
    FINALIZED_WINDOW_SECS, create, finalize_media, init_reply, store_segment, usable,
};
use super::processing::status_reply;
use super::reply::Reply;
use super::router::Call;
use super::state::{Outcome, assembled_path};
use super::{Server, lock, now};
use crate::core::limits::{LIMITS, MediaKind, SEGMENT_MAX_BYTES};
use crate::core::media::probe;

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
