//! X's problem types in one table: what each means for the staff member
//! who met it, what an administrator can do about it, who can fix it, and
//! whether trying again can help. From the Problem schemas of X's API v2
//! spec (`x-api/openapi.json`), plus the `about:blank` 403 X gives a
//! duplicate post.

use serde_json::Value;

use super::error::ErrorKind;

/// Who can fix a problem.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Who {
    /// The person using the app.
    You,
    /// Whoever manages the X app in X's developer portal.
    Administrator,
}

impl Who {
    /// "you" / "your administrator", for "… can fix this".
    pub fn words(self) -> &'static str {
        match self {
            Who::You => "you",
            Who::Administrator => "your administrator",
        }
    }
}

/// An RFC 7807 problem as X sends it (top level, or the first of `errors`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Problem {
    /// The last part of the type URI ("client-forbidden"), or "about:blank".
    pub kind: String,
    pub title: Option<String>,
    pub detail: Option<String>,
    /// `errors[0].message` (invalid-request).
    pub message: Option<String>,
    /// client-forbidden: "client-not-enrolled" or "official-client-forbidden".
    pub reason: Option<String>,
    pub registration_url: Option<String>,
    /// usage-capped: "Daily" or "Monthly", and "Account" or "Product".
    pub period: Option<String>,
    pub scope: Option<String>,
    pub resource_type: Option<String>,
    pub resource_id: Option<String>,
}

const PROBLEMS: &str = "https://api.twitter.com/2/problems/";

impl Problem {
    /// Read a problem from an error body; `None` when it is not one.
    pub fn parse(body: &[u8]) -> Option<Problem> {
        let v: Value = serde_json::from_slice(body).ok()?;
        let first = &v["errors"][0];
        let (top, kind) = match (v["type"].as_str(), first["type"].as_str()) {
            (Some(t), _) => (&v, t),
            (None, Some(t)) => (first, t),
            (None, None) => return None,
        };
        let kind = kind
            .strip_prefix(PROBLEMS)
            .or_else(|| kind.strip_prefix("https://api.x.com/2/problems/"))
            .unwrap_or(kind)
            .to_string();
        let text = |v: &Value, name: &str| {
            v[name]
                .as_str()
                .filter(|s| !s.trim().is_empty())
                .map(String::from)
        };
        let either = |name: &str| text(top, name).or_else(|| text(first, name));
        Some(Problem {
            kind,
            title: text(top, "title"),
            detail: either("detail"),
            message: text(first, "message"),
            reason: either("reason"),
            registration_url: either("registration_url"),
            period: either("period"),
            scope: either("scope"),
            resource_type: either("resource_type"),
            resource_id: either("resource_id"),
        })
    }
}

/// One row of the table, filled in for one answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Explained {
    /// Which row ("client-forbidden/client-not-enrolled", "duplicate-post", …).
    pub row: &'static str,
    pub kind: ErrorKind,
    /// For the person using the app.
    pub staff: String,
    /// For the administrator of the X app, when there is something to do there.
    pub admin: Option<String>,
    pub who: Who,
}

impl Explained {
    /// Staff words, then the administrator's: the one message the app shows.
    pub fn message(&self) -> String {
        match &self.admin {
            Some(admin) => format!("{} For your administrator: {admin}", self.staff),
            None => self.staff.clone(),
        }
    }

    /// Can waiting and trying again help? (Never for a spent usage cap.)
    pub fn wait_helps(&self) -> bool {
        matches!(
            self.kind,
            ErrorKind::ConnectionDropped | ErrorKind::ServerError | ErrorKind::RateLimited
        )
    }
}

/// Every row, for tests and the docs.
pub const ROWS: [&str; 11] = [
    "client-forbidden/client-not-enrolled",
    "client-forbidden/official-client-forbidden",
    "client-forbidden",
    "usage-capped",
    "not-authorized-for-resource",
    "unsupported-authentication",
    "invalid-request",
    "resource-not-found",
    "client-disconnected",
    "duplicate-post",
    "missing-scope",
];

fn portal(p: &Problem) -> String {
    match &p.registration_url {
        Some(url) => format!("at {url}"),
        None => "in the X developer portal (developer.x.com)".to_string(),
    }
}

fn said(p: &Problem) -> String {
    p.message
        .clone()
        .or_else(|| p.detail.clone())
        .or_else(|| p.title.clone())
        .unwrap_or_default()
}

