//! Every request passes here: routing, planned failures, the edge's 413,
//! authentication and scopes, rate limits, random faults on APPEND, latency,
//! and the request log.

use std::collections::HashMap;
use std::io::Read;
use std::thread;
use std::time::Duration;

use serde::Serialize;
use sha2::{Digest, Sha256};
use tiny_http::{Method, Request};

use super::reply::Reply;
use super::state::Account;
use super::{
    InjectedFault, RequestRecord, Server, command_form, control, form, lock, media, metadata, now,
    oauth, posts, processing, subtitles,
};

/// The X endpoints the practice server knows, by the names tests use.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Endpoint {
    Authorize,
    AuthorizeDecision,
    Token,
    Revoke,
    UsersMe,
    Initialize,
    Append,
    Finalize,
    Status,
    Upload,
    Metadata,
    SubtitlesCreate,
    SubtitlesDelete,
    CreateTweet,
    GetTweet,
    DeleteTweet,
    UserTweets,
    Practice,
    Unknown,
}

const ALL: [Endpoint; 19] = [
    Endpoint::Authorize,
    Endpoint::AuthorizeDecision,
    Endpoint::Token,
    Endpoint::Revoke,
    Endpoint::UsersMe,
    Endpoint::Initialize,
    Endpoint::Append,
    Endpoint::Finalize,
    Endpoint::Status,
    Endpoint::Upload,
    Endpoint::Metadata,
    Endpoint::SubtitlesCreate,
    Endpoint::SubtitlesDelete,
    Endpoint::CreateTweet,
    Endpoint::GetTweet,
    Endpoint::DeleteTweet,
    Endpoint::UserTweets,
    Endpoint::Practice,
    Endpoint::Unknown,
];

impl Endpoint {
    pub fn name(self) -> &'static str {
        match self {
            Endpoint::Authorize => "authorize",
            Endpoint::AuthorizeDecision => "authorize_decision",
            Endpoint::Token => "token",
            Endpoint::Revoke => "revoke",
            Endpoint::UsersMe => "users_me",
            Endpoint::Initialize => "initialize",
            Endpoint::Append => "append",
            Endpoint::Finalize => "finalize",
            Endpoint::Status => "status",
            Endpoint::Upload => "upload",
            Endpoint::Metadata => "metadata",
            Endpoint::SubtitlesCreate => "subtitles_create",
            Endpoint::SubtitlesDelete => "subtitles_delete",
            Endpoint::CreateTweet => "create_tweet",
            Endpoint::GetTweet => "get_tweet",
            Endpoint::DeleteTweet => "delete_tweet",
            Endpoint::UserTweets => "user_tweets",
            Endpoint::Practice => "practice",
            Endpoint::Unknown => "unknown",
        }
    }

    pub fn from_name(name: &str) -> Option<Endpoint> {
        ALL.into_iter().find(|e| e.name() == name)
    }

    /// The names tests use, for messages.
    pub fn names() -> String {
        ALL.iter()
            .filter(|e| !matches!(e, Endpoint::Practice | Endpoint::Unknown))
            .map(|e| e.name())
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// OAuth 2.0 scopes the token must carry (from X's OpenAPI spec).
    fn scopes(self) -> &'static [&'static str] {
        match self {
            Endpoint::Initialize
            | Endpoint::Append
            | Endpoint::Finalize
            | Endpoint::Status
            | Endpoint::Upload
            | Endpoint::Metadata
            | Endpoint::SubtitlesCreate
            | Endpoint::SubtitlesDelete => &["media.write"],
            Endpoint::CreateTweet | Endpoint::DeleteTweet => {
                &["tweet.read", "tweet.write", "users.read"]
            }
            Endpoint::GetTweet | Endpoint::UserTweets | Endpoint::UsersMe => {
                &["tweet.read", "users.read"]
            }
            _ => &[],
        }
    }

    fn needs_user(self) -> bool {
        !self.scopes().is_empty()
    }

    /// X's per-user limit per 15 minutes.
    fn rate_limit(self) -> Option<u32> {
        match self {
            Endpoint::Initialize | Endpoint::Append | Endpoint::Finalize => Some(1875),
            Endpoint::Status => Some(1000),
            Endpoint::Upload | Endpoint::Metadata => Some(500),
            // No figure for subtitles on X's rate-limit pages we could find:
            // the other small media calls' 500 per 15 minutes applies.
            Endpoint::SubtitlesCreate | Endpoint::SubtitlesDelete => Some(500),
            Endpoint::CreateTweet => Some(100),
            Endpoint::DeleteTweet => Some(50),
            Endpoint::GetTweet | Endpoint::UserTweets => Some(900),
            Endpoint::UsersMe => Some(75),
            _ => None,
        }
    }
}

