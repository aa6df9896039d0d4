//! Posts and the signed-in user: `POST /2/tweets` with X's checks (length,
//! media mix, ownership, processing, video length per account, duplicates),
//! reading, deleting and listing recent posts, and `GET /2/users/me`.

use serde_json::{Value, json};

use super::processing::ready;
use super::reply::Reply;
use super::router::Call;
use super::state::{Tweet, account};
use super::{Server, form, lock, now};
use crate::core::compose::{self, MixError};
use crate::core::limits::{LIMITS, MediaKind, POST_MAX_WEIGHTED, human_span};

/// `GET /2/users/me`
pub(crate) fn users_me(call: &mut Call) -> Reply {
    let user = call.user();
    let fields = call.query.get("user.fields").cloned().unwrap_or_default();
    let mut data = json!({ "id": user.id, "name": user.name, "username": user.username });
    if fields.split(',').any(|f| f == "subscription_type") {
        data["subscription_type"] = user.subscription_type.into();
    }
    Reply::ok(json!({ "data": data }))
}

fn invalid_media(ids: &[String], message: &str) -> Reply {
    Reply::json(
        400,
        json!({
            "errors": [{ "parameters": { "media.media_ids": ids }, "message": message }],
            "title": "Invalid Request",
            "detail": "One or more parameters to your request was invalid.",
            "type": "https://api.twitter.com/2/problems/invalid-request",
        }),
    )
}

/// `POST /2/tweets`
pub(crate) fn create(server: &Server, call: &mut Call) -> Reply {
    let body = match form::read_small(call.req) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let Ok(Value::Object(request)) = serde_json::from_slice::<Value>(&body) else {
        return Reply::invalid("body", "", "The request body must be a JSON object.");
    };
    let user = call.user();
    let text = match request.get("text") {
        None => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(other) => return Reply::invalid("text", other.to_string(), "text must be a string."),
    };
    let media_ids: Vec<String> = match request.get("media") {
        None => Vec::new(),
        Some(media) => match media.get("media_ids").and_then(Value::as_array) {
            Some(ids) => ids
                .iter()
                .map(|v| {
                    v.as_str()
                        .map(String::from)
                        .unwrap_or_else(|| v.to_string())
                })
                .collect(),
            None => {
                return Reply::invalid("media.media_ids", "", "media.media_ids is required.");
            }
        },
    };
    if request.contains_key("media") && media_ids.is_empty() {
        return Reply::invalid(
            "media.media_ids",
            "[]",
            "media.media_ids must have at least 1 item.",
        );
    }
    if media_ids.len() > 4 {
        return invalid_media(&media_ids, "media.media_ids must have at most 4 items.");
    }
    let weighted = compose::weighted_length(&text);
    if weighted > POST_MAX_WEIGHTED {
        return Reply::invalid(
            "text",
            &text,
            format!(
                "Your Tweet text is too long. It is {weighted} characters as X counts them; the limit is 280."
            ),
        );
    }
    if text.trim().is_empty() && media_ids.is_empty() {
        return Reply::invalid("text", "", "A post needs text or media.");
    }
    let in_reply_to = match reply_target(&request) {
        Ok(r) => r,
        Err(reply) => return reply,
    };
    let reply_settings = match request.get("reply_settings") {
        None => None,
        Some(Value::String(s)) if REPLY_SETTINGS.contains(&s.as_str()) => Some(s.clone()),
        Some(other) => {
            return Reply::invalid(
                "reply_settings",
                other.to_string(),
                format!(
                    "reply_settings must be one of [{}].",
                    REPLY_SETTINGS.join(", ")
                ),
            );
        }
    };

    let mut store = lock(&server.store);
    let now = now();
    let mut kinds = Vec::new();
    let mut longest_video: f64 = 0.0;
    for id in &media_ids {
        let Some(m) = store.state.media.get(id) else {
            return invalid_media(&media_ids, "Your media IDs are invalid.");
        };
        if !m.usable_by(user.id) {
            return invalid_media(
                &media_ids,
                &format!("Your media IDs are invalid. Media {id} belongs to another account."),
            );
        }
        if m.is_subtitles() {
            return invalid_media(
                &media_ids,
                &format!(
                    "Your media IDs are invalid. Media {id} is a captions file: attach it to its video with POST /2/media/subtitles."
                ),
            );
        }
        if let Err(why) = ready(m, now) {
            return invalid_media(&media_ids, &format!("Your media IDs are invalid. {why}"));
        }
        kinds.push(m.kind);
        if m.kind == MediaKind::Video {
            longest_video = longest_video.max(m.duration_secs.unwrap_or(0.0));
        }
    }
    if let Err(e) = compose::check_mix(&kinds) {
        let message = match e {
            MixError::TooMany(_) => "media.media_ids must have at most 4 items.",
            _ => "Tweet with media must have exactly 1 gif or video or up to 4 photos.",
        };
        return invalid_media(&media_ids, message);
    }
    let video = LIMITS.video(user.tier());
    if longest_video > video.max_secs {
        return Reply::forbidden(format!(
            "This user is not allowed to post a video longer than {}.",
            human_span(video.max_secs)
        ));
    }
    let duplicate = store.state.tweets.iter().any(|t| {
        !t.deleted && t.author_id == user.id && t.text == text && t.media_ids == media_ids
    });
    if duplicate {
        return Reply::forbidden("You are not allowed to create a Tweet with duplicate content.");
    }
    // X answers a reply to a post it can't see with 403.
    let conversation_id = match &in_reply_to {
        None => None,
        Some(parent) => match store
            .state
            .tweets
            .iter()
            .find(|t| &t.id == parent && !t.deleted)
        {
            Some(p) => Some(p.conversation_id.clone().unwrap_or_else(|| p.id.clone())),
            None => {
                return Reply::forbidden(
                    "You attempted to reply to a Tweet that is deleted or not visible to you.",
                );
            }
        },
    };
    let id = store.state.new_id();
    store.state.tweets.push(Tweet {
        id: id.clone(),
        author_id: user.id.to_string(),
        text: text.clone(),
        media_ids,
        created_at: now,
        deleted: false,
        conversation_id: Some(conversation_id.unwrap_or_else(|| id.clone())),
        in_reply_to,
        reply_settings,
    });
    store.save();
    Reply::json(201, json!({ "data": { "id": id, "text": text } }))
}