/// The table: X's answer (`status`, `body`) in plain words, or `None` when
/// the body is not one of the problems listed here.
pub fn explain(status: u16, body: &[u8]) -> Option<Explained> {
    let p = Problem::parse(body)?;
    let row = |row, kind, who, staff: String, admin: Option<String>| {
        Some(Explained {
            row,
            kind,
            staff,
            admin,
            who,
        })
    };
    use ErrorKind as K;
    use Who::{Administrator as Admin, You};
    match (p.kind.as_str(), p.reason.as_deref()) {
        ("client-forbidden", Some("client-not-enrolled")) => row(
            "client-forbidden/client-not-enrolled",
            K::Forbidden,
            Admin,
            "X doesn't let this app do that yet: the X app isn't enrolled for the access it needs (client-not-enrolled). Your administrator can fix this.".into(),
            Some(format!(
                "attach the X app to a Project with access to X API v2 {} and make sure its plan includes media upload and posting.",
                portal(&p)
            )),
        ),
        ("client-forbidden", Some("official-client-forbidden")) => row(
            "client-forbidden/official-client-forbidden",
            K::Forbidden,
            Admin,
            "X allows this only in its own apps, not in X Uploader (official-client-forbidden).".into(),
            Some("no setting of the X app changes this; use X's own app for it.".into()),
        ),
        ("client-forbidden", _) => row(
            "client-forbidden",
            K::Forbidden,
            Admin,
            format!(
                "X doesn't allow this app to do that ({}). Your administrator can fix this.",
                said(&p)
            ),
            Some(format!(
                "check the X app's access level and settings {}.",
                portal(&p)
            )),
        ),
        ("usage-capped", _) => {
            let period = p.period.as_deref().unwrap_or("").to_lowercase();
            let (cap, next) = match period.as_str() {
                "daily" => ("daily", "tomorrow"),
                "monthly" => ("monthly", "next month"),
                _ => ("", "the next period"),
            };
            let whose = match p.scope.as_deref() {
                Some("Account") => "developer account",
                _ => "X app",
            };
            row(
                "usage-capped",
                K::UsageCapped,
                Admin,
                format!(
                    "The {whose} has used up its {cap}{}allowance at X (usage-capped). This is not a 15-minute limit: waiting won't help until {next}. Your administrator can fix this.",
                    if cap.is_empty() { "" } else { " " }
                ),
                Some(format!(
                    "X's {cap}{}usage cap for the {whose} is spent; raise the plan {} or wait until {next}.",
                    if cap.is_empty() { "" } else { " " },
                    portal(&p)
                )),
            )
        }
        ("not-authorized-for-resource", _) => row(
            "not-authorized-for-resource",
            K::Forbidden,
            You,
            format!(
                "X says the signed-in account may not use this {} ({}). Use your own media and posts, or sign in as the account that owns it.",
                p.resource_type.as_deref().unwrap_or("item"),
                said(&p)
            ),
            None,
        ),
        ("unsupported-authentication", _) => row(
            "unsupported-authentication",
            K::Forbidden,
            Admin,
            "X doesn't accept the way this app signs in for this request (unsupported-authentication). Your administrator can fix this.".into(),
            Some(format!(
                "turn on OAuth 2.0 in the X app's User authentication settings (type: Native App) {}; X said: {}",
                portal(&p),
                said(&p)
            )),
        ),
        ("invalid-request", _) => row(
            "invalid-request",
            K::Refused,
            You,
            match said(&p) {
                s if s.is_empty() => "X refused the request.".into(),
                s => format!("X refused the request: {s}"),
            },
            None,
        ),
        ("resource-not-found", _) => row(
            "resource-not-found",
            K::NotFound,
            You,
            match said(&p) {
                s if s.is_empty() => "X couldn't find it.".into(),
                s => format!("X couldn't find it: {s} It may have been deleted, or it expired."),
            },
            None,
        ),
        ("client-disconnected", _) => row(
            "client-disconnected",
            K::ConnectionDropped,
            You,
            "X says the connection went away before the request finished (client-disconnected). Try again; a slow or unsteady network causes this.".into(),
            None,
        ),
        ("about:blank", _)
            if status == 403 && said(&p).to_lowercase().contains("duplicate content") =>
        {
            row(
                "duplicate-post",
                K::Forbidden,
                You,
                "X refuses a post that repeats one posted recently (duplicate content). Change the text a little and post again.".into(),
                None,
            )
        }
        ("about:blank", _) if status == 403 && said(&p).contains("scope") => row(
            "missing-scope",
            K::Forbidden,
            You,
            format!(
                "The sign-in doesn't allow this ({}). Sign in again and allow everything X asks for.",
                said(&p)
            ),
            Some(
                "if X doesn't ask for it at sign-in, enable the permission (Read and write, media) in the X app's User authentication settings.".into(),
            ),
        ),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_xs_client_forbidden_answer() {
        let body = br#"{"client_id":"123","detail":"When authenticating requests to the Twitter API v2 endpoints, you must use keys and tokens from a Twitter developer App that is attached to a Project.","registration_url":"https://developer.twitter.com/en/docs/projects/overview","title":"Client Forbidden","required_enrollment":"Appropriate Level of API Access","reason":"client-not-enrolled","type":"https://api.twitter.com/2/problems/client-forbidden"}"#;
        let e = explain(403, body).unwrap();
        assert_eq!(e.row, "client-forbidden/client-not-enrolled");
        assert_eq!(e.who, Who::Administrator);
        assert!(
            e.message()
                .contains("https://developer.twitter.com/en/docs/projects/overview")
        );
        assert!(!e.wait_helps());
    }

    #[test]
    fn usage_cap_is_not_a_wait() {
        let body = br#"{"title":"UsageCapExceeded","detail":"Usage cap exceeded: Monthly product cap","type":"https://api.twitter.com/2/problems/usage-capped","period":"Monthly","scope":"Product","status":429}"#;
        let e = explain(429, body).unwrap();
        assert_eq!(e.kind, ErrorKind::UsageCapped);
        assert!(!e.wait_helps());
        assert!(e.staff.contains("monthly allowance"), "{}", e.staff);
        assert!(e.staff.contains("waiting won't help until next month"));
    }

    #[test]
    fn problems_in_errors_array_and_plain_403s() {
        let body = br#"{"errors":[{"value":"9","detail":"Sorry, you are not authorized to see the Tweet with id: [9].","title":"Authorization Error","resource_type":"tweet","parameter":"id","resource_id":"9","type":"https://api.twitter.com/2/problems/not-authorized-for-resource"}]}"#;
        assert_eq!(
            explain(403, body).unwrap().row,
            "not-authorized-for-resource"
        );
        // A plain 403 that is none of the rows is left to the status.
        assert_eq!(
            explain(
                403,
                br#"{"title":"Forbidden","type":"about:blank","detail":"Forbidden"}"#
            ),
            None
        );
        assert_eq!(explain(400, b"{}"), None);
    }
}