const WINDOW_SECS: f64 = 15.0 * 60.0;

/// One user's use of one endpoint in the current 15-minute window.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Window {
    start: f64,
    count: u32,
}

/// One request on its way through.
pub(crate) struct Call<'a> {
    pub req: &'a mut Request,
    pub endpoint: Endpoint,
    pub method: Method,
    pub path: String,
    /// Path segments that are ids (media id, tweet id, user id).
    pub params: Vec<String>,
    pub query: HashMap<String, String>,
    pub user: Option<&'static Account>,
    pub log_media: Option<String>,
    pub log_segment: Option<u32>,
}

impl Call<'_> {
    pub fn param(&self, i: usize) -> &str {
        self.params.get(i).map(String::as_str).unwrap_or("")
    }

    /// The signed-in account (the router checked it for API endpoints).
    pub fn user(&self) -> &'static Account {
        self.user.unwrap_or(&super::state::ACCOUNTS[0])
    }
}

fn classify(method: &Method, path: &str) -> (Endpoint, Vec<String>) {
    let parts: Vec<&str> = path.trim_end_matches('/').split('/').skip(1).collect();
    let id = |s: &str| vec![s.to_string()];
    use Endpoint::*;
    let endpoint = match (method, parts.as_slice()) {
        (Method::Get, ["i", "oauth2", "authorize"]) => Authorize,
        (Method::Post, ["i", "oauth2", "authorize"]) => AuthorizeDecision,
        (Method::Post, ["2", "oauth2", "token"]) => Token,
        (Method::Post, ["2", "oauth2", "revoke"]) => Revoke,
        (Method::Get, ["2", "users", "me"]) => UsersMe,
        (Method::Post, ["2", "media", "upload", "initialize"]) => Initialize,
        (Method::Post, ["2", "media", "upload", m, "append"]) => return (Append, id(m)),
        (Method::Post, ["2", "media", "upload", m, "finalize"]) => return (Finalize, id(m)),
        (Method::Get, ["2", "media", "upload"]) => Status,
        (Method::Post, ["2", "media", "upload"]) => Upload,
        (Method::Post, ["2", "media", "metadata"]) => Metadata,
        (Method::Post, ["2", "media", "subtitles"]) => SubtitlesCreate,
        (Method::Delete, ["2", "media", "subtitles"]) => SubtitlesDelete,
        (Method::Post, ["2", "tweets"]) => CreateTweet,
        (Method::Get, ["2", "tweets", t]) => return (GetTweet, id(t)),
        (Method::Delete, ["2", "tweets", t]) => return (DeleteTweet, id(t)),
        (Method::Get, ["2", "users", u, "tweets"]) => return (UserTweets, id(u)),
        (_, ["_practice", rest @ ..]) => {
            return (Practice, rest.iter().map(|s| s.to_string()).collect());
        }
        _ => Unknown,
    };
    (endpoint, Vec::new())
}

pub(crate) fn handle(server: &Server, mut req: Request) {
    let started_at = now();
    let method = req.method().clone();
    let url = req.url().to_string();
    let (path, query) = match url.split_once('?') {
        Some((p, q)) => (p.to_string(), form::parse_urlencoded(q.as_bytes())),
        None => (url.clone(), HashMap::new()),
    };
    let (endpoint, params) = classify(&method, &path);
    let body_bytes = req.body_length().unwrap_or(0) as u64;
    let mut call = Call {
        req: &mut req,
        endpoint,
        method: method.clone(),
        path: path.clone(),
        params,
        query,
        user: None,
        log_media: None,
        log_segment: None,
    };
    let mut reply = process(server, &mut call);
    let (user, log_media, log_segment) = (
        call.user.map(|u| u.username.to_string()),
        call.log_media.take(),
        call.log_segment,
    );

    if endpoint != Endpoint::Practice {
        let latency = lock(&server.tuning).latency_ms;
        if latency > 0 {
            thread::sleep(Duration::from_millis(latency));
        }
    }
    if let Some(user) = call.user {
        reply = add_rate_headers(server, user, endpoint, reply);
    }
    if let Some(date) = control::skewed_date(server) {
        reply = reply.with_header("Date", date);
    }
    let status = reply.status();
    match reply {
        Reply::Drop => {
            server.edge.cut_peer(req.remote_addr());
            drop(req);
        }
        Reply::Http {
            status,
            content_type,
            body,
            headers,
        } => {
            let mut response = tiny_http::Response::from_data(body).with_status_code(status);
            if let Ok(h) = tiny_http::Header::from_bytes("Content-Type", content_type) {
                response.add_header(h);
            }
            for (name, value) in headers {
                if let Ok(h) = tiny_http::Header::from_bytes(name.as_bytes(), value.as_bytes()) {
                    response.add_header(h);
                }
            }
            let _ = req.respond(response);
        }
    }

    if endpoint != Endpoint::Practice {
        let mut log = lock(&server.log);
        if log.len() < 500_000 {
            log.push(RequestRecord {
                endpoint: endpoint.name(),
                method: method.to_string(),
                path,
                status,
                started_at,
                finished_at: now(),
                body_bytes,
                user,
                media_id: log_media,
                segment_index: log_segment,
            });
        }
    }
}

