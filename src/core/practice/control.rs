//! `/_practice/…`: clearly not X. Test controls (planned failures, going
//! dark, shaping, expiring things) and inspection (media, posts, requests,
//! injected faults), plus the post page that practice mode's "View on X"
//! opens.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::Read;

use serde_json::{Value, json};
use tiny_http::Method;

use super::reply::Reply;
use super::router::{Call, Endpoint};
use super::state::{Outcome, account_by_username, assembled_path};
use super::{PlannedFailure, Server, form, lock, now, pages, processing};

pub(crate) fn handle(server: &Server, call: &mut Call) -> Reply {
    let parts: Vec<String> = call.params.clone();
    let parts: Vec<&str> = parts.iter().map(String::as_str).collect();
    let body = if call.method == Method::Post {
        match form::read_small(call.req) {
            Ok(b) => serde_json::from_slice::<Value>(&b).unwrap_or(Value::Null),
            Err(r) => return r,
        }
    } else {
        Value::Null
    };
    match (&call.method, parts.as_slice()) {
        (Method::Post, ["fail-next"]) => fail_next(server, &body),
        (Method::Post, ["fail-processing"]) => fail_processing(server, &body),
        (Method::Post, ["expire-media"]) => expire_media(server, &body),
        (Method::Post, ["out-of-order"]) => {
            lock(&server.tuning).refuse_out_of_order = body["refuse"].as_bool().unwrap_or(true);
            done()
        }
        (Method::Post, ["go-dark"]) => {
            let secs = body["secs"].as_f64().unwrap_or(5.0);
            // Answer first, then cut everything (this connection included).
            let edge = server.edge.clone();
            std::thread::spawn(move || {
                std::thread::sleep(std::time::Duration::from_millis(50));
                edge.go_dark(secs);
            });
            done()
        }
        (Method::Post, ["settings"]) => settings(server, &body),
        (Method::Post, ["expire-tokens"]) => expire_tokens(server, &body),
        (Method::Post, ["rate-limit"]) => {
            let Some(endpoint) = body["endpoint"].as_str().and_then(Endpoint::from_name) else {
                return bad("endpoint: one of the endpoint names");
            };
            let limit = body["limit"].as_u64().unwrap_or(0) as u32;
            lock(&server.tuning)
                .rate_limit_overrides
                .insert(endpoint, limit);
            done()
        }
        (Method::Get, ["media", id]) => inspect_media(server, id),
        (Method::Get, ["media", id, "file"]) => media_file(server, id),
        (Method::Get, ["posts"]) => {
            let store = lock(&server.store);
            Reply::ok(json!({ "posts": store.state.tweets }))
        }
        (Method::Get, ["posts", id]) => post_page(server, id),
        (Method::Get, ["requests"]) => requests(server, call),
        (Method::Get, ["ping"]) => done(),
        (Method::Get, ["faults"]) => Reply::ok(json!({ "faults": *lock(&server.injected) })),
        _ => Reply::no_route(&call.path),
    }
}

fn done() -> Reply {
    Reply::ok(json!({ "ok": true }))
}

fn bad(what: &str) -> Reply {
    Reply::json(
        400,
        json!({ "error": format!("practice control: expected {what}") }),
    )
}

fn fail_next(server: &Server, body: &Value) -> Reply {
    let Some(endpoint) = body["endpoint"].as_str().and_then(Endpoint::from_name) else {
        return bad(&format!("endpoint: one of {}", Endpoint::names()));
    };
    let status = body["status"].as_u64().unwrap_or(500) as u16;
    let failure = PlannedFailure {
        status,
        body: body["body"].as_str().unwrap_or("").to_string(),
        content_type: body["content_type"]
            .as_str()
            .unwrap_or("application/json")
            .to_string(),
        reset_in_secs: body["reset_in_secs"].as_u64(),
        after_handling: body["after_handling"].as_bool().unwrap_or(false),
        skip: body["skip"].as_u64().unwrap_or(0).min(u32::MAX as u64) as u32,
        // `"stall_secs": 30`: no answer at all for 30 s, then the connection drops.
        stall_secs: body["stall_secs"].as_f64().filter(|s| *s > 0.0),
        // `"delay_secs": 1.5`: answer as usual, 1.5 s late.
        delay_secs: body["delay_secs"]
            .as_f64()
            .filter(|s| *s > 0.0 && *s <= 600.0),
    };
    let count = body["count"].as_u64().unwrap_or(1).max(1);
    let mut planned = lock(&server.planned);
    let queue = planned.entry(endpoint).or_default();
    for _ in 0..count {
        queue.push(failure.clone());
    }
    done()
}

fn fail_processing(server: &Server, body: &Value) -> Reply {
    let id = body["media_id"].as_str().unwrap_or_default();
    let message = body["message"]
        .as_str()
        .unwrap_or("Invalid or Unsupported media, Reason: UnsupportedMedia.")
        .to_string();
    if id.is_empty() {
        *lock(&server.next_processing_failure) = Some(message);
        return done();
    }
    let mut store = lock(&server.store);
    let Some(m) = store.state.media.get_mut(id) else {
        return bad("media_id of a known media");
    };
    m.forced_failure = Some(message.clone());
    if m.outcome.is_some() {
        m.outcome = Some(Outcome::Failed(message));
    }
    store.save();
    done()
}

fn expire_media(server: &Server, body: &Value) -> Reply {
    let id = body["media_id"].as_str().unwrap_or_default();
    let mut store = lock(&server.store);
    let Some(m) = store.state.media.get_mut(id) else {
        return bad("media_id of a known media");
    };
    m.expires_at = now() - 1.0;
    store.save();
    done()
}

