//! The `x-rate-limit-*` headers last seen on uploads and posts, kept in the
//! data dir so "Check setup" can say how much is left without uploading or
//! posting anything itself.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use reqwest::header::HeaderMap;
use serde::{Deserialize, Serialize};

/// One limit as X last stated it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Limit {
    pub limit: u64,
    pub remaining: u64,
    /// Unix seconds when the window starts afresh.
    pub reset: u64,
}

/// The limits last seen, by server ("https://api.x.com", or a practice
/// server) and what they limit ("uploads", "posts", …).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Seen {
    limits: BTreeMap<String, BTreeMap<String, Limit>>,
}

/// "https://api.x.com" for any URL on that server.
pub fn origin_of(url: &str) -> String {
    url::Url::parse(url)
        .map(|u| u.origin().ascii_serialization())
        .unwrap_or_else(|_| url.to_string())
}

fn group(path: &str) -> Option<&'static str> {
    if path.starts_with("/2/media") {
        Some("uploads")
    } else if path == "/2/tweets" {
        Some("posts")
    } else if path == "/2/users/me" {
        Some("account lookups")
    } else {
        None
    }
}

impl Seen {
    /// Note the limit headers of an answer from `origin` to `path`, if it
    /// has them.
    pub fn record(&mut self, origin: &str, path: &str, headers: &HeaderMap) -> bool {
        let Some(group) = group(path) else {
            return false;
        };
        let num = |name: &str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<u64>().ok())
        };
        let (Some(limit), Some(remaining), Some(reset)) = (
            num("x-rate-limit-limit"),
            num("x-rate-limit-remaining"),
            num("x-rate-limit-reset"),
        ) else {
            return false;
        };
        self.limits.entry(origin.to_string()).or_default().insert(
            group.to_string(),
            Limit {
                limit,
                remaining,
                reset,
            },
        );
        true
    }

    /// Limits of `origin` whose window has not started afresh by `now`.
    pub fn current(&self, origin: &str, now: u64) -> Vec<(&str, Limit)> {
        self.limits
            .get(origin)
            .into_iter()
            .flatten()
            .filter(|(_, l)| l.reset > now)
            .map(|(k, l)| (k.as_str(), *l))
            .collect()
    }
}

fn file_in(data_dir: &Path) -> PathBuf {
    data_dir.join("rate-limits.json")
}

/// The limits last seen by this app on this computer.
pub fn load(data_dir: &Path) -> Seen {
    std::fs::read(file_in(data_dir))
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or_default()
}

struct Keeper {
    file: PathBuf,
    seen: Seen,
    written: Option<Instant>,
    dirty: bool,
}

static KEEPER: Mutex<Option<Keeper>> = Mutex::new(None);

/// Keep what is seen from now on in `data_dir` (once per run).
pub fn keep_in(data_dir: &Path) {
    let mut k = KEEPER.lock().unwrap_or_else(|e| e.into_inner());
    *k = Some(Keeper {
        file: file_in(data_dir),
        seen: load(data_dir),
        written: None,
        dirty: false,
    });
}

/// Called with every answer from X; writes at most once a second.
pub fn note(url: &reqwest::Url, headers: &HeaderMap) {
    let mut k = KEEPER.lock().unwrap_or_else(|e| e.into_inner());
    let Some(keeper) = k.as_mut() else {
        return;
    };
    if keeper
        .seen
        .record(&url.origin().ascii_serialization(), url.path(), headers)
    {
        keeper.dirty = true;
        if keeper
            .written
            .is_none_or(|t| t.elapsed() > Duration::from_secs(1))
        {
            write(keeper);
        }
    }
}

/// Write what is not written yet (at the end of a run).
pub fn flush() {
    let mut k = KEEPER.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(keeper) = k.as_mut()
        && keeper.dirty
    {
        write(keeper);
    }
}

fn write(keeper: &mut Keeper) {
    keeper.written = Some(Instant::now());
    keeper.dirty = false;
    if let Ok(json) = serde_json::to_vec(&keeper.seen)
        && let Err(e) = crate::core::config::write_replace(&keeper.file, &json, false)
    {
        tracing::debug!("rate limits not kept: {e}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_upload_and_post_limits_only() {
        let mut h = HeaderMap::new();
        h.insert("x-rate-limit-limit", "100".parse().unwrap());
        h.insert("x-rate-limit-remaining", "0".parse().unwrap());
        h.insert("x-rate-limit-reset", "2000".parse().unwrap());
        let mut s = Seen::default();
        let x = origin_of("https://api.x.com/2/tweets");
        assert_eq!(x, "https://api.x.com");
        assert!(s.record(&x, "/2/tweets", &h));
        assert!(!s.record(&x, "/2/users/1/tweets", &h));
        assert!(s.record(&x, "/2/media/upload/7/append", &h));
        assert_eq!(s.current(&x, 1000).len(), 2);
        assert_eq!(s.current(&x, 1000)[1].0, "uploads");
        assert!(s.current(&x, 2000).is_empty(), "the window started afresh");
        // A practice server's limits are its own.
        assert!(s.current("http://127.0.0.1:4010", 1000).is_empty());
    }
}