fn process(server: &Server, call: &mut Call) -> Reply {
    if call.endpoint == Endpoint::Practice {
        return control::handle(server, call);
    }
    if let Some(reply) = planned_failure(server, call.endpoint, false) {
        return reply;
    }
    let max_body = lock(&server.tuning).max_body_bytes;
    if let (Some(max), Some(len)) = (max_body, call.req.body_length())
        && len as u64 > max
    {
        // X's edge answers oversized bodies with an empty 413.
        return Reply::empty(413);
    }
    if call.endpoint.needs_user() {
        match oauth::authenticate(server, call.req) {
            Ok((user, scopes)) => {
                call.user = Some(user);
                let missing: Vec<&str> = call
                    .endpoint
                    .scopes()
                    .iter()
                    .copied()
                    .filter(|s| !scopes.iter().any(|have| have == s))
                    .collect();
                if !missing.is_empty() {
                    return Reply::forbidden(format!(
                        "Missing required OAuth2 scopes: {}. Sign in again granting them.",
                        missing.join(" ")
                    ));
                }
            }
            Err(reply) => return reply,
        }
        if let Some(reply) = rate_limit(server, call.user(), call.endpoint) {
            return reply;
        }
    }
    if call.endpoint == Endpoint::Append
        && let Some(reply) = random_fault(server, call)
    {
        return reply;
    }
    let reply = dispatch(server, call);
    planned_failure(server, call.endpoint, true).unwrap_or(reply)
}

fn dispatch(server: &Server, call: &mut Call) -> Reply {
    match call.endpoint {
        Endpoint::Authorize => oauth::authorize(server, call),
        Endpoint::AuthorizeDecision => oauth::decide(server, call),
        Endpoint::Token => oauth::token(server, call),
        Endpoint::Revoke => oauth::revoke(server, call),
        Endpoint::UsersMe => posts::users_me(call),
        Endpoint::Initialize => media::initialize(server, call),
        Endpoint::Append => media::append(server, call),
        Endpoint::Finalize => media::finalize(server, call),
        Endpoint::Status => processing::status(server, call),
        Endpoint::Upload => command_form::command_upload(server, call),
        Endpoint::Metadata => metadata::metadata(server, call),
        Endpoint::SubtitlesCreate => subtitles::create(server, call),
        Endpoint::SubtitlesDelete => subtitles::delete(server, call),
        Endpoint::CreateTweet => posts::create(server, call),
        Endpoint::GetTweet => posts::get(server, call),
        Endpoint::DeleteTweet => posts::delete(server, call),
        Endpoint::UserTweets => posts::user_tweets(server, call),
        Endpoint::Practice | Endpoint::Unknown => Reply::no_route(&call.path),
    }
}

/// The next planned failure for `endpoint` that fires before (or, with
/// `after`, instead of the answer after) handling.
fn planned_failure(server: &Server, endpoint: Endpoint, after: bool) -> Option<Reply> {
    let planned = {
        let mut planned = lock(&server.planned);
        let queue = planned.get_mut(&endpoint)?;
        let pos = queue.iter().position(|p| p.after_handling == after)?;
        if queue[pos].skip > 0 {
            queue[pos].skip -= 1;
            return None;
        }
        queue.remove(pos)
    };
    if let Some(secs) = planned.delay_secs {
        std::thread::sleep(std::time::Duration::from_secs_f64(secs));
        return None;
    }
    if let Some(secs) = planned.stall_secs {
        server.edge.hold(secs);
    }
    if planned.status == 0 || planned.stall_secs.is_some() {
        return Some(Reply::Drop);
    }
    let content_type: &'static str = if planned.content_type.contains("json") {
        "application/json; charset=utf-8"
    } else if planned.content_type.contains("html") {
        "text/html; charset=utf-8"
    } else {
        "text/plain; charset=utf-8"
    };
    let mut reply = Reply::raw(planned.status, content_type, planned.body.into_bytes());
    if let Some(secs) = planned.reset_in_secs {
        reply = reply
            .with_header("x-rate-limit-remaining", "0")
            .with_header("x-rate-limit-reset", format!("{}", now() as u64 + secs));
    }
    Some(reply)
}

