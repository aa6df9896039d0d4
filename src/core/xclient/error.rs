//! One error type for everything the X client meets: it says in plain
//! words what went wrong, and whether trying again can help.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// What kind of failure, as far as deciding what to do next goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// Could not connect at all (refused, no route, DNS).
    CannotConnect,
    /// No answer in time.
    TimedOut,
    /// The connection broke before the answer.
    ConnectionDropped,
    /// 429: wait until `reset_at`.
    RateLimited,
    /// X's usage cap for the app is spent (`usage-capped`): not a
    /// 15-minute limit, so waiting does not help.
    UsageCapped,
    /// 401 (after one refresh).
    Unauthorized,
    /// The refresh token was refused: the user must sign in again.
    SignInEnded,
    /// No account signed in.
    NotSignedIn,
    /// 400: X refused the request; sending it again cannot help.
    Refused,
    /// 403
    Forbidden,
    /// 404
    NotFound,
    /// 413 with an empty body: X's edge found the body too large.
    TooLarge,
    /// 5xx
    ServerError,
    /// An answer we could not read (not JSON, missing fields).
    BadAnswer,
    /// Processing at X ended `failed`.
    ProcessingFailed,
    /// The user stopped it.
    Cancelled,
    /// Anything else (local setup).
    Other,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct XError {
    pub kind: ErrorKind,
    /// Plain words for the user.
    pub message: String,
    /// The HTTP status, when there was an answer (for logs).
    pub status: Option<u16>,
    /// Unix seconds from `x-rate-limit-reset`, when X sent one.
    pub reset_at: Option<u64>,
}

impl std::fmt::Display for XError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for XError {}

impl XError {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        XError {
            kind,
            message: message.into(),
            status: None,
            reset_at: None,
        }
    }

    /// Could trying the same request again succeed?
    pub fn retryable(&self) -> bool {
        matches!(
            self.kind,
            ErrorKind::CannotConnect
                | ErrorKind::TimedOut
                | ErrorKind::ConnectionDropped
                | ErrorKind::RateLimited
                | ErrorKind::ServerError
        )
    }

    /// Network trouble (as opposed to an answer from X).
    pub fn is_network(&self) -> bool {
        matches!(
            self.kind,
            ErrorKind::CannotConnect | ErrorKind::TimedOut | ErrorKind::ConnectionDropped
        )
    }

    /// When a rate limit lifts, if X said.
    pub fn reset_time(&self) -> Option<SystemTime> {
        self.reset_at.map(|s| UNIX_EPOCH + Duration::from_secs(s))
    }

    /// The same error, its message prefixed with what we were doing.
    pub fn context(mut self, doing: &str) -> Self {
        self.message = format!("{doing}: {}", self.message);
        self
    }

    /// From a transport error of reqwest, for a request to `host`.
    pub fn from_reqwest(e: &reqwest::Error, host: &str) -> Self {
        let detail = root_cause(e);
        if let Some(local) = find_local_file_error(e) {
            // Our own file failed us mid-request: not a network problem.
            return XError::new(ErrorKind::Other, local.0.clone());
        }
        if e.is_timeout() {
            XError::new(
                ErrorKind::TimedOut,
                format!("{host} didn't answer in time. Check your internet connection."),
            )
        } else if e.is_connect() {
            XError::new(
                ErrorKind::CannotConnect,
                format!("Can't reach {host} ({detail}). Check your internet connection."),
            )
        } else if e.is_body() || e.is_request() {
            XError::new(
                ErrorKind::ConnectionDropped,
                format!("The connection to {host} dropped ({detail})."),
            )
        } else if e.is_decode() {
            XError::new(
                ErrorKind::BadAnswer,
                format!("{host} sent an answer that could not be read ({detail})."),
            )
        } else {
            XError::new(
                ErrorKind::ConnectionDropped,
                format!("The connection to {host} failed ({detail})."),
            )
        }
    }

    /// From an error answer: status, headers and body in X's shapes.
    pub fn from_answer(status: u16, reset_at: Option<u64>, body: &[u8]) -> Self {
        let said = x_message(body);
        let client_error = (400..500).contains(&status) && status != 413 && status != 429;
        if client_error && !body.is_empty() && !looks_like_json(body) {
            // A proxy's page or garbage where X's JSON should be.
            return XError {
                kind: ErrorKind::BadAnswer,
                message: format!(
                    "X answered with something unexpected (status {status}, not X's usual answer)."
                ),
                status: Some(status),
                reset_at,
            };
        }
        // X's problem types, in plain words (see `problems`).
        if let Some(p) = super::problems::explain(status, body) {
            return XError {
                kind: p.kind,
                message: p.message(),
                status: Some(status),
                reset_at,
            };
        }
        let (kind, message) = match status {
            400 | 422 => (
                ErrorKind::Refused,
                match &said {
                    Some(m) => format!("X refused the request: {m}"),
                    None => "X refused the request.".to_string(),
                },
            ),
            401 => (
                ErrorKind::Unauthorized,
                "X didn't accept the sign-in; it may have expired. Sign in again.".to_string(),
            ),
            403 => (
                ErrorKind::Forbidden,
                match &said {
                    Some(m) => format!("X refused: {m}"),
                    None => "X refused this request for this account.".to_string(),
                },
            ),
            404 => (
                ErrorKind::NotFound,
                match &said {
                    Some(m) => format!("X couldn't find it: {m}"),
                    None => "X couldn't find it.".to_string(),
                },
            ),
            413 => (
                ErrorKind::TooLarge,
                "X refused a piece of the file as too large.".to_string(),
            ),
            429 => (
                ErrorKind::RateLimited,
                match reset_at.and_then(local_hhmm) {
                    Some(t) => format!("X limits requests right now; try again at {t}."),
                    None => "X limits requests right now; try again in a few minutes.".to_string(),
                },
            ),
            500..=599 => (
                ErrorKind::ServerError,
                "X is having trouble right now; trying again may help.".to_string(),
            ),
            _ => (
                ErrorKind::BadAnswer,
                format!("X answered with an unexpected status {status}."),
            ),
        };
        XError {
            kind,
            message,
            status: Some(status),
            reset_at,
        }
    }

    pub fn bad_answer(what: &str) -> Self {
        XError::new(
            ErrorKind::BadAnswer,
            format!("X answered with something unexpected ({what})."),
        )
    }
}