/// The values of `reply_settings` in X's spec (everyone: the field left out).
pub(crate) const REPLY_SETTINGS: [&str; 4] =
    ["following", "mentionedUsers", "subscribers", "verified"];

/// `reply: {"in_reply_to_tweet_id": "…"}`, checked as X's spec describes it
/// (an object with a numeric post id; no other fields than the spec's).
fn reply_target(request: &serde_json::Map<String, Value>) -> Result<Option<String>, Reply> {
    let Some(reply) = request.get("reply") else {
        return Ok(None);
    };
    let Some(reply) = reply.as_object() else {
        return Err(Reply::invalid(
            "reply",
            reply.to_string(),
            "reply must be an object.",
        ));
    };
    const FIELDS: [&str; 3] = [
        "in_reply_to_tweet_id",
        "auto_populate_reply_metadata",
        "exclude_reply_user_ids",
    ];
    if let Some(unknown) = reply.keys().find(|k| !FIELDS.contains(&k.as_str())) {
        return Err(Reply::invalid(
            &format!("reply.{unknown}"),
            "",
            format!("[{unknown}] is not a valid property of reply."),
        ));
    }
    match reply.get("in_reply_to_tweet_id") {
        Some(Value::String(id))
            if !id.is_empty() && id.len() <= 19 && id.bytes().all(|b| b.is_ascii_digit()) =>
        {
            Ok(Some(id.clone()))
        }
        Some(other) => Err(Reply::invalid(
            "reply.in_reply_to_tweet_id",
            other.to_string(),
            "reply.in_reply_to_tweet_id must be a post id (digits).",
        )),
        None => Err(Reply::invalid(
            "reply.in_reply_to_tweet_id",
            "",
            "reply.in_reply_to_tweet_id is required.",
        )),
    }
}