fn settings(server: &Server, body: &Value) -> Reply {
    let mut t = lock(&server.tuning);
    if let Some(v) = body["latency_ms"].as_u64() {
        t.latency_ms = v;
    }
    if let Some(v) = body.get("bandwidth_mbps") {
        server.edge.set_bandwidth(v.as_f64());
    }
    if let Some(v) = body.get("max_body_bytes") {
        t.max_body_bytes = v.as_u64();
    }
    if let Some(v) = body["fault_rate"].as_f64() {
        t.fault_rate = v;
    }
    if let Some(v) = body["seed"].as_u64() {
        t.seed = v;
    }
    if let Some(v) = body["processing_secs"].as_f64() {
        t.processing_secs = v;
    }
    if let Some(v) = body["rate_limits"].as_bool() {
        t.rate_limits = v;
    }
    if let Some(v) = body["single_grant"].as_bool() {
        t.single_grant = v;
    }
    if let Some(v) = body["auto_approve"].as_bool() {
        t.auto_approve = v;
    }
    if let Some(v) = body["token_lifetime_secs"].as_u64() {
        t.token_lifetime_secs = v;
    }
    if let Some(v) = body["clock_skew_secs"].as_i64() {
        t.clock_skew_secs = v;
    }
    done()
}

/// The `Date` header of a server whose clock is off (`clock_skew_secs`);
/// `None` when it isn't (tiny_http then sends the true time).
pub(crate) fn skewed_date(server: &Server) -> Option<String> {
    let skew = lock(&server.tuning).clock_skew_secs;
    (skew != 0).then(|| {
        (chrono::Utc::now() + chrono::Duration::seconds(skew))
            .format("%a, %d %b %Y %H:%M:%S GMT")
            .to_string()
    })
}

/// Make access tokens expire now (all, or one account's), as if two hours
/// had passed.
fn expire_tokens(server: &Server, body: &Value) -> Reply {
    let only = body["username"].as_str().and_then(account_by_username);
    let mut store = lock(&server.store);
    let state = &mut store.state;
    let grants = state.grants.clone();
    let past = now() - 1.0;
    for token in state.access_tokens.values_mut() {
        let owner = grants.get(&token.grant_id).map(|g| g.user_id.as_str());
        if only.is_none_or(|a| Some(a.id) == owner) {
            token.expires_at = token.expires_at.min(past);
        }
    }
    store.save();
    done()
}

fn inspect_media(server: &Server, id: &str) -> Reply {
    let store = lock(&server.store);
    let Some(m) = store.state.media.get(id) else {
        return Reply::not_found("media", "media_id", id);
    };
    let segments: Vec<Value> = m
        .segments
        .iter()
        .map(|(i, s)| json!({ "index": i, "bytes": s.bytes, "receipts": s.receipts }))
        .collect();
    Reply::ok(json!({
        "id": m.id,
        "owner": m.owner,
        "media_type": m.media_type,
        "media_category": m.category,
        "total_bytes": m.total_bytes,
        "size": m.size,
        "sha256": m.sha256,
        "segments": segments,
        "finalized": m.finalized_at.is_some(),
        "processing_info": processing::processing_info(m, now()),
        "duration_secs": m.duration_secs,
        "alt_text": m.alt_text,
        "metadata": m.metadata,
        "shared": m.shared,
        "additional_owners": m.additional_owners,
        "subtitles": m.subtitles,
        "status_polls": m.status_polls,
        "early_status_polls": m.early_status_polls,
        "expired": m.expires_at <= now(),
    }))
}

fn media_file(server: &Server, id: &str) -> Reply {
    let (media_type, path) = {
        let store = lock(&server.store);
        let Some(m) = store.state.media.get(id) else {
            return Reply::not_found("media", "media_id", id);
        };
        (m.media_type.clone(), assembled_path(&server.root, id))
    };
    // Pages show photos and short clips; very large files are not served.
    let mut data = Vec::new();
    match File::open(&path) {
        Ok(f) => {
            if f.take(64 * 1024 * 1024).read_to_end(&mut data).is_err() {
                return Reply::empty(500);
            }
        }
        Err(_) => return Reply::not_found("media", "media_id", id),
    }
    let content_type: &'static str = match media_type.as_str() {
        "image/jpeg" => "image/jpeg",
        "image/png" => "image/png",
        "image/webp" => "image/webp",
        "image/gif" => "image/gif",
        "video/quicktime" => "video/quicktime",
        "text/vtt" => "text/vtt",
        "text/srt" => "text/plain; charset=utf-8",
        _ => "video/mp4",
    };
    Reply::raw(200, content_type, data)
}

fn post_page(server: &Server, id: &str) -> Reply {
    let store = lock(&server.store);
    let Some(t) = store.state.tweets.iter().find(|t| t.id == id) else {
        return Reply::html(404, "<h1>No such post on this practice server</h1>".into());
    };
    let media: Vec<_> = t
        .media_ids
        .iter()
        .filter_map(|m| store.state.media.get(m).cloned())
        .collect();
    Reply::html(200, pages::post(t, &media))
}

fn requests(server: &Server, call: &Call) -> Reply {
    let only = call.query.get("endpoint").cloned();
    let log = lock(&server.log);
    let mut counts: BTreeMap<&str, u64> = BTreeMap::new();
    for r in log.iter() {
        *counts.entry(r.endpoint).or_default() += 1;
    }
    let requests: Vec<_> = log
        .iter()
        .filter(|r| only.as_deref().is_none_or(|e| e == r.endpoint))
        .cloned()
        .collect();
    Reply::ok(json!({ "counts": counts, "requests": requests }))
}