/// A request body read from a local file failed (the file changed or
/// vanished): carried through reqwest so it is not mistaken for the network.
#[derive(Debug, Clone)]
pub struct LocalFileError(pub String);

impl std::fmt::Display for LocalFileError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for LocalFileError {}

fn find_local_file_error<'a>(
    e: &'a (dyn std::error::Error + 'static),
) -> Option<&'a LocalFileError> {
    let mut cause: Option<&'a (dyn std::error::Error + 'static)> = Some(e);
    while let Some(c) = cause {
        if let Some(local) = c.downcast_ref::<LocalFileError>() {
            return Some(local);
        }
        if let Some(io) = c.downcast_ref::<std::io::Error>()
            && let Some(local) = io
                .get_ref()
                .and_then(|i| i.downcast_ref::<LocalFileError>())
        {
            return Some(local);
        }
        cause = c.source();
    }
    None
}

fn looks_like_json(body: &[u8]) -> bool {
    serde_json::from_slice::<serde_json::Value>(body).is_ok()
}

/// X's own words from an error body, in any of its shapes.
pub fn x_message(body: &[u8]) -> Option<String> {
    let v: serde_json::Value = serde_json::from_slice(body).ok()?;
    let candidates = [
        v["errors"][0]["message"].as_str(),
        v["errors"][0]["detail"].as_str(),
        v["detail"].as_str(),
        v["error_description"].as_str(),
        v["error"].as_str(),
        v["title"].as_str(),
    ];
    candidates
        .into_iter()
        .flatten()
        .find(|s| !s.is_empty())
        .map(String::from)
}

fn root_cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut cause: &dyn std::error::Error = e;
    while let Some(next) = cause.source() {
        cause = next;
    }
    cause.to_string()
}

/// "14:05" in local time, for unix seconds.
pub fn local_hhmm(unix_secs: u64) -> Option<String> {
    let t = chrono::DateTime::from_timestamp(unix_secs as i64, 0)?;
    Some(t.with_timezone(&chrono::Local).format("%H:%M").to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_x_shapes() {
        let body = br#"{"errors":[{"parameters":{"x":["1"]},"message":"Segments do not add up to provided total file size."}],"title":"Invalid Request","detail":"One or more parameters to your request was invalid.","type":"https://api.twitter.com/2/problems/invalid-request"}"#;
        let e = XError::from_answer(400, None, body);
        assert_eq!(e.kind, ErrorKind::Refused);
        assert!(!e.retryable());
        assert!(e.message.contains("Segments do not add up"));

        let e = XError::from_answer(403, None, br#"{"detail":"You are not allowed to create a Tweet with duplicate content.","type":"about:blank","title":"Forbidden","status":403}"#);
        assert_eq!(e.kind, ErrorKind::Forbidden);
        assert!(e.message.contains("duplicate content"));

        let e = XError::from_answer(400, None, br#"{"error":"invalid_request","error_description":"Value passed for the token was invalid."}"#);
        assert!(e.message.contains("token was invalid"));

        let e = XError::from_answer(503, None, b"<html>oops</html>");
        assert_eq!(e.kind, ErrorKind::ServerError);
        assert!(e.retryable());

        let e = XError::from_answer(400, None, b"<html>oops</html>");
        assert_eq!(e.kind, ErrorKind::BadAnswer);
        assert!(e.message.contains("unexpected"));

        let e = XError::from_answer(413, None, b"");
        assert_eq!(e.kind, ErrorKind::TooLarge);

        let e = XError::from_answer(429, Some(4_000_000_000), b"{}");
        assert!(e.retryable());
        assert!(e.reset_time().is_some());
        assert!(e.message.contains("try again at"));
    }
}