fn tweet_json(t: &Tweet, fields: &str) -> Value {
    let mut v = json!({ "id": t.id, "text": t.text, "edit_history_tweet_ids": [t.id] });
    for field in fields.split(',') {
        match field {
            "author_id" => v["author_id"] = t.author_id.clone().into(),
            "created_at" => {
                v["created_at"] =
                    chrono::DateTime::from_timestamp_millis((t.created_at * 1000.0) as i64)
                        .map(|d| d.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string())
                        .unwrap_or_default()
                        .into()
            }
            "attachments" if !t.media_ids.is_empty() => {
                v["attachments"] = json!({ "media_ids": t.media_ids });
            }
            "conversation_id" => {
                v["conversation_id"] = t.conversation_id.clone().unwrap_or(t.id.clone()).into()
            }
            "referenced_tweets" => {
                if let Some(parent) = &t.in_reply_to {
                    v["referenced_tweets"] = json!([{ "type": "replied_to", "id": parent }]);
                }
            }
            "reply_settings" => {
                v["reply_settings"] = t.reply_settings.as_deref().unwrap_or("everyone").into()
            }
            _ => {}
        }
    }
    v
}

/// `GET /2/tweets/{id}`
pub(crate) fn get(server: &Server, call: &mut Call) -> Reply {
    let id = call.param(0).to_string();
    let fields = call.query.get("tweet.fields").cloned().unwrap_or_default();
    let store = lock(&server.store);
    match store.state.tweets.iter().find(|t| t.id == id && !t.deleted) {
        Some(t) => Reply::ok(json!({ "data": tweet_json(t, &fields) })),
        None => Reply::not_found("tweet", "id", &id),
    }
}

/// `DELETE /2/tweets/{id}`
pub(crate) fn delete(server: &Server, call: &mut Call) -> Reply {
    let id = call.param(0).to_string();
    let user = call.user();
    let mut store = lock(&server.store);
    let Some(t) = store
        .state
        .tweets
        .iter_mut()
        .find(|t| t.id == id && !t.deleted)
    else {
        return Reply::not_found("tweet", "id", &id);
    };
    if t.author_id != user.id {
        return Reply::forbidden("You are not allowed to delete a Tweet you did not create.");
    }
    t.deleted = true;
    store.save();
    Reply::ok(json!({ "data": { "deleted": true } }))
}

/// `GET /2/users/{id}/tweets`: newest first.
pub(crate) fn user_tweets(server: &Server, call: &mut Call) -> Reply {
    let user_id = call.param(0).to_string();
    if account(&user_id).is_none() {
        return Reply::not_found("user", "id", &user_id);
    }
    let max = call
        .query
        .get("max_results")
        .map(|m| m.parse::<usize>())
        .unwrap_or(Ok(10));
    let max = match max {
        Ok(m) if (5..=100).contains(&m) => m,
        _ => {
            return Reply::invalid(
                "max_results",
                call.query.get("max_results").cloned().unwrap_or_default(),
                "The `max_results` query parameter value is not between 5 and 100.",
            );
        }
    };
    let fields = call.query.get("tweet.fields").cloned().unwrap_or_default();
    let store = lock(&server.store);
    let tweets: Vec<Value> = store
        .state
        .tweets
        .iter()
        .rev()
        .filter(|t| t.author_id == user_id && !t.deleted)
        .take(max)
        .map(|t| tweet_json(t, &fields))
        .collect();
    if tweets.is_empty() {
        return Reply::ok(json!({ "meta": { "result_count": 0 } }));
    }
    let meta = json!({
        "result_count": tweets.len(),
        "newest_id": tweets.first().map(|t| t["id"].clone()),
        "oldest_id": tweets.last().map(|t| t["id"].clone()),
    });
    Reply::ok(json!({ "data": tweets, "meta": meta }))
}