fn limit_for(server: &Server, endpoint: Endpoint) -> Option<u32> {
    let tuning = lock(&server.tuning);
    if !tuning.rate_limits {
        return None;
    }
    tuning
        .rate_limit_overrides
        .get(&endpoint)
        .copied()
        .or(endpoint.rate_limit())
}

fn rate_limit(server: &Server, user: &Account, endpoint: Endpoint) -> Option<Reply> {
    let limit = limit_for(server, endpoint)?;
    let now = now();
    let mut windows = lock(&server.windows);
    let window = windows
        .entry((user.id.to_string(), endpoint))
        .or_insert(Window {
            start: now,
            count: 0,
        });
    if now - window.start >= WINDOW_SECS {
        *window = Window {
            start: now,
            count: 0,
        };
    }
    if window.count >= limit {
        return Some(Reply::too_many_requests());
    }
    window.count += 1;
    None
}

fn add_rate_headers(server: &Server, user: &Account, endpoint: Endpoint, reply: Reply) -> Reply {
    let Some(limit) = limit_for(server, endpoint) else {
        return reply;
    };
    let Some(window) = lock(&server.windows)
        .get(&(user.id.to_string(), endpoint))
        .copied()
    else {
        return reply;
    };
    // Planned and injected 429s carry their own reset time.
    if reply.has_header("x-rate-limit-reset") {
        return reply;
    }
    reply
        .with_header("x-rate-limit-limit", limit.to_string())
        .with_header(
            "x-rate-limit-remaining",
            limit.saturating_sub(window.count).to_string(),
        )
        .with_header(
            "x-rate-limit-reset",
            format!("{}", (window.start + WINDOW_SECS).ceil() as u64),
        )
}

/// Seeded faults on APPEND. The decision for the k-th APPEND to the n-th
/// media of this server depends only on (seed, n, k), so two runs that send
/// the same requests meet the same faults.
fn random_fault(server: &Server, call: &mut Call) -> Option<Reply> {
    let (rate, seed) = {
        let t = lock(&server.tuning);
        (t.fault_rate, t.seed)
    };
    if rate <= 0.0 {
        return None;
    }
    let media_id = call.param(0).to_string();
    let ordinal = lock(&server.media_ordinals).get(&media_id).copied()?;
    let attempt = {
        let mut attempts = lock(&server.attempts);
        let n = attempts.entry((media_id.clone(), u32::MAX)).or_insert(0);
        *n += 1;
        *n
    };
    let digest = Sha256::digest(format!("{seed}/{ordinal}/{attempt}").as_bytes());
    let roll = u64::from_be_bytes(digest[0..8].try_into().ok()?) as f64 / u64::MAX as f64;
    if roll >= rate {
        return None;
    }
    let kind = match digest[8] % 5 {
        0 | 1 => "http_503",
        2 => "http_429",
        _ => "dropped_mid_body",
    };
    lock(&server.injected).push(InjectedFault {
        endpoint: "append",
        media_ordinal: Some(ordinal),
        segment_index: None,
        attempt,
        kind: kind.to_string(),
    });
    call.log_media = Some(media_id);
    Some(match kind {
        "http_503" => Reply::problem(503, "Service Unavailable", "Service Unavailable"),
        "http_429" => Reply::too_many_requests()
            .with_header("x-rate-limit-limit", "1875")
            .with_header("x-rate-limit-remaining", "0")
            .with_header("x-rate-limit-reset", format!("{}", now() as u64 + 2)),
        _ => {
            // Take half the body, then cut the connection.
            let half = call.req.body_length().unwrap_or(64 * 1024) as u64 / 2;
            let _ = std::io::copy(&mut call.req.as_reader().take(half), &mut std::io::sink());
            Reply::Drop
        }
    })
}
